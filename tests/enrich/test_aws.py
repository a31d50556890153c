"""Tests for pcaptls/enrich/aws.py and enrich/catalog_refresh.py.

aws_hostnames.csv holds real endpoint names with the answer expected for each. Its ``evidence`` column says
where the row comes from, and the evidence tests check that against the raw endpoints.json text with a few
lines of their own, not with the code under test:
  literal            the hostname is written in endpoints.json
  template:P/S/K     partition P, service S has endpoint key K and the partition's default templates render it
  pattern            a documented AWS naming form the catalog does not enumerate (S3 buckets, access points...)
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.enrich import aws
from pcaptls.enrich.aws import AwsEndpoint, load_catalog, load_shipped_catalog
from pcaptls.enrich.catalog_refresh import refresh_catalog
from pcaptls.errors import EnrichmentDataError

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "pcaptls" / "enrich" / "data"
ROWS = list(csv.DictReader((HERE / "aws_hostnames.csv").open(newline="")))
RAW = gzip.decompress((DATA / "endpoints.json.gz").read_bytes())
RAW_TEXT = RAW.decode()
DOC = json.loads(RAW)
PARTS = {p["partition"]: p for p in DOC["partitions"]}

NOT_AWS = [
    "example.com", "amazonaws.com", "amazonaws.com.evil.org", "s3.amazonaws.com.example.net", "notamazonaws.com",
    "amazon.com", "www.amazon.com", "aws.amazon.com", "ec2-54-12-34-56.compute-1.amazonaws.com",
    "ec2-54-12-34-56.us-west-2.compute.amazonaws.com", "my-lb-1234567890.us-east-1.elb.amazonaws.com",
    "mydb.c9akciq32.us-east-1.rds.amazonaws.com", "abc123defg.execute-api.us-east-1.amazonaws.com",
    "d111111abcdef8.cloudfront.net", "notaservice.us-east-1.amazonaws.com", "ec2.xx-east-1.amazonaws.com",
    "ec2.cn-north-1.amazonaws.com", "ec2.us-east-1.amazonaws.com.cn", "ec2.us-gov-west-1.amazonaws.eu",
    "ec2.us-east-1.api.aws.evil.com", "evil-amazonaws.com", "api.aws", "amazonaws.com.cn", "localhost",
    "localhost:8000", "", ".", "..", "ec2..us-east-1.amazonaws.com", "ec2.us-east-1.amazonaws.com..",
    "ec2.us-east-1.amazonaws.com:443", "ec2 .us-east-1.amazonaws.com", "xn--ec2.us-east-1.amazonaws.co",
    "s3-accesspoint.us-west-2.amazonaws.com", "notanaccesspoint.s3-accesspoint.us-west-2.amazonaws.com",
    "bucket.s3-website.dualstack.us-east-1.amazonaws.com", "12.s3-control.us-east-1.amazonaws.com",
    "bucket.sqs.us-east-1.amazonaws.com", "ＥＣ２.us-east-1.amazonaws.com",
]


@pytest.fixture(scope="module")
def catalog() -> aws.Catalog:
    return load_shipped_catalog()


def _row_id(row: dict[str, str]) -> str:
    return row["hostname"]


def _expected(row: dict[str, str]) -> dict[str, Any]:
    return {
        "partition": row["partition"], "service": row["service"], "region": row["region"] or None,
        "fips": row["fips"] == "1", "dualstack": row["dualstack"] == "1", "global_endpoint": row["global"] == "1",
        "s3_form": row["s3_form"] or None, "tls12_required_since": row["tls12_since"] or None,
    }


def test_table_is_big_and_covers_every_kind() -> None:
    assert len(ROWS) >= 60
    assert {r["partition"] for r in ROWS} >= {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e",
                                              "aws-iso-f", "aws-eusc"}
    for column in ("fips", "dualstack", "global"):
        assert {r[column] for r in ROWS} == {"0", "1"}
    assert {r["s3_form"] for r in ROWS} >= {"path", "legacy", "virtual-hosted", "accesspoint", "website", "control"}
    assert len({r["hostname"] for r in ROWS}) == len(ROWS)
    assert len(NOT_AWS) >= 15


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_lookup_matches_table(catalog: aws.Catalog, row: dict[str, str]) -> None:
    ep = catalog.lookup(row["hostname"])
    assert ep is not None
    got = {k: getattr(ep, k) for k in _expected(row)}
    assert got == _expected(row)
    assert ep.hostname == row["hostname"]
    assert ep.service_name == aws.SERVICE_NAMES.get(row["service"])


@pytest.mark.parametrize("name", NOT_AWS)
def test_non_aws_names_are_none(catalog: aws.Catalog, name: str) -> None:
    assert catalog.lookup(name) is None


# --- the table's expectations checked against the catalog text, independently of aws.py -----------------


def _render(template: str, service: str, region: str, suffix: str) -> str:
    return template.replace("{service}", service).replace("{region}", region).replace("{dnsSuffix}", suffix)


def _tagged(host: str, tag: str) -> bool:
    """Does endpoints.json say, in any of the ways it can, that ``host`` is a ``tag`` variant?"""
    for p in DOC["partitions"]:
        pvariants = {frozenset(v["tags"]): v for v in p["defaults"].get("variants", [])}
        for service, s in p["services"].items():
            svariants = s.get("defaults", {}).get("variants", [])
            for key, e in s["endpoints"].items():
                if tag == "fips" and "fips" in key.split("-") and e.get("hostname") == host:
                    return True
                for v in e.get("variants", []):
                    if tag not in v["tags"]:
                        continue
                    template = v.get("hostname") or pvariants.get(frozenset(v["tags"]), {}).get("hostname", "")
                    suffix = pvariants.get(frozenset(v["tags"]), {}).get("dnsSuffix", p["dnsSuffix"])
                    if _render(template, service, key, suffix) == host:
                        return True
                for v in svariants:
                    if tag in v["tags"] and "{region}" in v["hostname"] and key in p["regions"]:
                        if _render(v["hostname"], service, key, v.get("dnsSuffix", p["dnsSuffix"])) == host:
                            return True
    return False


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_row_evidence_is_in_the_catalog(row: dict[str, str]) -> None:
    host, evidence = row["hostname"], row["evidence"]
    part = PARTS[row["partition"]]
    if evidence == "literal":
        assert f'"{host}"' in RAW_TEXT
    elif evidence.startswith("template:"):
        pname, service, key = evidence.removeprefix("template:").split("/")
        assert pname == row["partition"]
        endpoint = part["services"][service]["endpoints"][key]
        rendered = {_render(part["defaults"]["hostname"], service, key, part["dnsSuffix"])}
        for v in endpoint.get("variants", []):
            pv = next(x for x in part["defaults"]["variants"] if set(x["tags"]) == set(v["tags"]))
            rendered.add(_render(v.get("hostname") or pv["hostname"], service, key, pv["dnsSuffix"]))
        assert "hostname" not in endpoint and host in rendered
    else:
        assert evidence == "pattern"
    if evidence != "pattern":
        assert _tagged(host, "fips") == (row["fips"] == "1"), "fips column disagrees with the catalog"
        if _tagged(host, "dualstack"):
            assert row["dualstack"] == "1"
    if row["region"]:
        assert row["region"] in part["regions"]
        assert re.fullmatch(part["regionRegex"], row["region"])
    suffixes = [part["dnsSuffix"]] + [v["dnsSuffix"] for v in part["defaults"]["variants"]]
    assert any(host.endswith("." + s) for s in suffixes)
    if row["dualstack"] == "1":
        dual = [v["dnsSuffix"] for v in part["defaults"]["variants"] if "dualstack" in v["tags"]]
        assert _tagged(host, "dualstack") or ".dualstack." in host or any(host.endswith("." + s) for s in dual)
    assert row["tls12_since"] == ("" if row["s3_form"] == "website" else
                                  "2021-03-31" if row["fips"] == "1" else "2023-06-28")


# --- behaviour ----------------------------------------------------------------------------------------------


def test_govcloud_standard_endpoint_is_fips(catalog: aws.Catalog) -> None:
    assert catalog.lookup("monitoring.us-gov-west-1.amazonaws.com") == AwsEndpoint(
        "monitoring.us-gov-west-1.amazonaws.com", "aws-us-gov", "monitoring", "CloudWatch", "us-gov-west-1",
        fips=True, dualstack=False, global_endpoint=False, s3_form=None, tls12_required_since="2021-03-31")


@pytest.mark.parametrize("spelling", ["MONITORING.US-GOV-WEST-1.AMAZONAWS.COM.",
                                      " Monitoring.us-gov-west-1.amazonaws.com "])
def test_case_trailing_dot_and_space_are_normalised(catalog: aws.Catalog, spelling: str) -> None:
    assert catalog.lookup(spelling) == catalog.lookup("monitoring.us-gov-west-1.amazonaws.com")


def test_region_known_only_by_regex_still_matches(catalog: aws.Catalog) -> None:
    ep = catalog.lookup("ec2.us-east-9.amazonaws.com")
    assert ep is not None and (ep.partition, ep.region, ep.fips) == ("aws", "us-east-9", False)
    ep = catalog.lookup("kms-fips.us-gov-north-1.amazonaws.com")
    assert ep is not None and (ep.partition, ep.service, ep.fips) == ("aws-us-gov", "kms", True)
    assert catalog.lookup("ec2.us-gov-north-1.amazonaws.com.cn") is None


def test_every_indexed_hostname_is_consistent(catalog: aws.Catalog) -> None:
    assert len(catalog) > 10_000
    for host, ep in catalog.hostnames.items():
        assert catalog.lookup(host) is ep and ep.hostname == host
        part = PARTS[ep.partition]
        if ep.region is not None:
            assert ep.region in part["regions"] or re.fullmatch(part["regionRegex"], ep.region), host
        assert ep.tls12_required_since == ("2021-03-31" if ep.fips else "2023-06-28")
        assert ep.global_endpoint or ep.region is not None, host


def test_service_names_refer_to_catalog_services(catalog: aws.Catalog) -> None:
    services = {ep.service for ep in catalog.hostnames.values()}
    assert len(aws.SERVICE_NAMES) >= 60
    assert set(aws.SERVICE_NAMES) <= services
    assert [aws.SERVICE_NAMES[s] for s in ("monitoring", "ec2", "sts", "s3", "logs", "kms")] == [
        "CloudWatch", "EC2", "STS", "S3", "CloudWatch Logs", "KMS"]


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_arbitrary_strings_never_raise(text: str) -> None:
    result = load_shipped_catalog().lookup(text)
    assert result is None or isinstance(result, AwsEndpoint)


_LABELS = st.sampled_from(["s3", "s3-fips", "dualstack", "fips", "ec2", "ec2-fips", "us-east-1", "us-gov-west-1",
                           "cn-north-1", "bucket", "a", "s3-accesspoint", "s3-control", "123456789012", "mrap",
                           "accesspoint", "s3-global", "s3-website", "s3-website-us-east-1", "s3-us-west-2", "api"])
_SUFFIXES = st.sampled_from(["amazonaws.com", "api.aws", "amazonaws.com.cn", "c2s.ic.gov", "example.com", ""])


@settings(max_examples=500)
@given(st.lists(_LABELS, max_size=6), _SUFFIXES)
def test_aws_looking_names_never_raise(labels: list[str], suffix: str) -> None:
    host = ".".join([*labels, suffix]).strip(".")
    result = load_shipped_catalog().lookup(host)
    if result is not None:
        assert result.hostname == host and result.partition in PARTS
        assert suffix not in ("example.com", "")


def test_lookup_rejects_non_str(catalog: aws.Catalog) -> None:
    with pytest.raises(TypeError):
        catalog.lookup(b"s3.amazonaws.com")  # type: ignore[arg-type]


# --- loading ------------------------------------------------------------------------------------------------


def test_load_catalog_accepts_plain_gzip_and_dict(catalog: aws.Catalog) -> None:
    for data in (RAW, gzip.compress(RAW), DOC):
        assert len(load_catalog(data)) == len(catalog)
    assert catalog.partitions == tuple(PARTS)


@pytest.mark.parametrize("data", [
    b"not json", b"\x1f\x8b\x08\x00garbage", b"[]", b"{}", b'{"partitions": {}}', b'{"partitions": [{}]}',
    b'{"partitions": [{"partition": "x", "dnsSuffix": "x.com", "regions": [], "services": {}}]}',
    b'{"partitions": [{"partition": "x", "dnsSuffix": "x.com", "regions": {}, "services": {"s": {}}}]}',
    b'{"partitions": [{"partition": "x", "dnsSuffix": "x.com", "regionRegex": "(", "regions": {}, "services": {}}]}',
    b"\xff\xfe",
])
def test_malformed_catalog_raises_enrichment_error(data: bytes) -> None:
    with pytest.raises(EnrichmentDataError):
        load_catalog(data)


_TEMPLATES = st.sampled_from(["{service}.{region}.{dnsSuffix}", "{service}-fips.{region}.{dnsSuffix}", "x.y",
                              "{service}.{dnsSuffix}", "a b", "amazonaws.com", "api.aws", "localhost:8000"])
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8) | _TEMPLATES,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                     max_leaves=10)


def _shaped(keys: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """Dicts with the ``required`` keys (well-shaped) and some others (well-shaped or any JSON value)."""
    return st.fixed_dictionaries({k: keys[k] for k in required},
                                 optional={k: v | _JSON for k, v in keys.items() if k not in required})


_TAGS = st.lists(st.sampled_from(["fips", "dualstack", "other"]), max_size=2)
_VARIANTS = st.lists(_shaped({"hostname": _TEMPLATES, "tags": _TAGS, "dnsSuffix": _TEMPLATES}), max_size=3)
_ENDPOINT = _shaped({"hostname": _TEMPLATES, "variants": _VARIANTS, "deprecated": st.booleans(),
                     "credentialScope": _shaped({"region": st.sampled_from(["us-east-1", "zz"])})})
_KEYS = st.sampled_from(["us-east-1", "us-gov-west-1", "aws-global", "fips-us-east-1", "us-east-1-fips", "x"])
_SERVICE = _shaped({"endpoints": st.dictionaries(_KEYS, _ENDPOINT, max_size=4),
                    "defaults": _shaped({"hostname": _TEMPLATES, "variants": _VARIANTS}),
                    "partitionEndpoint": _KEYS, "isRegionalized": st.booleans()}, ("endpoints",))
_PARTITION = _shaped({"partition": st.sampled_from(["aws", "aws-us-gov"]),
                      "dnsSuffix": st.sampled_from(["amazonaws.com", "api.aws", ""]),
                      "regions": st.dictionaries(_KEYS, st.just({}), max_size=3),
                      "regionRegex": st.sampled_from(["^us\\-\\w+\\-\\d+$", "(", ""]),
                      "defaults": _shaped({"hostname": _TEMPLATES, "variants": _VARIANTS}),
                      "services": st.dictionaries(st.sampled_from(["ec2", "s3", "s3-control", "iam"]), _SERVICE,
                                                  max_size=3)}, ("partition", "dnsSuffix", "regions", "services"))


@settings(max_examples=300)
@given(_shaped({"partitions": st.lists(_PARTITION, max_size=3)}, ("partitions",)))
def test_arbitrary_catalog_structures_load_or_raise_enrichment_error(doc: dict[str, Any]) -> None:
    try:
        catalog = load_catalog(doc)
    except EnrichmentDataError:
        return
    for host in [*list(catalog.hostnames)[:5], "ec2.us-east-1.amazonaws.com", "b.s3.us-east-1.amazonaws.com"]:
        catalog.lookup(host)


def test_load_catalog_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        load_catalog("endpoints.json")  # type: ignore[arg-type]


def test_source_note_matches_shipped_snapshot() -> None:
    note = (DATA / "SOURCE.md").read_text()
    assert hashlib.sha256(RAW).hexdigest() in note
    assert re.search(r"botocore \d+\.\d+\.\d+", note)
    assert f"{len(load_shipped_catalog())}" in note


# --- refresh ------------------------------------------------------------------------------------------------


def _fake_botocore(tmp_path: Path, payload: bytes) -> types.ModuleType:
    pkg = tmp_path / "botocore"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "endpoints.json").write_bytes(payload)
    module = types.ModuleType("botocore")
    module.__file__ = str(pkg / "__init__.py")
    module.__version__ = "9.9.9"  # type: ignore[attr-defined]
    return module


def test_refresh_copies_catalog_and_writes_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "botocore", _fake_botocore(tmp_path, RAW))
    dest = tmp_path / "out" / "endpoints.json.gz"
    dest.parent.mkdir()
    assert refresh_catalog(dest, date="2030-01-02") == "9.9.9"
    assert gzip.decompress(dest.read_bytes()) == RAW
    first = dest.read_bytes()
    refresh_catalog(dest)
    assert dest.read_bytes() == first           # deterministic: gzip mtime is pinned
    note = (dest.parent / "SOURCE.md").read_text()
    assert "botocore 9.9.9" in note and "2030-01-02" in note and hashlib.sha256(RAW).hexdigest() in note
    plain = tmp_path / "out" / "endpoints.json"
    refresh_catalog(plain)
    assert plain.read_bytes() == RAW


def test_refresh_refuses_a_broken_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "botocore", _fake_botocore(tmp_path, b"{broken"))
    dest = tmp_path / "endpoints.json.gz"
    dest.write_bytes(b"keep me")
    with pytest.raises(EnrichmentDataError):
        refresh_catalog(dest)
    assert dest.read_bytes() == b"keep me"


def test_refresh_without_botocore_gives_install_advice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "botocore", None)     # makes `import botocore` raise ImportError
    with pytest.raises(EnrichmentDataError, match="pip install botocore"):
        refresh_catalog(tmp_path / "endpoints.json.gz")


def test_shipped_index_is_the_rendered_catalog() -> None:
    """The pre-rendered hostname index shipped beside the catalog (it saves ~0.15 s per process) holds
    exactly what rendering the catalog gives; a refresh rewrites both."""
    import importlib.resources
    from pcaptls.enrich import aws
    raw = (importlib.resources.files("pcaptls.enrich") / "data" / aws.SHIPPED_CATALOG).read_bytes()
    rendered = aws.load_catalog(raw)
    aws.load_shipped_catalog.cache_clear()
    shipped = aws.load_shipped_catalog()
    assert dict(shipped.hostnames) == dict(rendered.hostnames)
    assert (importlib.resources.files("pcaptls.enrich") / "data" / aws.SHIPPED_INDEX).read_bytes() == \
        aws.index_document(raw, rendered)
