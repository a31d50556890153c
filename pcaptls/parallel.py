"""One capture on two processes. Owns: running a second process over the same capture, splitting the
flows between the two by a hash of their endpoints, and merging both streams back into exactly the order
one process gives. Imports: pipeline, enrich.identity.

Both processes read the whole capture, so every flow is numbered, counted and evicted identically in
both; each follows TLS only through the flows it owns and lets the capture reader count the others'
packets. Every connection is turned, in the process that followed it, into what the caller needs (a row,
a JSON line, or None to drop it): only that small result crosses to the parent, never a Connection (one
costs ~120 us to pickle and unpickle). Both streams are ordered by (packet position, phase, connection
number); merging on that key reproduces the single-process order, so output does not depend on the
number of processes.
"""
from __future__ import annotations

import dataclasses
import heapq
import multiprocessing
import os
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from pcaptls.enrich.identity import Enrichment
from pcaptls.pipeline import InspectOptions, Inspection

MIN_SIZE = 192 << 20                 # below this a second process costs more than it saves (bench: 100 MB)
_BATCH = 512                         # results per message from the second process
# Counters only the process following a flow adds to; the others come out the same in both processes.
_OWN_COUNTERS = ("tls_connections", "flows_evicted", "tcp_retransmitted_bytes", "tcp_gap_bytes",
                 "tcp_overlap_conflicts", "tls_without_handshake")


def _paths(source: Any) -> list[str] | None:
    items = source if isinstance(source, (list, tuple)) else [source]
    if not items or not all(isinstance(p, (str, os.PathLike)) for p in items):
        return None
    paths = [os.fspath(p) for p in items]
    return None if "-" in paths or not all(os.path.isfile(p) for p in paths) else paths


def jobs_for(source: Any, jobs: int | None) -> int:
    """1 or 2: only files on disk can be read twice (not stdin or pipes); by default only large ones."""
    paths = _paths(source)
    if paths is None or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if jobs is None:
        return 2 if (os.cpu_count() or 1) >= 2 and sum(os.path.getsize(p) for p in paths) >= MIN_SIZE else 1
    return 2 if jobs >= 2 else 1


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
        yield from _merged(self.inspection, fn)


def _child(insp: Inspection, fn: Callable[[Any], Any], send: Any) -> None:
    """The second process: follow the flows it owns, send results in batches, then what it counted."""
    try:
        mine = Inspection(insp._source, dataclasses.replace(insp.options, jobs=1), name=insp.name,
                          enrichment=insp._enrichment)
        batch = []
        for key, conn in mine._run(part=(1, 2)):
            batch.append((key, fn(conn)))
            if len(batch) >= _BATCH:
                send.send(("results", batch))
                batch = []
        send.send(("results", batch))
        send.send(("end", mine.counters, mine.flow_errors, mine.pending_peak))
    except BaseException:                       # a bug: tell the parent rather than vanish
        send.send(("crash", traceback.format_exc()))
    finally:
        send.close()


def _receive(recv: Any, inbox: queue.Queue) -> None:
    try:
        while True:
            message = recv.recv()
            inbox.put(message)
            if message[0] != "results":
                return
    except (EOFError, OSError):
        inbox.put(("crash", "the second process ended without a result"))


def _merged(insp: Inspection, fn: Callable[[Any], Any]) -> Iterator[Any]:
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(insp, fn, send), daemon=True)
    child.start()
    send.close()
    inbox: queue.Queue = queue.Queue(maxsize=64)
    thread = threading.Thread(target=_receive, args=(recv, inbox), daemon=True)
    thread.start()
    tail: list[Any] = []

    def theirs() -> Iterator[tuple[Any, Any]]:
        while True:
            message = inbox.get()
            if message[0] != "results":
                tail.append(message)
                return
            yield from message[1]

    def mine() -> Iterator[tuple[Any, Any]]:
        for key, conn in insp._run(part=(0, 2)):
            yield key, fn(conn)

    try:
        for _key, result in heapq.merge(mine(), theirs(), key=lambda item: item[0]):
            if result is not None:
                yield result
    finally:
        if not tail:                    # stopped early (an error, or the consumer went away): stop the child
            child.kill()
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
        recv.close()
        thread.join(timeout=5)
    kind, *rest = tail[0] if tail else ("crash", "no result from the second process")
    if kind == "crash":
        raise RuntimeError(f"pcaptls: the second inspection process failed:\n{rest[0]}")
    counters, flow_errors, pending_peak = rest
    for name in _OWN_COUNTERS:
        if counters.get(name):
            insp.counters[name] = insp.counters.get(name, 0) + counters[name]
    insp.counters["tcp_pending_peak_bytes"] = max(insp.counters.get("tcp_pending_peak_bytes", 0), pending_peak)
    insp.flow_errors = sorted(insp.flow_errors + flow_errors, key=lambda e: e.conn)
    insp.counters["flow_errors"] = len(insp.flow_errors)
