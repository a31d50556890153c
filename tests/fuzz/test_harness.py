"""The fuzz harness itself: the sandbox tells each way a case can end apart, inputs are the same for the same
seed and case number, mutations stay in bounds, and the contract checks catch what they are for."""
from __future__ import annotations

import os
import signal
import time
import zipfile
import io
import random

import pytest

from tests.fuzz import archives, sandbox
from tests.fuzz.cases import CLI_VARIANTS, corpus, make_input
from tests.fuzz.mutate import MAX_SIZE, hot_offsets, mutate
from tests.fuzz.targets import _check_lines


def _raise():
    raise ValueError("boom")


def _sleep():
    time.sleep(30)
    return sandbox.OK, ""


def _allocate():
    block = b"\x01" * (200 << 20)           # written, so 200 MB resident
    return sandbox.OK, str(len(block))


def _segfault():
    os.kill(os.getpid(), signal.SIGSEGV)


CASES = {"ok": (lambda: (sandbox.OK, "fine"), sandbox.OK), "error": (lambda: (sandbox.EXPECTED, "bad"), sandbox.EXPECTED),
         "raise": (_raise, sandbox.TRACEBACK), "sleep": (_sleep, sandbox.HANG), "allocate": (_allocate, sandbox.MEMORY),
         "segfault": (_segfault, sandbox.CRASH), "exit": (lambda: os._exit(3), sandbox.CRASH)}


def test_sandbox_tells_outcomes_apart(tmp_path) -> None:
    jobs = [(name, fn, str(tmp_path / f"{name}.log")) for name, (fn, _) in CASES.items()]
    t0 = time.monotonic()
    bound_mb = sandbox.rss_kb() / 1024 + 100      # a child starts near this process's RSS (more under ASan)
    got = dict(sandbox.run_cases(jobs, jobs=3, budget_s=3.0, max_rss_mb=bound_mb, kill_rss_mb=bound_mb + 1024))
    assert time.monotonic() - t0 < 20
    assert {name: r.outcome for name, r in got.items()} == {name: want for name, (_, want) in CASES.items()}
    assert "ValueError: boom" in got["raise"].detail
    segv = got["segfault"].detail                 # SIGSEGV (SIGABRT under ASan, whose handler aborts)
    assert "Fatal Python error: Segmentation fault" in segv and "_segfault" in segv     # its Python stack
    grew = {name: r.peak_rss_kb - r.start_rss_kb for name, r in got.items() if r.start_rss_kb}
    assert grew["allocate"] > 190 << 10 > 50 << 10 > grew["ok"] >= 0


def test_sandbox_kills_a_child_growing_past_the_kill_bound(tmp_path) -> None:
    kill_mb = sandbox.rss_kb() / 1024 + 100
    got = dict(sandbox.run_cases([("grow", _grow, str(tmp_path / "log"))], budget_s=20, kill_rss_mb=kill_mb))
    assert got["grow"].outcome == sandbox.MEMORY and "while running" in got["grow"].detail


def _grow():
    hoard = []
    while True:
        hoard.append(b"\x01" * (1 << 20))
        time.sleep(0.002)


def test_inputs_are_deterministic_per_seed_and_index() -> None:
    assert [make_input(1, i) for i in range(40)] == [make_input(1, i) for i in range(40)]
    assert [make_input(1, i).data for i in range(10)] != [make_input(2, i).data for i in range(10)]
    kinds = {make_input(3, i).kind for i in range(200)}
    assert kinds == {"capture", "archive", "archive-members", "zip-flags"}
    assert {make_input(3, i).cli for i in range(len(CLI_VARIANTS))} == set(CLI_VARIANTS)


@pytest.mark.parametrize("seed", range(20))
def test_mutations_stay_in_bounds(seed: int) -> None:
    rng = random.Random(seed)
    seeds = corpus()
    for _ in range(20):
        a, b = rng.choice(seeds), rng.choice(seeds)
        data, ops = mutate(rng, a.data, (b.name, b.data), 6)
        assert len(data) <= MAX_SIZE and len(ops) <= 6
        assert all(0 <= o < max(1, len(data)) for o in hot_offsets(data))


def test_hot_offsets_find_pcap_records() -> None:
    seed = next(s for s in corpus() if s.name == "live/tls12.pcap")
    hot = hot_offsets(seed.data)
    assert 24 in hot and 24 + 16 in hot                    # the first record header and its frame
    assert any(seed.data[o:o + 2] == b"\x16\x03" for o in hot)


@pytest.mark.parametrize("what", ["encrypted", "strong", "method"])
def test_zip_member_damage_is_what_zipfile_refuses(what: str) -> None:
    data, _ = archives.build("zip", [("a.pcap", b"x" * 100), ("b.pcap", b"y" * 100)], random.Random(0))
    rng = random.Random(0)
    while True:                            # the rng picks member, place and kind: take the first of `what`
        damaged, desc = archives.damage_zip_member(data, rng)
        if what in desc and "@local" not in desc:
            break
    with zipfile.ZipFile(io.BytesIO(damaged)) as zf:
        with pytest.raises((RuntimeError, NotImplementedError)):
            for info in zf.infolist():
                zf.read(info)


def test_line_checks() -> None:
    assert _check_lines("/a", [])[0] == sandbox.CONTRACT
    assert _check_lines("/a", [{"path": "/b", "status": "ok"}])[0] == sandbox.CONTRACT
    assert _check_lines("/a", [{"path": "/a", "status": "ok", "error": None}])[0] == sandbox.OK
    assert _check_lines("/a", [{"path": "/a!m", "status": "failed", "error": "damaged"}])[0] == sandbox.EXPECTED
    bug = {"path": "/a!m", "status": "failed", "error": "internal error (a pcaptls bug): KeyError: 1"}
    assert _check_lines("/a", [bug])[0] == sandbox.INTERNAL
