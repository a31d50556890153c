"""Memory stays bounded whatever the capture holds (issue 6): many thousands of flows that never finish
their handshakes, out-of-order data that is never filled in, long gaps. Checked on the configured limits
and with tracemalloc, not with timings."""
from __future__ import annotations

import struct
import tracemalloc

import pytest

import pcaptls
from pcaptls.pipeline import InspectOptions

ETH = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
HELLO_START = bytes.fromhex("1603010200010001fc0303") + bytes(32)        # a ClientHello that says 512 bytes


def _frame(src: int, sport: int, seq: int, flags: int, payload: bytes) -> bytes:
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0,
                     struct.pack(">I", 0x0A000000 | src), bytes([10, 9, 9, 9]))
    tcp = struct.pack(">HHIIBBHHH", sport, 443, seq, 0, 0x50, flags, 65535, 0, 0)
    return ETH + ip + tcp + payload


def _capture(flows: int, hole_bytes: int) -> bytes:
    """Each flow: SYN, the first bytes of a ClientHello, then ``hole_bytes`` of data past a hole that is
    never filled; flows start one per millisecond and every 500th pause for two hours."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    ts = 1_700_000_000 * 10**6
    chunk = bytes(range(256)) * 5 + bytes(180)                            # 1460 bytes
    for i in range(flows):
        src, sport, isn = i % 60000 + 1, 1024 + i % 60000, 1000 * i
        frames = [_frame(src, sport, isn, 0x02, b""), _frame(src, sport, isn + 1, 0x18, HELLO_START)]
        seq = isn + 1 + len(HELLO_START) + 100                            # 100 bytes never captured
        for _ in range(hole_bytes // len(chunk)):
            frames.append(_frame(src, sport, seq, 0x10, chunk))
            seq += len(chunk)
        if i % 500 == 499:
            ts += 2 * 3600 * 10**6
        for f in frames:
            out.append(struct.pack("<IIII", ts // 10**6, ts % 10**6, len(f), len(f)) + f)
            ts += 1000
    return b"".join(out)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("mem") / "many_flows.pcap"
    path.write_bytes(_capture(flows=4000, hole_bytes=14 * 1460))
    return path


def test_flow_table_and_buffers_stay_within_their_limits(hostile) -> None:
    opts = InspectOptions(max_flows=1000, max_pending_bytes=16 * 1024, idle_timeout_s=600)
    report = pcaptls.inspect_file(str(hostile), opts)
    c = report.counters
    assert c["flows"] == 4000                               # every flow was seen ...
    assert c["flows_peak"] <= 1000                          # ... but never more than 1000 at once
    assert c["flows_evicted"] >= 3000
    assert c["tcp_pending_peak_bytes"] <= 16 * 1024 + 1460  # one segment over the limit, then a gap
    assert len(report.connections) == 4000                  # each reported, with its gap
    assert all(conn.gaps >= 1 and conn.outcome == "incomplete" for conn in report.connections)


def test_memory_does_not_grow_with_the_number_of_flows(hostile) -> None:
    """Streaming the connections (as jsonl does), Python's allocations stay under a fixed budget although
    the capture holds 4000 x 20 KB of out-of-order data (80 MB if it were all kept)."""
    opts = InspectOptions(max_flows=1000, max_pending_bytes=16 * 1024)
    tracemalloc.start()
    try:
        count = sum(1 for _ in pcaptls.iter_connections(str(hostile), opts))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 4000
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def test_followed_state_is_bounded_and_early_reports_lose_no_connection(tmp_path) -> None:
    """2,000 never-finishing flows, each holding 14 x 1460 bytes past a hole (41 MB if all were kept): with
    max_state_bytes 1 MiB the followed state never goes far past it, the least recently active connections
    are reported early, and every connection is still reported once."""
    path = tmp_path / "state.pcap"
    path.write_bytes(_capture(flows=2000, hole_bytes=14 * 1460))
    budget = 1 << 20
    insp = pcaptls.iter_connections(str(path), InspectOptions(max_state_bytes=budget, max_pending_bytes=1 << 20))
    conns = list(insp)
    assert len(conns) == 2000 and len({c.conn for c in conns}) == 2000
    assert insp.counters["flows_reported_early"] > 1000
    assert insp.state_peak <= budget + 2 * (14 * 1460 + 2000)      # measured when the meter says so: one flow over
    early = [c for c in conns if c.closed_by is None]
    assert early and all(c.client_hello is None or c.gaps >= 0 for c in early)


def test_the_limits_are_options_of_the_command_line(tmp_path) -> None:
    from click.testing import CliRunner

    from pcaptls.cli import cli
    path = tmp_path / "many.pcap"
    path.write_bytes(_capture(flows=600, hole_bytes=4 * 1460))
    done = CliRunner().invoke(cli, ["inspect", str(path), "--format", "jsonl", "--max-flows", "100",
                                    "--max-state", "64K", "--max-pending", "64K", "--max-dns-answers", "10"])
    assert done.exit_code == 0, done.output
    assert done.stdout.count("\n") == 600
    assert "flows evicted" in done.stderr and "connections reported early (memory bound)" in done.stderr
    bad = CliRunner().invoke(cli, ["inspect", str(path), "--max-state", "lots"])
    assert bad.exit_code == 2 and "is not a size" in bad.output
