"""Run fuzz cases in forked children. Owns: one child per case forked from the warmed-up harness process,
the time budget (a child over it is killed: ``hang``), the memory bound (the child's own peak RSS, VmHWM,
read by the child when its case is done; a child growing past ``kill_rss_mb`` is killed early: ``memory``),
and how a child that died is described (``crash``: a signal or an exit without a result, with the tail of
what it wrote). Imports: stdlib only.

Memory accounting: a forked child's VmHWM starts at what it shares with the parent (the interpreter and
every pcaptls module, imported and warmed up before the first fork); the bound is on the child's whole
peak, as ``ps`` would show a process that ran the case, not on its growth alone. ``start_rss_kb`` is the
child's VmHWM before its case ran, so the growth is reported too.
"""
from __future__ import annotations

import faulthandler
import json
import os
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

OK, EXPECTED = "ok", "expected-error"
TRACEBACK, INTERNAL, CONTRACT, HANG, MEMORY, CRASH = "traceback", "internal", "contract", "hang", "memory", "crash"
OUTCOMES = (OK, EXPECTED, TRACEBACK, INTERNAL, CONTRACT, HANG, MEMORY, CRASH)
FAILURES = frozenset(OUTCOMES[2:])
_POLL_S = 0.05                      # how often running children's RSS and deadlines are looked at
_LOG_TAIL = 4000                    # characters kept of the start and of the end of a dead child's output


@dataclass(frozen=True, slots=True)
class Result:
    outcome: str
    detail: str
    seconds: float
    peak_rss_kb: int                # the child's VmHWM at the end (0 if it was killed before it could say)
    start_rss_kb: int               # its VmHWM before the case ran


def _status_kb(field: str, pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(field.encode() + b":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def rss_kb(pid: int | str = "self") -> int:
    return _status_kb("VmRSS", pid)


def _child(fn: Callable[[], tuple[str, str]], wfd: int, log: str) -> None:
    """Runs in the forked child; never returns."""
    code = 70
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        faulthandler.enable(file=2)             # a fatal signal's Python stack goes to the log, not the parent's
        start = _status_kb("VmHWM")
        t0 = time.perf_counter()
        try:
            outcome, detail = fn()
        except BaseException:               # the contract: nothing but what ``fn`` returns is expected
            outcome, detail = TRACEBACK, traceback.format_exc()
        payload = json.dumps({"outcome": outcome, "detail": detail, "seconds": time.perf_counter() - t0,
                              "peak": _status_kb("VmHWM"), "start": start}).encode()
        view = memoryview(payload)
        while view:
            view = view[os.write(wfd, view):]
        code = 0
    finally:
        os._exit(code)


@dataclass(slots=True)
class _Running:
    key: Any
    pid: int
    rfd: int
    log: str
    started: float
    chunks: list[bytes]


def _tail(path: str) -> str:
    """The start and the end of what a dead child wrote: a sanitizer report begins with what went wrong,
    faulthandler's Python stack comes last."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    if len(text) <= 2 * _LOG_TAIL:
        return text
    return f"{text[:_LOG_TAIL]}\n[... {len(text) - 2 * _LOG_TAIL} characters ...]\n{text[-_LOG_TAIL:]}"


def _finish(run: _Running, status: int, max_rss_kb: int) -> Result:
    seconds = time.monotonic() - run.started
    try:
        got = json.loads(b"".join(run.chunks))
    except ValueError:
        got = None
    if os.WIFSIGNALED(status) or got is None:
        how = (f"killed by signal {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status)
               else f"exited with status {os.WEXITSTATUS(status)} without a result")
        return Result(CRASH, f"{how}\n--- what the child wrote ---\n{_tail(run.log)}", seconds, 0, 0)
    outcome, detail = got["outcome"], got["detail"]
    if got["peak"] > max_rss_kb and outcome not in FAILURES:
        outcome, detail = MEMORY, (f"peak RSS {got['peak'] / 1024:.1f} MB > {max_rss_kb / 1024:.0f} MB (started at "
                                   f"{got['start'] / 1024:.1f} MB); the case itself: {got['outcome']}: {detail}")
    return Result(outcome, detail, got["seconds"], got["peak"], got["start"])


def run_cases(cases: Iterable[tuple[Any, Callable[[], tuple[str, str]], str]], *, jobs: int = 1,
              budget_s: float = 10.0, max_rss_mb: float = 150.0, kill_rss_mb: float = 1024.0,
              ) -> Iterator[tuple[Any, Result]]:
    """Run ``(key, fn, log_path)`` cases, ``jobs`` at a time, each ``fn()`` in its own forked child; yield
    ``(key, Result)`` as they end (not in input order). ``fn`` returns (outcome, detail); an exception out
    of it is a traceback. Stop early by closing the generator: running children are killed."""
    max_kb, kill_kb = int(max_rss_mb * 1024), int(kill_rss_mb * 1024)
    pending = iter(cases)
    running: dict[int, _Running] = {}
    exhausted = False
    try:
        while running or not exhausted:
            while not exhausted and len(running) < jobs:
                item = next(pending, None)
                if item is None:
                    exhausted = True
                    break
                key, fn, log = item
                rfd, wfd = os.pipe()
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
                pid = os.fork()
                if pid == 0:
                    os.close(rfd)
                    _child(fn, wfd, log)
                os.close(wfd)
                running[rfd] = _Running(key, pid, rfd, log, time.monotonic(), [])
            if not running:
                break
            readable, _, _ = select.select(list(running), [], [], _POLL_S)
            for rfd in readable:
                run = running[rfd]
                data = os.read(rfd, 1 << 16)
                if data:
                    run.chunks.append(data)
                    continue
                os.close(rfd)
                del running[rfd]
                _, status = os.waitpid(run.pid, 0)
                yield run.key, _finish(run, status, max_kb)
            now = time.monotonic()
            for rfd, run in list(running.items()):
                over_time = now - run.started > budget_s
                rss = 0 if over_time else rss_kb(run.pid)
                if over_time or rss > kill_kb:
                    os.kill(run.pid, signal.SIGKILL)
                    os.waitpid(run.pid, 0)
                    os.close(rfd)
                    del running[rfd]
                    if over_time:
                        yield run.key, Result(HANG, f"still running after {budget_s:g} s: killed", now - run.started,
                                              0, 0)
                    else:
                        yield run.key, Result(MEMORY, f"RSS {rss / 1024:.0f} MB > {kill_kb / 1024:.0f} MB while "
                                                      f"running: killed", now - run.started, rss, 0)
    finally:
        for run in running.values():
            try:
                os.kill(run.pid, signal.SIGKILL)
                os.waitpid(run.pid, 0)
            except OSError:
                pass
            os.close(run.rfd)
