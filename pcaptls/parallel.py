"""One capture on several processes. Owns: running other processes over the same capture, splitting the
flows between them by a hash of their endpoints, and merging both streams back into exactly the order
one process gives, holding a bounded number of bytes between them. Imports: pipeline, enrich.identity,
capture.files (widen_pipe).

Every process reads the whole capture, so every flow is numbered, counted and evicted identically in
all; each follows TLS only through the flows it owns and lets the capture reader count the others'
packets. Every connection is turned, in the process that followed it, into what the caller needs (a row,
a JSON line, or None to drop it): only that small result crosses to the parent, never a Connection (one
costs ~120 us to pickle and unpickle). All streams are ordered by (packet position, phase, connection
number); merging on that key reproduces the single-process order, so output does not depend on the
number of processes.
"""
from __future__ import annotations

import collections
import dataclasses
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from pcaptls.capture.files import widen_pipe
from pcaptls.enrich.identity import Enrichment
from pcaptls.pipeline import InspectOptions, Inspection, _first_errors

MIN_SIZE = 64 << 20                  # below this a second process costs more than it saves (100 MB: 0.54 -> 0.43 s)
MAX_AUTO_JOBS = 4                    # each process reads every frame: more rarely pays
_BATCH = 512                         # results per message from another process, at most ...
_BATCH_BYTES = 1 << 20               # ... and about this many bytes of them (a row can be 100 KB)
_AHEAD = 1 << 12                     # own results held back at most while waiting for a worker's ...
_AHEAD_BYTES = 4 << 20               # ... and about this many bytes of them
# Counters only the process following a flow adds to; the others come out the same in both processes.
_OWN_COUNTERS = ("tls_connections", "flows_evicted", "tcp_retransmitted_bytes", "tcp_gap_bytes",
                 "tcp_overlap_conflicts", "tls_without_handshake", "flow_errors", "flows_reported_early")


def _paths(source: Any) -> list[str] | None:
    items = source if isinstance(source, (list, tuple)) else [source]
    if not items or not all(isinstance(p, (str, os.PathLike)) for p in items):
        return None
    paths = [os.fspath(p) for p in items]
    return None if "-" in paths or not all(os.path.isfile(p) for p in paths) else paths


def jobs_for(source: Any, jobs: int | None) -> int:
    """How many processes read ``source``: only files on disk can be read more than once (not stdin or
    pipes); by default the cores, up to MAX_AUTO_JOBS, and only for large files."""
    paths = _paths(source)
    if paths is None or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if jobs is None:
        large = sum(os.path.getsize(p) for p in paths) >= MIN_SIZE
        return min(usable_cores(), MAX_AUTO_JOBS) if large else 1
    return max(jobs, 1)


def usable_cores() -> int:
    """The cores this process may run on: its affinity mask (a container's or taskset's cpuset), not the
    machine's count. Other work on them is not subtracted: with one of the two cores kept busy, two
    processes were still faster than one on the dense profile (100 MB: 6.8 s against 7.5 s; quiet: 4.1
    against 6.9 s), so a busy core does not make a second process a loss."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class MappedInspection:
    """``fn(connection)`` for every connection of one capture, in single-process order (None results
    dropped); ``counters``, ``flow_errors``, ``error``, ``names`` and ``report()`` as on Inspection once
    iterated."""

    def __init__(self, source: Any, fn: Callable[[Any], Any], options: InspectOptions | None = None, *,
                 name: str | None = None, enrichment: Enrichment | None = None) -> None:
        self.options = options or InspectOptions()
        self.fn = fn
        self.jobs = jobs_for(source, self.options.jobs)
        self.inspection = Inspection(source, self.options, name=name, enrichment=enrichment)

    def __getattr__(self, attr: str) -> Any:      # counters, flow_errors, error, names, name, report
        return getattr(self.inspection, attr)

    def __iter__(self) -> Iterator[Any]:
        fn = self.fn
        if self.jobs == 1:
            for _key, conn in self.inspection._run():
                result = fn(conn)
                if result is not None:
                    yield result
            return
        yield from _merged(self.inspection, fn, self.jobs)


def _child(insp: Inspection, fn: Callable[[Any], Any], part: tuple[int, int], send: Any) -> None:
    """Another process: follow the flows it owns, send results in batches, then what it counted."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # Ctrl-C is the parent's to handle (it stops us)
    try:
        mine = Inspection(insp._source, dataclasses.replace(insp.options, jobs=1), name=insp.name,
                          enrichment=insp._enrichment)
        batch, size = [], 0
        for key, conn in mine._run(part=part):
            result = fn(conn)
            batch.append((key, result))
            size += result_size(result)
            if len(batch) >= _BATCH or size >= _BATCH_BYTES:
                send.send(("results", batch))
                batch, size = [], 0
        send.send(("results", batch))
        send.send(("end", mine.counters, mine.flow_errors, mine.pending_peak))
    except BaseException:                       # a bug: tell the parent rather than vanish
        send.send(("crash", traceback.format_exc()))
    finally:
        send.close()


class _Worker:
    """One other process and the results it sent that are not merged yet."""

    def __init__(self, ctx: Any, insp: Inspection, fn: Callable[[Any], Any], part: tuple[int, int]) -> None:
        recv, send = ctx.Pipe(duplex=False)
        widen_pipe(send)                # the worker writes a batch or two ahead of the parent's reading
        self.recv = recv
        self.process = ctx.Process(target=_child, args=(insp, fn, part, send), daemon=True)
        self.process.start()
        send.close()
        self.tail: list[Any] = []
        self.pending: collections.deque = collections.deque()   # results received, not yet merged
        self.done = False

    def take(self, block: bool) -> bool:
        """Move the next message's results into ``pending`` (waiting for one if ``block``); False if none
        was there. The last message (counters, or a crash) goes to ``tail`` and ends the stream."""
        try:
            if not block and not self.recv.poll():
                return False
            message = self.recv.recv()
        except (EOFError, OSError):
            message = ("crash", "a worker process ended without a result")
        if message[0] == "results":
            self.pending.extend(message[1])
        else:
            self.tail.append(message)
            self.done = True
        return True

    def stop(self) -> None:
        if not self.tail:               # stopped early (an error, or the consumer went away)
            self.process.kill()
        self.process.join(timeout=60)
        if self.process.is_alive():
            self.process.kill()
        self.recv.close()


def _merge(own: Iterator[tuple[Any, Any]], fn: Callable[[Any], Any], workers: list[_Worker]) -> Iterator[Any]:
    """Results of this process (``own``: (key, connection)) and of the workers in key order. While a
    worker's next results have not come, this process goes on with its own flows and holds their results
    back (up to _AHEAD of them) instead of waiting: the workers send in batches."""
    mine: collections.deque = collections.deque()
    own_done = False
    held = 0                            # about the bytes of ``mine``
    while True:
        if not own_done and len(mine) < _AHEAD and held < _AHEAD_BYTES:
            item = next(own, None)
            if item is None:
                own_done = True
            else:
                result = fn(item[1])
                mine.append((item[0], result, result_size(result)))
                held += mine[-1][2]
        for worker in workers:          # a batch ahead is enough: the pipe holds the rest (and then the worker waits)
            while not worker.done and not worker.pending and worker.take(block=False):
                pass
        while True:                     # emit while every stream's next result is known (or it ended)
            if not mine and not own_done or any(not w.pending and not w.done for w in workers):
                break
            best, key = None, None
            if mine:
                best, key = mine, mine[0][0]
            for worker in workers:
                if worker.pending and (key is None or worker.pending[0][0] < key):
                    best, key = worker.pending, worker.pending[0][0]
            if best is None:
                return                  # every stream ended
            entry = best.popleft()
            if best is mine:
                held -= entry[2]
            result = entry[1]
            if result is not None:
                yield result
        if own_done or len(mine) >= _AHEAD or held >= _AHEAD_BYTES:   # nothing of our own to do: wait for a worker
            for worker in workers:
                if not worker.pending and not worker.done:
                    worker.take(block=True)
                    break


def result_size(result: Any) -> int:
    """About the bytes a result holds: the texts it carries (a JSON line, a row's text) count; anything else
    a little. Only for bounding what is held between processes."""
    if isinstance(result, (str, bytes)):
        return 64 + len(result)
    if isinstance(result, tuple):
        return 64 + sum(len(x) if isinstance(x, (str, bytes)) else 64 for x in result)
    return 256


def _merged(insp: Inspection, fn: Callable[[Any], Any], jobs: int) -> Iterator[Any]:
    ctx = multiprocessing.get_context("fork")
    workers = [_Worker(ctx, insp, fn, (k, jobs)) for k in range(1, jobs)]
    try:
        yield from _merge(insp._run(part=(0, jobs)), fn, workers)
    finally:
        for worker in workers:
            worker.stop()
    for worker in workers:
        kind, *rest = worker.tail[0] if worker.tail else ("crash", "no result from a worker process")
        if kind == "crash":
            raise RuntimeError(f"pcaptls: an inspection process failed:\n{rest[0]}")
        counters, flow_errors, pending_peak = rest
        for name in _OWN_COUNTERS:
            if counters.get(name):
                insp.counters[name] = insp.counters.get(name, 0) + counters[name]
        insp.counters["tcp_pending_peak_bytes"] = max(insp.counters.get("tcp_pending_peak_bytes", 0), pending_peak)
        insp.flow_errors = insp.flow_errors + flow_errors
    insp.flow_errors = _first_errors(insp.flow_errors)
