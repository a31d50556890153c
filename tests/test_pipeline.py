"""pipeline.py: flow lifetime and bounds (eviction, idle timeout, closed flows), on generated captures."""
from __future__ import annotations

import itertools

import pytest

import pcaptls
from fixtures.build import STEP_NS, T0_NS, Tcp, pcap_file, tls12
from pcaptls.pipeline import InspectOptions


def _interleaved(n: int, gap_ns: int = 0) -> bytes:
    """``n`` TLS 1.2 connections open at the same time (packets round-robin), optionally a pause of
    ``gap_ns`` after the handshakes (in the middle of the bulk data)."""
    convs = [tls12(Tcp(("10.9.0.1", 20000 + i), ("10.9.0.2", 443), (1000 * i + 1, 7000 * i + 3)),
                   f"many{i}", f"c{i}.example.com") for i in range(n)]
    frames, ts = [], T0_NS
    for group in itertools.zip_longest(*convs):
        for pkt in group:
            if pkt is not None:
                frames.append((ts, bytes(pkt)))
                ts += STEP_NS
    if gap_ns:
        half = len(frames) * 2 // 3
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
    path.write_bytes(_interleaved(3, gap_ns=3600 * 10**9))      # an hour of silence after the handshakes
    report = pcaptls.inspect_file(str(path), InspectOptions(idle_timeout_s=60))
    assert report.counters["flows_evicted"] == 3        # finished at the timeout, not at the end
    assert len(report.connections) == 3                 # and reported once each
    assert all(c.outcome == "established" for c in report.connections)
    assert report.counters["flows"] == 6                # the data after the pause came as new, mid-stream flows


def test_done_flows_stop_buffering(many) -> None:
    insp = pcaptls.iter_connections(str(many))
    seen = list(insp)
    assert len(seen) == 40 and all(c.gaps == 0 for c in seen)
