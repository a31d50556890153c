"""report/rows.py and report/render.py after the output-path speed-up: same rows, same bytes.

``connection_row`` now starts from a blank row and caches recurring texts (code points, names, seconds,
addresses), and JSON lines and CSV cells come from reusable encoders. The reference below is the plain
version they replaced, kept here verbatim so every shortcut is checked against it: on every fixture
capture, on hand-made connections that reach the branches the fixtures do not, and on any timestamp.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import ipaddress
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.enrich.aws import AwsEndpoint
from pcaptls.enrich.identity import ServerIdentity
from pcaptls.enrich.ipranges import IpRangeHit
from pcaptls.enrich.sources import build_enrichment
from pcaptls.errors import CaptureError
from pcaptls.model import Endpoint
from pcaptls.pipeline import iter_connections
from pcaptls.report import escape, render, rows
from pcaptls.report.cloudtrail import cloudtrail_record
from pcaptls.report.rows import FIELDS, civil_time, connection_row, iso_time
from pcaptls.results import (
    AlertInfo, FlowError, client_max_version, client_supported_versions, first_alert, negotiated_version,
)
from pcaptls.tls import registry
from pcaptls.tls.extensions import Extension
from pcaptls.tls.hello import SSLv2ServerHello
from tests.conftest import CAPTURES, FIXTURES

SUFFIXES = (".pcap", ".pcapng", ".gz", ".zst", ".xz", ".bz2")
DATA = FIXTURES / "data"


# --- the reference: connection_row and iso_time as they were before the caches ---------------------------

def _ref_utc_seconds(seconds: int) -> str:
    try:
        return f"{dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc):%Y-%m-%dT%H:%M:%S}"
    except (ValueError, OverflowError, OSError):
        return civil_time(seconds)


def ref_iso_time(ts_ns: int) -> str:
    seconds, rest = divmod(ts_ns, 10**9)
    return f"{_ref_utc_seconds(seconds)}.{rest // 1000:06d}Z"


def _h(code):
    return None if code is None else f"0x{code:04x}"


def _hs(codes):
    return None if codes is None else [f"0x{c:04x}" for c in codes]


def _t(raw):
    return None if raw is None else raw.decode("utf-8", errors="backslashreplace")


def _v(code):
    return None if code is None else registry.version_name(code)


def ref_row(c) -> dict:
    ch, sh = c.client_hello, c.server_hello
    alert = first_alert(c)
    suite = sh.cipher_suite if sh is not None else None
    final_ch = c.retry_client_hello or ch
    ident = c.identity
    aws = ident.aws if ident is not None else None
    rng = ident.ip_range if ident is not None else None
    return {
        "capture": c.capture, "conn": c.conn, "ts": ref_iso_time(c.ts_ns), "transport": c.transport,
        "client_ip": str(c.client.ip), "client_port": c.client.port,
        "server_ip": str(c.server.ip), "server_port": c.server.port,
        "sni": _t(ch.server_name) if ch is not None else None,
        "record_version": _h(c.client_record_version),
        "client_version": _h(ch.legacy_version) if ch is not None else None,
        "client_supported_versions": _hs(client_supported_versions(c)),
        "client_cipher_suites": _hs(ch.cipher_suites) if ch is not None else None,
        "client_max_version": _v(client_max_version(c)),
        "alpn": [_t(p) for p in ch.alpn] if ch is not None and ch.alpn is not None else None,
        "server_version": _h(sh.legacy_version) if sh is not None else (
            _h(c.sslv2_server_hello.version) if c.sslv2_server_hello is not None else None),
        "server_selected_version": _h(sh.selected_version) if sh is not None else None,
        "negotiated_version": _v(negotiated_version(c)),
        "cipher_suite_id": _h(suite),
        "cipher_suite": registry.suite_name(suite) if suite is not None else None,
        "cipher_suite_openssl": registry.suite_openssl_name(suite) if suite is not None else None,
        "alpn_selected": _t(sh.alpn) if sh is not None and sh.alpn is not None else None,
        "hello_retry": c.hello_retry_request is not None,
        "alert": registry.name(registry.ALERT_DESCRIPTIONS, alert.description) if alert else None,
        "alert_from": alert.sender if alert else None,
        "outcome": c.outcome,
        "server_name": ident.server_name if ident else None,
        "name_source": ident.name_source if ident else None,
        "aws_partition": aws.partition if aws else None,
        "aws_service": aws.service if aws else None,
        "aws_service_name": aws.service_name if aws else None,
        "aws_region": aws.region if aws else None,
        "aws_fips": aws.fips if aws else None,
        "aws_dualstack": aws.dualstack if aws else None,
        "aws_global": aws.global_endpoint if aws else None,
        "aws_s3_form": aws.s3_form if aws else None,
        "tls12_required_since": aws.tls12_required_since if aws else None,
        "name_chain": list(ident.name_chain) if ident and ident.name_chain else None,
        "dns_name": ident.dns_name if ident else None,
        "ip_range_prefix": rng.prefix if rng else None,
        "ip_range_region": rng.region if rng else None,
        "ip_range_services": list(rng.services) if rng else None,
        "last_ts": ref_iso_time(c.last_ts_ns),
        "client_groups": _hs(final_ch.supported_groups) if final_ch is not None else None,
        "client_key_share_groups": _hs(final_ch.key_share_groups) if final_ch is not None else None,
        "client_signature_algorithms": _hs(ch.signature_algorithms) if ch is not None else None,
        "client_extensions": ([_h(e.type) for e in ch.extensions]
                              if ch is not None and ch.extensions is not None else None),
        "client_sslv2": ch.sslv2 if ch is not None else None,
        "server_extensions": ([_h(e.type) for e in sh.extensions]
                              if sh is not None and sh.extensions is not None else None),
        "server_key_share_group": _h(sh.key_share_group) if sh is not None else None,
        "has_ech": ch.has_ech if ch is not None else None,
        "tls_offset": c.tls_offset, "upgrade": c.upgrade, "closed_by": c.closed_by, "gaps": c.gaps,
        "packets": c.packets, "client_payload_bytes": c.client_payload_bytes,
        "server_payload_bytes": c.server_payload_bytes,
        "errors": [f"{e.direction} {e.kind} at offset {e.offset}: {e.detail}" for e in c.errors],
        "capture_file": c.capture_file,     # added after the speed-up (a rotated set's file)
        "client_hello_malformed": ch.malformed if ch is not None else None,     # added later too
        "server_hello_malformed": sh.malformed if sh is not None else None,
    }


def assert_same_row(c) -> None:
    want, got = ref_row(c), connection_row(c)
    assert list(got) == list(FIELDS)
    assert got == want
    assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
    assert render.jsonl_line(got) == json.dumps(want, ensure_ascii=False) + "\n"


# --- connections to compare on ---------------------------------------------------------------------------

def _captures() -> list:
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))


def _connections(path, enrichment=None) -> list:
    try:
        return list(iter_connections(str(path), enrichment=enrichment))
    except CaptureError:
        return []


@pytest.fixture(scope="module")
def enrichment():
    found, _problems = build_enrichment(
        [str(DATA / "nslookup_monitoring.txt"), str(DATA / "snapshot.json"), str(DATA / "hosts.txt")],
        str(DATA / "ip-ranges-sample.json"))
    return found


@pytest.fixture(scope="module")
def fixture_connections(enrichment) -> list:
    conns = []
    for path in _captures():
        conns += _connections(path) + _connections(path, enrichment)
    assert len(conns) > 100
    return conns


def test_every_fixture_connection_gives_the_reference_row(fixture_connections) -> None:
    for c in fixture_connections + fixture_connections:      # twice: the second time from the caches
        assert_same_row(c)


def _variants(c) -> list:
    """The connection changed so that the branches fixtures rarely reach are all taken."""
    ch, sh = c.client_hello, c.server_hello
    aws = AwsEndpoint("monitoring-fips.us-gov-west-1.amazonaws.com", "aws-us-gov", "monitoring", "CloudWatch",
                      "us-gov-west-1", True, False, False, None, "2024-02-27")
    rng = IpRangeHit("52.61.0.0/16", "us-gov-west-1", ("EC2", "AMAZON"), "us-gov-west-1")
    alerts = (AlertInfo(1, 0, "client", c.ts_ns), AlertInfo(2, 70, "server", c.ts_ns),
              AlertInfo(2, 0xEE, "client", 0))
    out = [
        dataclasses.replace(c, client_hello=None, retry_client_hello=ch),
        dataclasses.replace(c, retry_client_hello=ch, client_record_version=None),
        dataclasses.replace(c, server_hello=None,
                            sslv2_server_hello=SSLv2ServerHello(1, 1, 0x0002, b"", (), b"", 0)),
        dataclasses.replace(c, server_hello=None, sslv2_server_hello=None, alerts=alerts[:1]),
        dataclasses.replace(c, alerts=alerts, errors=(FlowError(c.conn, "gap", "client", None, "lost 5 bytes"),
                                                      FlowError(c.conn, "malformed_record", "server", 7, "é\x1b"))),
        dataclasses.replace(c, identity=ServerIdentity("x.example", "dns", ("a.example", "b.example"), aws, rng,
                                                        "x.example")),
        dataclasses.replace(c, identity=ServerIdentity(None, None, (), None, rng, None)),
        dataclasses.replace(c, identity=None),
        dataclasses.replace(c, client=Endpoint(ipaddress.ip_address("2001:db8::1"), 1),
                            server=Endpoint(ipaddress.ip_address("::ffff:10.0.0.1"), 443),
                            ts_ns=-1, last_ts_ns=253402300800 * 10**9 + 5),
    ]
    if ch is not None:
        long_suites = tuple(range(0x10000, 0x10000 + 200)) + (0x0A0A, 0xFFFF, 0x1301)
        odd_hello = dataclasses.replace(
            ch, cipher_suites=long_suites, alpn=(b"h2", b"\xff\xfe"), server_name=b"bad\xc3(", supported_groups=None,
            extensions=(Extension(0x0A0A, b"", 0), Extension(0x1234, b"", 4)), supported_versions=(0x7F17, 0x0A0A))
        out.append(dataclasses.replace(c, client_hello=odd_hello,
                                       retry_client_hello=dataclasses.replace(ch, key_share_groups=(0x11EC, 0x1D))))
        out.append(dataclasses.replace(c, client_hello=dataclasses.replace(
            ch, extensions=None, alpn=None, server_name=None, signature_algorithms=None, supported_versions=())))
    if sh is not None:
        out.append(dataclasses.replace(c, server_hello=dataclasses.replace(
            sh, cipher_suite=None, alpn=b"\x80", extensions=None, selected_version=0x0304, key_share_group=None)))
        out.append(dataclasses.replace(c, server_hello=dataclasses.replace(sh, cipher_suite=0x0A0A, alpn=None)))
        out.append(dataclasses.replace(c, server_hello=dataclasses.replace(sh, cipher_suite=0xFEFE, extensions=())))
    return out


def test_hand_made_connections_give_the_reference_row(fixture_connections) -> None:
    seen = 0
    for c in fixture_connections[::7]:
        for variant in _variants(c):
            assert_same_row(variant)
            assert_same_row(variant)
            seen += 1
    assert seen > 100


def test_rows_share_no_lists(fixture_connections) -> None:
    c = next(c for c in fixture_connections if c.client_hello is not None and c.client_hello.cipher_suites)
    first = connection_row(c)
    first["client_cipher_suites"].append("changed")
    first["errors"].append("changed")
    assert connection_row(c) == ref_row(c)


# --- times, JSON text, CSV cells -------------------------------------------------------------------------

MIN_S, MAX_S = -62135596800, 253402300799          # 0001-01-01 .. 9999-12-31T23:59:59
EDGES = [s + d for s in (MIN_S, MAX_S + 1, 0) for d in (-86401, -86400, -1, 0, 1, 86399, 86400)]


STAMPS = st.one_of(
    st.integers(-2**63, 2**64),
    st.integers(MIN_S - 86400 * 3, MIN_S + 86400 * 3).map(lambda s: s * 10**9 + 7),
    st.integers(MAX_S - 86400 * 3, MAX_S + 86400 * 3).map(lambda s: s * 10**9 + 999_999_999),
    st.sampled_from(EDGES).map(lambda s: s * 10**9))


@given(st.lists(STAMPS, max_size=20))
def test_iso_time_is_the_reference_in_any_order(stamps: list[int]) -> None:
    for ts_ns in stamps + stamps:
        assert iso_time(ts_ns) == ref_iso_time(ts_ns)


def test_iso_time_at_the_year_edges() -> None:
    for s in EDGES:
        for ts_ns in (s * 10**9, s * 10**9 + 1_000, s * 10**9 - 1):
            assert iso_time(ts_ns) == ref_iso_time(ts_ns)


def test_caches_start_over_when_full() -> None:
    base = 1_700_000_000 * 10**9
    for i in range(rows._CACHE_LIMIT * 2 + 3):
        ts_ns = base + i * 86_401 * 10**9 + i
        assert iso_time(ts_ns) == ref_iso_time(ts_ns)
    assert len(rows._SECONDS) <= rows._CACHE_LIMIT and len(rows._DAYS) <= rows._CACHE_LIMIT
    for i in range(rows._CACHE_LIMIT + 3):
        ip = ipaddress.ip_address(i.to_bytes(4, "big"))
        assert rows._ip_text(ip) == str(ip)
    assert len(rows._IP_TEXT) <= rows._CACHE_LIMIT


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=8))
def test_jsonl_line_is_json_dumps(record: dict) -> None:
    assert render.jsonl_line(record) == json.dumps(record, ensure_ascii=False) + "\n"


def test_jsonl_of_rows_and_cloudtrail_records(fixture_connections) -> None:
    for c in fixture_connections:
        for record in (connection_row(c), cloudtrail_record(c)):
            assert render.jsonl_line(record) == json.dumps(record, ensure_ascii=False) + "\n"
    out = io.StringIO()
    chosen = [connection_row(c) for c in fixture_connections[:40]]
    render.write_jsonl(chosen, out)
    assert out.getvalue() == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen)


def _ref_csv(table: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in table:
        writer.writerow([escape.csv_cell(escape.terminal(render._cell(row[f]))) for f in FIELDS])
    return out.getvalue()


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=70),
                          st.lists(st.text(max_size=6), max_size=3)), min_size=1, max_size=10))
def test_csv_cells_are_the_reference(values: list) -> None:
    table = [dict.fromkeys(FIELDS, v) for v in values + values]
    out = io.StringIO()
    render.write_csv(table, out)
    assert out.getvalue() == _ref_csv(table)


def test_csv_of_fixture_rows(fixture_connections) -> None:
    table = [connection_row(c) for c in fixture_connections]
    out = io.StringIO()
    render.write_csv(table + table, out)
    assert out.getvalue() == _ref_csv(table + table)


@given(st.lists(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6), max_size=4))
def test_json_written_a_row_at_a_time_is_json_dumps_indent_2(rows: list[dict]) -> None:
    out = io.StringIO()
    render.write_json(rows, out)
    assert out.getvalue() == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
