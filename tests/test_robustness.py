"""No input produces a traceback: any bytes as a capture, and real captures with damage."""
from __future__ import annotations

import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pcaptls
from pcaptls.errors import CaptureError
from pcaptls.report import render
from pcaptls.report.cloudtrail import cloudtrail_record
from pcaptls.report.rows import connection_row
from pcaptls.report.show import render_connections
from pcaptls.report.verdict import REPORT_FIELDS, Aggregator, summary
from tests.conftest import CAPTURES

REAL = (sorted((CAPTURES / "live").glob("*.pcap*")) + sorted((CAPTURES / "crafted").glob("*.pcap*"))
        + sorted((CAPTURES / "corpus").rglob("*.pcap*")))


def _inspect(path) -> None:
    """Inspect and render in every way a user can; only CaptureError may come out."""
    try:
        report = pcaptls.inspect_file(str(path), pcaptls.InspectOptions(keep_raw=True))
    except CaptureError:
        return
    rows = [connection_row(c) for c in report.connections]
    for writer in render.WRITERS.values():
        writer(rows, io.StringIO())
    render.summary(report)
    render_connections(list(report.connections), hexdump=True, color=True)
    aggregate = Aggregator()
    for row in rows:
        aggregate.add(row)
    for fmt in render.REPORT_FORMATS:
        render.write_report(aggregate.rows(), summary(aggregate.rows()), fmt, io.StringIO(), REPORT_FIELDS)
    for conn in report.connections:
        cloudtrail_record(conn)
        assert conn.outcome in ("established", "failed", "incomplete")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(tmp_path, data: bytes) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(data)
    _inspect(path)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.binary(min_size=1, max_size=4096))
def test_pcap_header_then_arbitrary_records(tmp_path, data: bytes) -> None:
    path = tmp_path / "x.pcap"
    header = bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000")   # pcap, Ethernet
    path.write_bytes(header + data)
    _inspect(path)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_corrupted_real_captures(tmp_path, path) -> None:
    """Flip bytes past the file header of real captures: hellos, records and TCP headers get damaged."""
    original = path.read_bytes()
    rng = random.Random(path.name)
    for trial in range(20):
        data = bytearray(original)
        for _ in range(rng.randint(1, 40)):
            pos = rng.randrange(24, len(data))
            data[pos] = rng.randrange(256)
        bad = tmp_path / f"{trial}-{path.name}"
        bad.write_bytes(bytes(data))
        _inspect(bad)


@pytest.mark.parametrize("path", [p for p in REAL if p.suffix in (".pcap", ".pcapng")], ids=lambda p: p.name)
def test_every_truncation_point_of_a_capture_keeps_what_came_before(tmp_path, path) -> None:
    original = path.read_bytes()
    full = pcaptls.inspect_file(str(path))
    step = max(1, len(original) // 25)
    for cut in range(24, len(original), step):
        bad = tmp_path / f"cut{cut}{path.suffix}"
        bad.write_bytes(original[:cut])
        try:
            report = pcaptls.inspect_file(str(bad))
        except CaptureError:
            continue
        # a connection reported from the truncated file is one of the full file's connections
        full_keys = {(c.client, c.server, c.ts_ns) for c in full.connections}
        assert {(c.client, c.server, c.ts_ns) for c in report.connections} <= full_keys
