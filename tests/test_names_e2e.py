"""Server names end to end, on a capture of a real DNS server (dnsmasq) and stub resolver (dig) on
loopback followed by TLS connections without SNI (fixtures/captures/dns, see fixtures/live/README.md).
The truth is what dig printed and which connection went where, recorded beside the capture."""
from __future__ import annotations

import json

import pytest

import pcaptls
from pcaptls.enrich.sources import build_enrichment
from pcaptls.pipeline import InspectOptions
from pcaptls.report.rows import connection_row
from tests.conftest import CAPTURES

DNS = CAPTURES / "dns" / "dns_names.pcap"
TRUTH = json.loads((CAPTURES / "dns" / "dns_names.json").read_text())
TLS_EVENTS = [e for e in TRUTH["events"] if e.get("event") == "tls"]


def _rows(**kw) -> dict[int, dict]:
    report = pcaptls.inspect_file(str(DNS), **kw)
    return {r["client_port"]: r for r in map(connection_row, report.connections)}


@pytest.mark.parametrize("event", TLS_EVENTS, ids=lambda e: f"{e['server_ip']}:{e['client_port']}")
def test_each_connection_is_named_as_the_dns_said(event: dict) -> None:
    row = _rows()[event["client_port"]]
    assert row["server_ip"] == event["server_ip"]
    assert row["server_name"] == event["expect"]["name"]
    assert row["name_source"] == event["expect"]["source"]
    assert row["sni"] == (event["server_hostname"] if event["sni_sent"] else None)
    if event["expect"]["source"] == "dns":
        assert (row["name_chain"] or []) == event["expect"]["dns_chain"]


def test_the_seed_endpoint_is_cloudwatch_fips_in_govcloud() -> None:
    rows = [r for r in _rows().values() if r["server_name"] == "monitoring.us-gov-west-1.amazonaws.com"]
    assert len(rows) == 1
    r = rows[0]
    assert (r["aws_service"], r["aws_service_name"], r["aws_region"], r["aws_partition"], r["aws_fips"],
            r["tls12_required_since"]) == ("monitoring", "CloudWatch", "us-gov-west-1", "aws-us-gov", True, "2021-03-31")
    assert r["client_max_version"] == "TLSv1.0" and r["record_version"] == "0x0301"


def test_mdns_answers_are_ignored() -> None:
    assert all(r["server_name"] != "evil.local" for r in _rows().values())


def test_without_capture_dns_no_sni_means_no_name() -> None:
    rows = _rows(options=InspectOptions(capture_dns=False))
    assert {r["name_source"] for r in rows.values()} == {"sni", None}


def test_snapshot_names_when_capture_dns_is_off(tmp_path) -> None:
    snap = tmp_path / "snap.csv"
    snap.write_text("name,ip\nmonitoring.us-gov-west-1.amazonaws.com,127.0.0.24\nwww.fixture.test,127.0.0.22\n")
    enrichment, problems = build_enrichment([str(snap)])
    rows = _rows(options=InspectOptions(capture_dns=False), enrichment=enrichment)
    named = {r["server_ip"]: (r["server_name"], r["name_source"]) for r in rows.values() if r["name_source"] == "snapshot"}
    assert named == {"127.0.0.24": ("monitoring.us-gov-west-1.amazonaws.com", "snapshot"),
                     "127.0.0.22": ("www.fixture.test", "snapshot")}


def test_capture_dns_wins_over_a_snapshot(tmp_path) -> None:
    snap = tmp_path / "hosts"
    snap.write_text("127.0.0.21 stale-snapshot.example\n")
    enrichment, _ = build_enrichment([str(snap)])
    rows = _rows(enrichment=enrichment)
    assert {r["server_name"] for r in rows.values() if r["server_ip"] == "127.0.0.21"} == {"api.fixture.test"}


def test_ip_ranges_name_the_region_but_claim_no_endpoint(tmp_path) -> None:
    ranges = tmp_path / "ip-ranges.json"
    ranges.write_text(json.dumps({
        "syncToken": "1", "createDate": "2024-01-01-00-00-00",
        "prefixes": [{"ip_prefix": "127.0.0.0/8", "region": "us-gov-west-1", "service": "AMAZON",
                      "network_border_group": "us-gov-west-1"},
                     {"ip_prefix": "127.0.0.0/24", "region": "us-gov-west-1", "service": "EC2",
                      "network_border_group": "us-gov-west-1"}],
        "ipv6_prefixes": []}))
    enrichment, _ = build_enrichment(ip_ranges=str(ranges))
    rows = _rows(options=InspectOptions(capture_dns=False), enrichment=enrichment)
    by_range = [r for r in rows.values() if r["name_source"] == "ip-ranges"]
    assert by_range and all(r["server_name"] is None and r["ip_range_prefix"] == "127.0.0.0/24"
                            and r["ip_range_services"] == ["EC2"] and r["aws_service"] is None
                            and r["tls12_required_since"] is None for r in by_range)


def test_a_dns_answer_with_junk_after_it_still_names(tmp_path) -> None:
    """Bytes after a well-formed DNS message in a datagram (Wireshark: extraneous data) are counted, and the
    answers are used."""
    from scapy.all import DNS, IP, UDP, Raw, rdpcap, wrpcap

    packets = list(rdpcap(str(CAPTURES / "crafted/seed_cloudwatch_fips.pcap")))
    changed = 0
    for i, pkt in enumerate(packets):
        if pkt.haslayer(DNS) and pkt[DNS].qr == 1:
            ip = pkt[IP]
            body = bytes(ip[UDP].payload) + b"\x00\x00extraneous"
            del ip.len, ip.chksum, ip[UDP].len, ip[UDP].chksum
            ip[UDP].remove_payload()
            ip[UDP].add_payload(Raw(body))
            packets[i] = pkt.__class__(bytes(pkt))
            packets[i].time = pkt.time
            changed += 1
    assert changed
    path = tmp_path / "junk.pcap"
    wrpcap(str(path), packets)
    plain = pcaptls.inspect_file(str(CAPTURES / "crafted/seed_cloudwatch_fips.pcap"))
    junk = pcaptls.inspect_file(str(path))
    assert junk.counters.get("dns_trailing_bytes") == changed and not junk.counters.get("dns_malformed")
    names = [(c.identity.server_name, c.identity.name_source) for c in junk.connections]
    assert names == [(c.identity.server_name, c.identity.name_source) for c in plain.connections]
    assert sum(source == "dns" for _, source in names) == 2          # the two without SNI
