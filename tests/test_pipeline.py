"""pipeline.py: flow lifetime and bounds (eviction, idle timeout, closed flows), on generated captures."""
from __future__ import annotations

import itertools
import struct
import subprocess

import pytest

import pcaptls
from fixtures.build import STEP_NS, T0_NS, Tcp, pcap_file, tls12
from pcaptls.pipeline import InspectOptions
from tests.conftest import CAPTURES
from tests.oracle import HAVE_TSHARK

SYN_SAME_ISN = CAPTURES / "crafted" / "syn_same_isn.pcap"


def _interleaved(n: int, gap_ns: int = 0) -> bytes:
    """``n`` TLS 1.2 connections open at the same time (packets round-robin), optionally a pause of
    ``gap_ns`` after the first third of the packets (ClientHellos sent, ServerHellos not yet)."""
    convs = [tls12(Tcp(("10.9.0.1", 20000 + i), ("10.9.0.2", 443), (1000 * i + 1, 7000 * i + 3)),
                   f"many{i}", f"c{i}.example.com") for i in range(n)]
    frames, ts = [], T0_NS
    for group in itertools.zip_longest(*convs):
        for pkt in group:
            if pkt is not None:
                frames.append((ts, bytes(pkt)))
                ts += STEP_NS
    if gap_ns:
        half = len(frames) // 3
        frames = frames[:half] + [(t + gap_ns, f) for t, f in frames[half:]]
    return pcap_file(frames, 1)


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    path = tmp_path_factory.mktemp("many") / "many.pcap"
    path.write_bytes(_interleaved(40))
    return path


def test_all_connections_found(many) -> None:
    report = pcaptls.inspect_file(str(many))
    assert len(report.connections) == 40
    assert {c.client_hello.server_name for c in report.connections} == {f"c{i}.example.com".encode() for i in range(40)}
    assert all(c.outcome == "established" for c in report.connections)


def test_flow_table_is_bounded_and_eviction_counted(many) -> None:
    report = pcaptls.inspect_file(str(many), InspectOptions(max_flows=8))
    assert report.counters["flows_evicted"] > 0
    # evicted flows are reported, not lost; the TCP flows beyond the bound restart mid-stream
    assert len({c.client.port for c in report.connections}) == 40


def test_idle_flows_are_finished_and_reported(tmp_path) -> None:
    path = tmp_path / "idle.pcap"
    path.write_bytes(_interleaved(3, gap_ns=3600 * 10**9))      # an hour of silence mid-handshake
    report = pcaptls.inspect_file(str(path), InspectOptions(idle_timeout_s=60))
    assert report.counters["flows_evicted"] == 3        # finished at the timeout, not at the end
    first = [c for c in report.connections if c.client_hello is not None]
    assert len(first) == 3 and all(c.server_hello is None and c.outcome == "incomplete" for c in first)
    # what came after the pause is a new, mid-stream flow each: its ServerHello is still reported
    rest = [c for c in report.connections if c.client_hello is None]
    assert len(rest) == 3 and all(c.server_hello is not None for c in rest)
    assert report.counters["flows"] == 6


def _as_raw_ip(pcap: bytes) -> bytes:
    """The same capture with the Ethernet headers cut off (link type 101): no fast path applies."""
    out = bytearray(pcap[:20] + struct.pack("<I", 101))
    pos = 24
    while pos < len(pcap):
        sec, frac, caplen, orig = struct.unpack_from("<IIII", pcap, pos)
        out += struct.pack("<IIII", sec, frac, caplen - 14, orig - 14) + pcap[pos + 16 + 14:pos + 16 + caplen]
        pos += 16 + caplen
    return bytes(out)


def test_fast_path_counts_exactly_what_the_full_path_counts(tmp_path) -> None:
    """Bulk packets of finished handshakes are counted by the reader's fast path (Ethernet only); per
    connection the packets, payload bytes and times equal what the full decoding path finds."""
    eth, raw = tmp_path / "eth.pcap", tmp_path / "raw.pcap"
    eth.write_bytes(_interleaved(12))
    raw.write_bytes(_as_raw_ip(eth.read_bytes()))
    fast, full = pcaptls.inspect_file(str(eth)), pcaptls.inspect_file(str(raw))
    facts = lambda r: [(c.packets, c.client_payload_bytes, c.server_payload_bytes, c.last_ts_ns, c.outcome)
                       for c in r.connections]
    assert facts(fast) == facts(full)
    assert fast.counters["tcp_packets"] == full.counters["tcp_packets"]


def test_a_finished_handshake_keeps_its_flow_through_a_pause(tmp_path) -> None:
    """After the handshakes, a pause longer than the idle timeout does not split the connections."""
    path = tmp_path / "pause.pcap"
    data = _interleaved(3, gap_ns=0)
    frames = []
    pos = 24
    while pos < len(data):
        caplen = struct.unpack_from("<I", data, pos + 8)[0]
        frames.append(bytearray(data[pos:pos + 16 + caplen]))
        pos += 16 + caplen
    for frame in frames[len(frames) * 2 // 3:]:          # an hour later: bulk data and teardown
        struct.pack_into("<I", frame, 0, struct.unpack_from("<I", frame, 0)[0] + 3600)
    path.write_bytes(data[:24] + b"".join(frames))
    report = pcaptls.inspect_file(str(path), InspectOptions(idle_timeout_s=60))
    assert report.counters["flows"] == 3 and report.counters["flows_evicted"] == 0
    assert len(report.connections) == 3 and all(c.outcome == "established" for c in report.connections)


def test_done_flows_stop_buffering(many) -> None:
    insp = pcaptls.iter_connections(str(many))
    seen = list(insp)
    assert len(seen) == 40 and all(c.gaps == 0 for c in seen)


def _as_pcapng(pcap: bytes) -> bytes:
    """The same Ethernet capture as pcapng (one IDB, µs resolution): the pcapng reader's fast path."""
    def block(btype: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)), block(1, struct.pack("<HHI", 1, 0, 0))]
    pos = 24
    while pos < len(pcap):
        sec, usec, caplen, orig = struct.unpack_from("<IIII", pcap, pos)
        ts = sec * 10**6 + usec
        out.append(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, caplen, orig)
                         + pcap[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return b"".join(out)


def test_pcapng_fast_path_counts_exactly_what_the_full_path_counts(tmp_path) -> None:
    ng, raw = tmp_path / "eth.pcapng", tmp_path / "raw.pcap"
    pcap = _interleaved(12)
    ng.write_bytes(_as_pcapng(pcap))
    raw.write_bytes(_as_raw_ip(pcap))
    fast, full = pcaptls.inspect_file(str(ng)), pcaptls.inspect_file(str(raw))
    facts = lambda r: [(c.packets, c.client_payload_bytes, c.server_payload_bytes, c.last_ts_ns, c.outcome)
                       for c in r.connections]
    assert len(fast.connections) == 12 and facts(fast) == facts(full)


def test_a_rotated_set_read_as_one_gives_the_single_file_result(tmp_path) -> None:
    """Cut one capture into two files (tcpdump -C style); reading the list gives what the whole file
    gives, connections cut by the boundary included, and the reader's fast path works across files."""
    pcap = _interleaved(12)
    cut, pos = len(pcap) // 2, 24
    while pos < cut:
        pos += 16 + struct.unpack_from("<I", pcap, pos + 8)[0]
    whole, first, second = tmp_path / "all.pcap", tmp_path / "rot.pcap", tmp_path / "rot.pcap1"
    whole.write_bytes(pcap)
    first.write_bytes(pcap[:pos])
    second.write_bytes(pcap[:24] + pcap[pos:])
    joined, single = pcaptls.inspect_file([str(first), str(second)]), pcaptls.inspect_file(str(whole))
    facts = lambda r: [(c.conn, c.packets, c.client_payload_bytes, c.server_payload_bytes, c.outcome)
                       for c in r.connections]
    assert facts(joined) == facts(single) and len(joined.connections) == 12
    insp = pcaptls.iter_connections([str(first), str(second)])
    list(insp)
    assert insp._reader.skipped > 0


def test_a_syn_after_a_rst_is_a_new_connection_even_with_the_same_isn() -> None:
    """docs/schema.md, Connection numbers: SYN, RST-ACK, the same SYN (same ISN) and a TLS connection are
    connections 0 and 1; then a SYN with a new ISN, sent twice, starts connection 2 (once)."""
    report = pcaptls.inspect_file(str(SYN_SAME_ISN))
    assert report.counters["flows"] == 3
    assert [(c.conn, c.client_hello.server_name) for c in report.connections] == [   # type: ignore[union-attr]
        (1, b"sameisn.example.com"), (2, b"newisn.example.com")]
    assert [c.packets for c in report.connections] == [14, 15]     # the second SYN of connection 2 is its own


@pytest.mark.tshark
@pytest.mark.skipif(not HAVE_TSHARK, reason="tshark not installed")
def test_tcp_stream_parts_from_conn_where_the_schema_says() -> None:
    """tshark's tcp.stream keeps the refused SYN and the retry with the same ISN in stream 0."""
    done = subprocess.run(["tshark", "-n", "-r", str(SYN_SAME_ISN), "-T", "fields", "-e", "tcp.stream",
                           "-e", "tls.handshake.extensions_server_name"], capture_output=True, text=True, timeout=60)
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert sorted({int(stream) for stream, _ in rows}) == [0, 1]
    assert [(int(stream), sni) for stream, sni in rows if sni] == [(0, "sameisn.example.com"),
                                                                   (1, "newisn.example.com")]
    assert [int(stream) for stream, _ in rows[:2]] == [0, 0]       # SYN, RST-ACK: pcaptls's connection 0
