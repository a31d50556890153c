"""pcaptls.parallel: one capture on two processes gives exactly what one process gives."""
from __future__ import annotations

import collections
import json
import random

import pytest
from click.testing import CliRunner

import pcaptls
from pcaptls.cli import cli
from pcaptls import parallel
from pcaptls.parallel import MappedInspection, jobs_for
from pcaptls.pipeline import InspectOptions, flow_owner
from pcaptls.report.rows import connection_row
from tests.conftest import CAPTURES
from tests.test_memory_bound import _capture
from tests.test_pipeline import _interleaved

CASES = ["crafted/tuple_reuse.pcap", "crafted/seed_cloudwatch_fips.pcap", "crafted/lost_segment.pcap",
         "crafted/tunnels.pcap", "crafted/truncated.pcap", "crafted/overlap.pcap", "dns/dns_names.pcap",
         "corpus/ndpi/KakaoTalk_chat.pcap", "corpus/zeek/hrr.pcap", "live/tls13_pcapng.pcapng",
         "crafted/compressed.pcap.zst"]


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("name", CASES)
def test_inspect_output_is_the_same_with_one_or_two_processes(name: str) -> None:
    path = str(CAPTURES / name)
    one, two = _cli("inspect", path, "--format", "jsonl", "--jobs", "1"), _cli("inspect", path, "--format", "jsonl", "--jobs", "2")
    assert (two.exit_code, two.stdout, two.stderr) == (one.exit_code, one.stdout, one.stderr)
    assert one.stdout                                      # each case has connections


def test_report_is_the_same_with_one_or_two_processes() -> None:
    path = str(CAPTURES / "crafted" / "seed_cloudwatch_fips.pcap")
    one = _cli("report", path, "--format", "json", "-q", "--jobs", "1")
    two = _cli("report", path, "--format", "json", "-q", "--jobs", "2")
    assert two.stdout == one.stdout and json.loads(two.stdout)["rows"][0]["verdict"] == "broken"


def _new_isn_without_close() -> bytes:
    """60 4-tuples, each a ClientHello that nobody answers or closes, then a SYN with another ISN and a whole
    handshake: only the process following a flow recorded its ISN, so the others did not see the new
    connection and numbered the rest differently (conn 1 came out twice with --jobs 2)."""
    import io

    from bench import hostile as h
    out = io.BytesIO()
    w, ts, hello = h.Writer(out), h.START_US, h.client_hello()
    for i in range(60):
        c = h.client_ip(i)
        w(ts, h.tcp(c, 40000, h.SERVER, 443, 1000, 0, h.SYN))
        w(ts + 1, h.tcp(c, 40000, h.SERVER, 443, 1001, 1, h.ACK | h.PSH, hello))
        ts += 10
    for i in range(60):
        c = h.client_ip(i)
        w(ts, h.tcp(c, 40000, h.SERVER, 443, 90000, 0, h.SYN))
        w(ts + 1, h.tcp(h.SERVER, 443, c, 40000, 7000, 90001, h.SYN | h.ACK))
        w(ts + 2, h.tcp(c, 40000, h.SERVER, 443, 90001, 7001, h.ACK | h.PSH, hello))
        w(ts + 3, h.tcp(h.SERVER, 443, c, 40000, 7001, 90001 + len(hello), h.ACK | h.PSH, h.SERVER_HELLO_12))
        ts += 10
    return out.getvalue()


@pytest.mark.parametrize("make", [lambda: _interleaved(40), lambda: _capture(flows=1500, hole_bytes=14 * 1460),
                                  _new_isn_without_close],
                         ids=["interleaved", "evictions", "new-isn"])
def test_counters_flow_errors_and_order_agree(tmp_path, make) -> None:
    path = tmp_path / "c.pcap"
    path.write_bytes(make())
    opts = InspectOptions(max_flows=300, max_pending_bytes=16 * 1024)
    runs = []
    for jobs in (1, 2, 3):
        insp = MappedInspection(str(path), connection_row, _with_jobs(opts, jobs))
        assert insp.jobs == jobs
        rows = list(insp)
        report = insp.report()
        runs.append((rows, report.counters, [str(e) for e in report.flow_errors]))
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][1]["flows"] > 0


def _with_jobs(opts: InspectOptions, jobs: int) -> InspectOptions:
    import dataclasses
    return dataclasses.replace(opts, jobs=jobs)


def test_flow_owner_is_the_same_in_both_directions() -> None:
    a, b = (bytes([10, 0, 0, 1]), 40000), (bytes([10, 0, 0, 2]), 443)
    for n in (2, 3):
        assert flow_owner((a[0], a[1], b[0], b[1]), n) == flow_owner((b[0], b[1], a[0], a[1]), n)


def test_only_files_are_split(tmp_path) -> None:
    small = str(CAPTURES / "live" / "tls12.pcap")
    assert jobs_for(small, None) == 1 and jobs_for(small, 2) == 2 and jobs_for(small, 3) == 3
    assert jobs_for("-", 2) == 1 and jobs_for(str(tmp_path / "missing.pcap"), 2) == 1


def test_a_failure_in_the_second_process_is_reported(tmp_path) -> None:
    path = tmp_path / "c.pcap"
    path.write_bytes(_interleaved(8))
    owned = {c.conn for c in pcaptls.inspect_file(str(path)).connections
             if flow_owner((c.client.ip.packed, c.client.port, c.server.ip.packed, c.server.port), 2) == 1}
    assert owned

    def fails_there(conn):
        if conn.conn in owned:
            raise ValueError("boom in the second process")
        return conn.conn

    with pytest.raises(RuntimeError, match="boom in the second process"):   # raised in a worker, reported here
        list(MappedInspection(str(path), fails_there, _with_jobs(InspectOptions(), 2)))


def test_stopping_early_does_not_wait_for_the_second_process(tmp_path) -> None:
    import time
    path = tmp_path / "c.pcap"
    path.write_bytes(_interleaved(60))
    insp = iter(MappedInspection(str(path), lambda c: c.conn, _with_jobs(InspectOptions(), 2)))
    start = time.monotonic()
    next(insp)
    insp.close()                                          # the consumer goes away (| head, Ctrl-C)
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "cloudtrail"])
def test_every_format_and_several_files_agree(fmt: str) -> None:
    paths = [str(CAPTURES / "crafted" / "seed_cloudwatch_fips.pcap"), str(CAPTURES / "crafted" / "truncated.pcap"),
             str(CAPTURES / "dns" / "dns_names.pcap")]
    one = _cli("inspect", *paths, "--format", fmt, "--jobs", "1", "--below", "TLSv1.3")
    two = _cli("inspect", *paths, "--format", fmt, "--jobs", "2", "--below", "TLSv1.3")
    assert (two.exit_code, two.stdout, two.stderr) == (one.exit_code, one.stdout, one.stderr)
    assert one.exit_code == 1 and one.stdout                 # the truncated file is reported, the rest shown


class _FakeWorker:
    """A worker whose results arrive in batches, some only when the merge waits for them."""

    def __init__(self, batches: list[list[tuple]], lag: int) -> None:
        self.batches, self.lag = list(batches), lag
        self.pending: collections.deque = collections.deque()
        self.tail: list = []
        self.done = False
        self.polls = 0

    def take(self, block: bool) -> bool:
        self.polls += 1
        if not block and self.polls % self.lag:
            return False                    # not there yet: the merge must go on with its own flows
        if self.batches:
            self.pending.extend(self.batches.pop(0))
        else:
            self.tail.append(("end",))
            self.done = True
        return True


@pytest.mark.parametrize("lag", [1, 3, 50, 10**9])
@pytest.mark.parametrize("seed", range(5))
def test_merge_gives_key_order_whatever_arrives_when(lag: int, seed: int) -> None:
    rng = random.Random(seed)
    keys = sorted(rng.sample(range(100000), 3000))
    owner = [rng.randrange(3) for _ in keys]
    own = [((k,), k) for k, o in zip(keys, owner) if o == 0]
    workers = []
    for w in (1, 2):
        items = [((k,), k if k % 7 else None) for k, o in zip(keys, owner) if o == w]   # made there
        cuts = sorted(rng.sample(range(len(items) + 1), 4))
        workers.append(_FakeWorker([items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)])], lag))
    merged = list(parallel._merge(iter(own), lambda k: k if k % 7 else None, workers))
    assert merged == [k for k in keys if k % 7]


def test_early_reports_under_memory_pressure_keep_every_connection_once(tmp_path) -> None:
    """With --max-state small each process reports its own connections early (which ones may differ from
    one process: documented); the merged stream still holds every connection exactly once, in the order
    of its keys."""
    path = tmp_path / "c.pcap"
    path.write_bytes(_capture(flows=1500, hole_bytes=14 * 1460))
    opts = InspectOptions(max_state_bytes=256 << 10, max_pending_bytes=1 << 20)
    seen = {}
    for jobs in (1, 2):
        insp = MappedInspection(str(path), connection_row, _with_jobs(opts, jobs))
        rows = list(insp)
        assert insp.counters["flows_reported_early"] > 100
        seen[jobs] = sorted(r["conn"] for r in rows)
    assert seen[1] == seen[2] == list(range(1500))


def test_usable_cores_are_the_affinity_mask(monkeypatch) -> None:
    from pcaptls import parallel
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 3, 5})
    assert parallel.usable_cores() == 3
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set())
    assert parallel.usable_cores() == 1


def test_the_default_jobs_of_a_large_file_follow_the_usable_cores(monkeypatch, tmp_path) -> None:
    from pcaptls import parallel
    big = tmp_path / "big.pcap"
    with open(big, "wb") as f:
        f.truncate(parallel.MIN_SIZE)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    assert parallel.jobs_for(str(big), None) == 1
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    assert parallel.jobs_for(str(big), None) == 2
    assert parallel.jobs_for(str(big), 2) == 2           # asked for: as asked
