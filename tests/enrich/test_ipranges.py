"""Tests for pcaptls/enrich/ipranges.py: merged services, most specific prefix wins, IPv6, bad entries.

The prefixes in fixtures/data/ip-ranges-sample.json are copied from a real AWS ip-ranges.json (2018-02-06,
syncToken 1517937128); docs/snapshots.md says where. The nested pairs below exist in that file as published.
"""
from __future__ import annotations

import ipaddress
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.enrich.ipranges import IpRangeHit, IpRanges, PrefixProblem, parse_ip
from tests.conftest import FIXTURES

SAMPLE = json.loads((FIXTURES / "data" / "ip-ranges-sample.json").read_text(encoding="utf-8"))
GOV, USE1 = "us-gov-west-1", "us-east-1"


@pytest.fixture(scope="module")
def ranges() -> IpRanges:
    return IpRanges.from_prefixes(SAMPLE["prefixes"], SAMPLE["ipv6_prefixes"], SAMPLE["syncToken"],
                                  SAMPLE["createDate"])


def v4(prefix: str, service: str, region: str = GOV, nbg: str | None = None) -> dict[str, str]:
    entry = {"ip_prefix": prefix, "region": region, "service": service}
    return entry | ({"network_border_group": nbg} if nbg else {})


@pytest.mark.parametrize(("ip", "hit"), [
    # AWS lists 52.61.0.0/16 under AMAZON and again under EC2: one hit, the specific service first
    ("52.61.20.2", IpRangeHit("52.61.0.0/16", GOV, ("EC2", "AMAZON"), GOV)),
    ("52.222.9.200", IpRangeHit("52.222.0.0/17", GOV, ("EC2", "AMAZON"), GOV)),
    ("52.222.200.1", IpRangeHit("52.222.128.0/17", "GLOBAL", ("AMAZON",), "GLOBAL")),
    ("52.94.248.230", IpRangeHit("52.94.248.224/28", GOV, ("EC2", "AMAZON"), GOV)),
    ("52.92.253.1", IpRangeHit("52.92.252.0/22", GOV, ("S3", "AMAZON"), GOV)),
    ("52.217.1.1", IpRangeHit("52.216.0.0/15", USE1, ("S3", "AMAZON"), USE1)),
    ("34.200.1.1", IpRangeHit("34.192.0.0/12", USE1, ("EC2", "AMAZON"), USE1)),
    # nested: the Route 53 health-check /26 inside the AMAZON /15 and /14 wins inside, the /15 /14 outside
    ("54.243.31.200", IpRangeHit("54.243.31.192/26", USE1, ("ROUTE53_HEALTHCHECKS",), USE1)),
    ("54.243.31.191", IpRangeHit("54.242.0.0/15", USE1, ("AMAZON",), USE1)),
    ("107.23.255.63", IpRangeHit("107.23.255.0/26", USE1, ("ROUTE53_HEALTHCHECKS",), USE1)),
    ("107.23.255.64", IpRangeHit("107.20.0.0/14", USE1, ("AMAZON",), USE1)),
    # IPv6
    ("2600:1f12:0:1::a", IpRangeHit("2600:1f12::/36", GOV, ("EC2", "AMAZON"), GOV)),
    ("2600:1f00:2000::1", IpRangeHit("2600:1f00:2000::/40", GOV, ("EC2", "AMAZON"), GOV)),
    ("2620:108:d00f::1", IpRangeHit("2620:108:d00f::/64", GOV, ("EC2",), GOV)),
    ("2620:108:d001::1", IpRangeHit("2620:108:d000::/44", GOV, ("AMAZON",), GOV)),
    ("2600:1f18:3fff:f800::1", IpRangeHit("2600:1f18:3fff:f800::/53", USE1, ("ROUTE53_HEALTHCHECKS",), USE1)),
    ("2600:1f18:3fff:f000::1", IpRangeHit("2600:1f18::/33", USE1, ("EC2", "AMAZON"), USE1)),
    ("2600:1fa0:8000::1", IpRangeHit("2600:1fa0:8000::/40", USE1, ("S3", "AMAZON"), USE1)),
    ("2600:9000:1::1", IpRangeHit("2600:9000::/28", "GLOBAL", ("CLOUDFRONT", "AMAZON"), "GLOBAL")),
    # forms of the same address
    ("::ffff:52.61.20.2", IpRangeHit("52.61.0.0/16", GOV, ("EC2", "AMAZON"), GOV)),
    ("2600:1f12::1%eth0", IpRangeHit("2600:1f12::/36", GOV, ("EC2", "AMAZON"), GOV)),
    (" 52.61.20.2 ", IpRangeHit("52.61.0.0/16", GOV, ("EC2", "AMAZON"), GOV)),
])
def test_sample_lookups(ranges: IpRanges, ip: str, hit: IpRangeHit) -> None:
    assert ranges.lookup(ip) == hit
    assert ranges.lookup(parse_ip(ip)) == hit  # type: ignore[arg-type]


@pytest.mark.parametrize("ip", ["8.8.8.8", "52.60.255.255", "52.62.0.0", "2001:db8::1", "::", "0.0.0.0",
                                "", "not an ip", "52.61.0.0/16", "1.2.3", "fe80::1%", "52.61.20.2%eth0"])
def test_misses_and_junk_give_none(ranges: IpRanges, ip: str) -> None:
    assert ranges.lookup(ip) is None


def test_metadata_and_size(ranges: IpRanges) -> None:
    assert (ranges.sync_token, ranges.create_date, ranges.problems) == ("1517937128", "2018-02-06-17-12-08", ())
    assert len(ranges) == 21   # 33 listed entries, 12 of them a second service for an already listed prefix


def test_lookup_of_a_non_string_is_a_type_error(ranges: IpRanges) -> None:
    with pytest.raises(TypeError):
        ranges.lookup(0x343D1402)  # type: ignore[arg-type]


def test_services_are_merged_sorted_with_amazon_last() -> None:
    r = IpRanges.from_prefixes([v4("10.0.0.0/8", "S3"), v4("10.0.0.0/8", "AMAZON"), v4("10.0.0.0/8", "EC2"),
                                v4("10.0.0.0/8", "EC2")], [])
    assert r.lookup("10.1.2.3") == IpRangeHit("10.0.0.0/8", GOV, ("EC2", "S3", "AMAZON"), GOV)
    assert len(r) == 1 and r.problems == ()


def test_border_group_is_kept_and_defaults_to_the_region() -> None:
    r = IpRanges.from_prefixes([v4("3.2.0.0/24", "AMAZON", USE1, "us-east-1-iah-1"), v4("3.3.0.0/24", "AMAZON", USE1)],
                               [])
    assert r.lookup("3.2.0.1").network_border_group == "us-east-1-iah-1"  # type: ignore[union-attr]
    assert r.lookup("3.3.0.1").network_border_group == USE1                # type: ignore[union-attr]


def test_bad_entries_are_skipped_and_listed() -> None:
    r = IpRanges.from_prefixes(
        [v4("10.0.0.0/8", "AMAZON"), "x", {"ip_prefix": "10.0.0.0/8"}, v4("10.0.0.1/8", "EC2"), v4("::/0", "EC2"),
         v4("10.0.0.0/8", "EC2", "us-east-1"), {"ip_prefix": "11.0.0.0/8", "region": "r", "service": ""}],
        [{"ipv6_prefix": "10.0.0.0/8", "region": "r", "service": "s"}, {"ip_prefix": "2600::/16"}])
    assert r.problems == (
        PrefixProblem("prefixes", 1, "entry is str, not an object"),
        PrefixProblem("prefixes", 2, "region is missing or not a non-empty string"),
        PrefixProblem("prefixes", 3, "ip_prefix '10.0.0.1/8': 10.0.0.1/8 has host bits set"),
        PrefixProblem("prefixes", 4, "ip_prefix '::/0' is IPv6, expected IPv4"),
        PrefixProblem("prefixes", 5, "10.0.0.0/8 is listed again with region 'us-east-1'/'us-east-1' "
                                     "(kept 'us-gov-west-1'/'us-gov-west-1'); service 'EC2' was merged"),
        PrefixProblem("prefixes", 6, "service is missing or not a non-empty string"),
        PrefixProblem("ipv6_prefixes", 0, "ipv6_prefix '10.0.0.0/8' is IPv4, expected IPv6"),
        PrefixProblem("ipv6_prefixes", 1, "ipv6_prefix is missing or not a non-empty string"))
    assert len(r) == 1
    assert r.lookup("10.9.9.9") == IpRangeHit("10.0.0.0/8", GOV, ("EC2", "AMAZON"), GOV)


def test_empty_index() -> None:
    r = IpRanges.from_prefixes([], [])
    assert len(r) == 0 and r.lookup("1.2.3.4") is None and r.lookup("::1") is None


def brute_force(nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network], ip: str) -> str | None:
    addr = ipaddress.ip_address(ip)
    inside = [n for n in nets if n.version == addr.version and addr in n]
    return str(max(inside, key=lambda n: n.prefixlen)) if inside else None


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_most_specific_prefix_wins_like_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    base4, base6 = rng.getrandbits(32), rng.getrandbits(128)     # nearby prefixes, so they nest and overlap
    for _ in range(rng.randint(0, 40)):
        if rng.random() < 0.6:
            plen = rng.randint(0, 32)
            nets.append(ipaddress.ip_network(((base4 ^ rng.getrandbits(12)) >> (32 - plen) << (32 - plen), plen)))
        else:
            plen = rng.randint(0, 128)
            nets.append(ipaddress.ip_network(((base6 ^ rng.getrandbits(24)) >> (128 - plen) << (128 - plen), plen)))
    r = IpRanges.from_prefixes([v4(str(n), "AMAZON") for n in nets if n.version == 4],
                               [{"ipv6_prefix": str(n), "region": GOV, "service": "AMAZON"} for n in nets
                                if n.version == 6])
    probes = [str(ipaddress.IPv4Address(base4 ^ rng.getrandbits(14))) for _ in range(30)]
    probes += [str(ipaddress.IPv6Address(base6 ^ rng.getrandbits(26))) for _ in range(30)]
    for ip in probes:
        hit = r.lookup(ip)
        assert (hit.prefix if hit else None) == brute_force(nets, ip)


def test_ten_thousand_prefixes_agree_with_brute_force() -> None:
    """About the size of today's ip-ranges.json (~10,000 prefixes); lookups stay exact at that size."""
    rng = random.Random(1)
    nets = list({ipaddress.ip_network((rng.getrandbits(32) >> (32 - p) << (32 - p), p))
                 for p in (rng.choice([12, 16, 20, 22, 24, 26, 28, 31, 32]) for _ in range(10_000))})
    r = IpRanges.from_prefixes([v4(str(n), "EC2") for n in nets], [])
    assert len(r) == len(nets)
    for net in rng.sample(nets, 200):
        ip = str(net.network_address + rng.randrange(net.num_addresses))
        assert r.lookup(ip).prefix == brute_force(nets, ip)  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "parsed"), [("52.61.20.2", "52.61.20.2"), ("::ffff:52.61.20.2", "52.61.20.2"),
                                              ("FE80::1%eth0", "fe80::1"), ("2600:1F12::A", "2600:1f12::a"),
                                              ("52.61.20.2%eth0", None), ("052.61.20.2", None), ("", None)])
def test_parse_ip(text: str, parsed: str | None) -> None:
    addr = parse_ip(text)
    assert (str(addr) if addr else None) == parsed
