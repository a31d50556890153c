"""One batch input, start to end. Owns: hashing what was read, inspecting it, and turning every outcome
(ok, damaged, not a capture, internal error) into a files.jsonl line plus connection rows; opening goes
through batch.sources. Imports: pipeline, parallel, report.rows, report.spill, enrich.sources, errors,
batch.inputs, batch.sources.

An input's trouble is its line; a write that fails (the spool in the output folder) raises OutputError,
which stops the run instead of being blamed on the input.

Runs in worker processes (local or Dask), so everything it takes and returns pickles, and what a worker
loads (the name sources) is cached per process.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from pcaptls.batch import sources
from pcaptls.batch.inputs import Input
from pcaptls.enrich.identity import Enrichment
from pcaptls.enrich.sources import build_enrichment
from pcaptls.errors import CaptureError, InputError, OutputError, PcapTlsError
from pcaptls.parallel import MappedInspection
from pcaptls.pipeline import InspectOptions
from pcaptls.report.rows import connection_row
from pcaptls.report.spill import SortedSpill

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
NOT_A_CAPTURE = ("not a pcap or pcapng file", "empty file")


@dataclass(frozen=True, slots=True)
class Settings:
    options: InspectOptions = field(default_factory=InspectOptions)
    snapshots: tuple[str, ...] = ()
    ip_ranges: str | None = None
    spool_dir: str | None = None    # where rows go as JSON lines instead of being returned (see Spool)


@dataclass(frozen=True, slots=True)
class Spool:
    """An input's connection lines in a file (``spool_dir``), in the output order, ``input`` included: what
    a worker hands back instead of a list of rows, so no process holds a large input's rows at once."""
    path: str
    count: int


_ENRICHMENT: dict[tuple, Enrichment] = {}


def _enrichment(settings: Settings) -> Enrichment:
    key = (settings.snapshots, settings.ip_ranges)
    if key not in _ENRICHMENT:
        _ENRICHMENT[key] = build_enrichment(settings.snapshots, settings.ip_ranges)[0]
    return _ENRICHMENT[key]


class _Digest:
    """The sha256 of files on disk, computed by another thread while the capture is read (hashlib and file
    reads let go of the GIL: the hash costs 0.6 s per GB on its own). ``result()`` waits and raises what
    reading raised."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        self._hex: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(paths,), daemon=True)
        self._thread.start()

    def _run(self, paths: tuple[str, ...]) -> None:
        try:
            sha = hashlib.sha256()
            for path in paths:
                with os.fdopen(sources.open_regular(path), "rb") as f:
                    while chunk := f.read(1 << 20):
                        sha.update(chunk)
            self._hex = sha.hexdigest()
        except OSError as exc:
            self._error = InputError(f"cannot read: {sources.reason(exc)}")
        except BaseException as exc:   # noqa: BLE001  handed to result()
            self._error = exc

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._hex is not None
        return self._hex


def _keyed_row(conn: Any) -> tuple[tuple[str, int], dict[str, Any]]:
    """A connection's row and its place within its input: (ts, conn), the order ``OutDir`` writes too."""
    row = connection_row(conn)
    return (row["ts"], row["conn"]), row


def _keyed_line(conn: Any, key: str) -> tuple[tuple[str, int], str]:
    """``_keyed_row`` as the JSON line the output folder stores (``input`` included)."""
    order, row = _keyed_row(conn)
    row["input"] = key
    return order, json.dumps(row, ensure_ascii=False) + "\n"


def _spool(insp: Any, spool_dir: str) -> Spool:
    """An input's lines, sorted into the output order (report.spill: in memory up to a bound, beyond it in
    runs in the spool folder), then written to one file: no process holds a large input's rows at once. A
    write that fails is the output's ``OutputError``, never the input's failure."""
    name = os.path.join(spool_dir, uuid.uuid4().hex + ".jsonl")
    ordered = SortedSpill(directory=spool_dir)
    for key, text in insp:
        ordered.add(key, text)
    try:
        with open(name, "w", encoding="utf-8") as out:
            for text in ordered:
                out.write(text)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise OutputError(f"cannot write {name}: {sources.reason(err)}") from err
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Spool(name, len(ordered))


def process_members(items: list[Input], settings: Settings) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``process_input`` for members of one compressed tar archive, in one pass over it. Reaching a member
    of a compressed archive means decompressing everything before it: one pass per member would make a
    batch quadratic in the archive's length. Members past damage fail as they would alone. Never raises
    for a bad input."""
    wanted: dict[str, Input] = {}
    for item in items:
        wanted.setdefault(item.member or "", item)
    results: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    error: Exception | None = None
    try:
        for name, member in sources.tar_stream(items[0].path):
            item = wanted.pop(name, None)
            if item is not None:
                results[item.key] = process_input(item, settings, (member, []))
                if not wanted:
                    break
    except InputError as exc:
        cause = sources.reason(exc.__cause__) if exc.__cause__ is not None else exc.detail
        error = InputError(f"cannot read: the archive is damaged before this member ({cause})")
    for item in wanted.values():            # not reached: the archive broke before them, or they are not in it
        results[item.key] = process_input(item, settings, error or InputError(f"{item.member} is not a regular "
                                                                               "file of the archive"))
    return [results[item.key] for item in items]


def process_input(item: Input, settings: Settings, opened: tuple[Any, list[Any]] | Exception | None = None
                  ) -> tuple[dict[str, Any], list[dict[str, Any]] | Spool]:
    """The files.jsonl line and the connection rows of one input (a ``Spool`` of them with
    ``settings.spool_dir``). Never raises. ``opened``: the input's stream and what to close, or the error
    that opening it gave, when the caller opened it."""
    start = time.perf_counter()
    line: dict[str, Any] = {"path": item.key, "status": OK, "error": None, "connections": 0, "counts": {},
                            "seconds": 0.0, "size": item.size, "sha256": None, "mtime_ns": item.mtime_ns}
    if item.rotation:
        line["rotation"] = list(item.rotation)
    rows: list[dict[str, Any]] = []
    spool: Spool | None = None
    closers: list[Any] = []
    hashing = None
    digest: _Digest | None = None
    try:
        if isinstance(opened, Exception):
            raise opened
        if item.rotation:
            for path in item.rotation:
                os.close(sources.open_regular(path))   # unreadable, or no longer a file: said before reading
            source: Any = list(item.rotation)
            digest = _Digest(item.rotation)
        elif item.archive is None and opened is None:
            # a file on disk: the capture reader reads it (its fast path), another thread hashes it meanwhile
            os.close(sources.open_regular(item.path))
            source = item.path
            digest = _Digest((item.path,))
        else:
            stream, closers = opened if opened is not None else sources.open_member(item.path, item.archive,
                                                                                     item.member or "")
            hashing = sources.HashingReader(stream)
            source = io.BufferedReader(hashing, 1 << 20)
        # Several processes for this one input only when the runner asks (settings.options.jobs: a batch of
        # one input); otherwise the batch's own workers are the parallelism. Each connection becomes its row
        # (with its sort key) where it finished: a row is a fraction of a Connection with its hellos.
        options = settings.options if settings.options.jobs else dataclasses.replace(settings.options, jobs=1)
        if settings.spool_dir is not None:
            insp = MappedInspection(source, functools.partial(_keyed_line, key=item.key), options, name=item.key,
                                    enrichment=_enrichment(settings))
            spool = _spool(insp, settings.spool_dir)
            line["connections"] = spool.count
        else:
            insp = MappedInspection(source, _keyed_row, options, name=item.key, enrichment=_enrichment(settings))
            keyed = list(insp)
            keyed.sort(key=lambda kr: kr[0])
            rows = [row for _key, row in keyed]
            del keyed
            line["connections"] = len(rows)
        line["counts"] = dict(sorted(insp.counters.items()))
        if insp.error is not None:
            line["status"], line["error"] = FAILED, str(insp.error)
    except OutputError:
        raise                         # the output folder's problem: the run stops, this input is not done
    except CaptureError as exc:
        not_capture = any(exc.detail.startswith(p) for p in NOT_A_CAPTURE)
        line["status"], line["error"] = (SKIPPED if not_capture else FAILED), str(exc)
    except InputError as exc:
        line["status"], line["error"] = exc.status, exc.detail
    except PcapTlsError as exc:
        line["status"], line["error"] = FAILED, f"cannot read: {exc}"
    except Exception as exc:          # noqa: BLE001  a bug must not stop the batch; it is reported as one
        line["status"], line["error"] = FAILED, f"internal error (a pcaptls bug): {type(exc).__name__}: {exc}"
    try:
        if hashing is not None:
            hashing.drain()
            if hashing.error is not None:     # the source broke under the reader: no whole content, no hash
                line["status"], line["error"] = FAILED, hashing.error.detail
            else:
                line["sha256"] = hashing.sha.hexdigest()
        elif digest is not None:
            line["sha256"] = digest.result()
    except InputError as exc:
        line["status"], line["error"] = FAILED, line["error"] or exc.detail
    finally:
        for closer in closers:
            with contextlib.suppress(*sources.DAMAGE):
                closer.close()
    line["seconds"] = round(time.perf_counter() - start, 3)
    if spool is not None:
        return line, spool
    for row in rows:
        row["input"] = item.key
    return line, rows
