"""Captures of real TLS stacks (fixtures/live): pcaptls reports what the endpoints themselves reported.

Each fixtures/captures/live/NAME.json holds what Python's ssl (OpenSSL 3.0) said on both ends: version,
cipher, ALPN, errors, and the alerts it sent and received. The capture must tell the same story.
"""
from __future__ import annotations

import json

import pytest

import pcaptls
from pcaptls.report.rows import connection_row
from tests.conftest import CAPTURES

LIVE = CAPTURES / "live"
CASES = sorted(p.stem for p in LIVE.glob("*.json"))


def _capture(name: str):
    return next(p for p in LIVE.iterdir() if p.stem == name and p.suffix in (".pcap", ".pcapng"))


@pytest.mark.parametrize("name", CASES)
def test_live_capture_matches_what_the_endpoints_reported(name: str) -> None:
    truth = json.loads((LIVE / f"{name}.json").read_text())
    expect, client, server = truth["expect"], truth["client"], truth["server"]
    report = pcaptls.inspect_file(str(_capture(name)))
    assert report.error is None and not report.flow_errors
    assert len(report.connections) == 1
    row = connection_row(report.connections[0])

    assert row["server_port"] == truth["port"]
    assert row["sni"] == expect["sni"]
    assert row["negotiated_version"] == expect["negotiated_version"]
    assert row["cipher_suite"] == expect["cipher_suite"]
    assert row["cipher_suite_id"] == expect["cipher_suite_id"]
    assert row["hello_retry"] == expect["hello_retry"]
    assert row["alert"] == expect["alert"]
    assert row["alert_from"] == expect["alert_from"]
    # what the client offered, against how it was configured
    assert row["client_max_version"] == client["offered_max"]
    assert row["alpn"] == client["alpn_configured"]
    # the server's ALPN choice is only visible in the clear below TLS 1.3 (EncryptedExtensions)
    if expect["negotiated_version"] == "TLSv1.3":
        assert row["alpn_selected"] is None
    else:
        assert row["alpn_selected"] == expect["alpn"]
    # both ends finished the handshake exactly when pcaptls says it was established
    both_ok = client["error"] is None and server["error"] is None
    assert row["outcome"] == ("established" if both_ok else "failed")
    # the record layer said 0x0301 on every first ClientHello OpenSSL sent: not the version
    assert row["record_version"] == "0x0301"


def test_split_client_hello_really_spans_segments_and_is_read() -> None:
    truth = json.loads((LIVE / "split_ch.json").read_text())
    report = pcaptls.inspect_file(str(_capture("split_ch")))
    conn = report.connections[0]
    assert conn.client_hello is not None and len(conn.client_hello.alpn) == len(truth["client"]["alpn_configured"])
    # the ClientHello is longer than the 108-byte segments the client wrote
    assert conn.client_hello.offset > 0 and conn.client_payload_bytes > 4 * 108


def test_hrr_second_client_hello_carries_the_requested_group() -> None:
    conn = pcaptls.inspect_file(str(_capture("hrr"))).connections[0]
    hrr, retry = conn.hello_retry_request, conn.retry_client_hello
    assert hrr is not None and retry is not None
    assert hrr.key_share_group in retry.key_share_groups
    assert hrr.key_share_group not in (conn.client_hello.key_share_groups or ())
