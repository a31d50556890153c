"""enrich/sources.py: snapshot arguments and which name of a CNAME chain names the address."""
from __future__ import annotations

import pytest

from pcaptls.enrich.sources import build_enrichment, parse_time, split_snapshot_arg
from pcaptls.errors import EnrichmentDataError
from tests.conftest import FIXTURES

DATA = FIXTURES / "data"


def test_snapshot_argument_with_time() -> None:
    assert split_snapshot_arg("snap.txt@2023-06-27T10:00:00Z") == ("snap.txt", 1687860000 * 10**9)
    assert split_snapshot_arg("snap.txt@1687860000") == ("snap.txt", 1687860000 * 10**9)
    assert split_snapshot_arg("user@host.txt") == ("user@host.txt", None)     # not a time: part of the name
    assert split_snapshot_arg("plain.txt") == ("plain.txt", None)


def test_parse_time_rejects_junk() -> None:
    with pytest.raises(EnrichmentDataError):
        parse_time("yesterday")


def test_the_name_asked_for_wins_over_its_cname_target() -> None:
    # app.example.com -> app.prod.example.com -> my-alb-...elb.amazonaws.com -> 52.61.84.17, 52.222.9.200
    enrichment, _ = build_enrichment([str(DATA / "nslookup_cname.txt")])
    for ip in ("52.61.84.17", "52.222.9.200"):
        assert enrichment.snapshots.lookup(ip, 0).name == "app.example.com"


def test_nslookup_seed_example_names_the_fips_endpoint() -> None:
    enrichment, problems = build_enrichment([str(DATA / "nslookup_monitoring.txt")])
    assert not problems
    for ip in ("52.61.20.2", "52.61.20.14"):
        assert enrichment.snapshots.lookup(ip, 0).name == "monitoring.us-gov-west-1.amazonaws.com"
    assert enrichment.snapshots.lookup("10.25.0.2", 0) is None          # the resolver itself is not an answer
