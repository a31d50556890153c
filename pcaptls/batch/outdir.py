"""A batch's output folder. Owns: connections.jsonl and files.jsonl written so that a run stopped at any
point (Ctrl-C, SIGKILL, reboot) resumes without losing or repeating a connection, and the final
ordering and report files. Imports: report.verdict, report.render, report.spill, errors, batch.worker.

How: an input's connection lines are appended and fsynced before its files.jsonl line, and the
files.jsonl line is what marks the input done. On resume a torn last line (no newline, or not JSON) is
cut off, and connection lines of inputs that have no files.jsonl line are dropped. At the end both files
are rewritten in input order (write to a temporary file, fsync, rename), so the output is the same
whatever the number of workers or interruptions.

A write that fails (disk full, read-only, no permission) raises ``OutputError`` after cutting back what the
unfinished record wrote: an input is never marked done, nor failed, because the output could not be
written. A run holds ``.lock`` (flock) for its duration; a second run on the same folder is refused.
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pcaptls.batch.worker import Spool
from pcaptls.errors import OutputError
from pcaptls.report.render import write_report
from pcaptls.report.spill import SortedSpill
from pcaptls.report.verdict import REPORT_FIELDS, Aggregator, Verdict

CONNECTIONS, FILES, REPORT_JSON, REPORT_TXT = "connections.jsonl", "files.jsonl", "report.json", "report.txt"
SPOOL, LOCK = ".spool", ".lock"


def _read_lines(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Parsed whole lines, and the byte length of the good prefix (a torn tail is not counted)."""
    if not path.exists():
        return [], 0
    data = path.read_bytes()
    good = data.rfind(b"\n") + 1
    lines, end = [], 0
    for raw in data[:good].splitlines(keepends=True):
        try:
            lines.append(json.loads(raw))
        except ValueError:
            break                     # a torn line in the middle can only come from outside meddling
        end += len(raw)
    return lines, end


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Any]:
    """A binary file that replaces ``path`` whole once the block ends (written, fsynced, renamed), or not at
    all: on any error the temporary file is removed and ``path`` is as it was."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _atomic_write(path: Path, chunks: Iterable[str]) -> None:
    with _replacing(path) as f:
        for chunk in chunks:
            f.write(chunk.encode("utf-8"))


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """An OSError while writing the output folder is an ``OutputError`` (never an input's failure)."""
    try:
        yield
    except OSError as err:
        raise OutputError(f"{what}: {err.strerror or err}") from err


class _Appender:
    """An output file appended to with unbuffered writes, whose size is known, so that what one record
    wrote can be cut off again (``cut``) when a later write of the same record fails."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, "ab", buffering=0)
        self.size = os.fstat(self.file.fileno()).st_size

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = self.file.write(view)
            self.size += n
            view = view[n:]

    def sync(self) -> None:
        os.fsync(self.file.fileno())

    def cut(self, size: int) -> None:
        with contextlib.suppress(OSError):          # truncating needs no free space
            os.ftruncate(self.file.fileno(), size)
            self.size = size

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()


class _Lock:
    """``path/.lock`` held (flock) for one run: two batches on one folder would delete each other's spool
    files and interleave their lines. The lock goes with the process (a kill releases it); a finished run
    removes the file while it still holds it, and a run that locked a file removed meanwhile tries again."""

    def __init__(self, path: Path) -> None:
        name = path / LOCK
        while True:
            with _writing(f"cannot write to the output folder {path}"):
                f = open(name, "a+")
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                holder = f.read().strip()
                f.close()
                raise OutputError(f"the output folder {path} is in use by another pcaptls batch"
                                  + (f" (pid {holder})" if holder.isdigit() else "")) from None
            except OSError as err:
                f.close()
                raise OutputError(f"cannot lock the output folder {path}: {err.strerror or err}") from err
            try:
                same = os.stat(name).st_ino == os.fstat(f.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            f.close()                       # locked a file the previous run removed: lock the new one
        with contextlib.suppress(OSError):
            f.truncate(0)
            f.write(str(os.getpid()))
            f.flush()
        self.file, self.name = f, name

    def release(self, remove: bool) -> None:
        if self.file.closed:
            return
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(self.name)
        self.file.close()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


_INPUT_KEY = b'"input": '


def _input_of(raw: bytes) -> str | None:
    """The ``input`` of a connection line ("" if it has none), or None if the line is not JSON (torn). Rows
    end with their ``input`` field (worker.process_input adds it last), and inside a JSON string a quote is
    escaped, so the last ``"input": `` is the key; anything else is parsed whole."""
    at = raw.rfind(_INPUT_KEY)
    if at > 0 and raw.endswith(b"}\n"):
        try:
            value = json.loads(raw[at + len(_INPUT_KEY):-2])
            if isinstance(value, str):
                return value
        except ValueError:
            pass
    try:
        row = json.loads(raw)
    except ValueError:
        return None
    key = row.get("input") if isinstance(row, dict) else None
    return key if isinstance(key, str) else ""


# Rows begin with their capture, conn and ts fields (report.rows.FIELDS): the sort key without parsing
# the whole line; anything else is parsed whole.
_ORDER_PREFIX = re.compile(rb'\{"capture": "(?:[^"\\]|\\.)*", "conn": (\d+), "ts": "([^"\\]*)"')


def _order_of(raw: bytes) -> tuple[str, int]:
    """(ts, conn) of a connection line: its place within its input."""
    match = _ORDER_PREFIX.match(raw)
    if match:
        return match.group(2).decode(), int(match.group(1))
    row = json.loads(raw)
    return row["ts"], row["conn"]


def _connection_lines(path: Path) -> Iterator[tuple[int, bytes, str]]:
    """(offset, raw line, input) of each whole connection line, read as a stream (the file can be far larger
    than memory); stops at a torn or unreadable line, as ``_read_lines`` does."""
    if not path.exists():
        return
    with open(path, "rb") as f:
        offset = 0
        for raw in f:
            key = _input_of(raw) if raw.endswith(b"\n") else None
            if key is None:
                return
            yield offset, raw, key
            offset += len(raw)


def _keep_connections(path: Path, keep: Callable[[str], bool]) -> None:
    """Rewrite connections.jsonl with only the lines whose input ``keep`` accepts (streamed)."""
    with _replacing(path) as out:
        for _offset, raw, key in _connection_lines(path):
            if keep(key):
                out.write(raw)


class OutDir:
    """The output folder of one run: locked for the run's duration, appended to as inputs finish."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        with _writing(f"cannot create the output folder {self.path}"):
            self.path.mkdir(parents=True, exist_ok=True)
        self._lock = _Lock(self.path)           # before anything is repaired or cleaned: another run may own it
        self.repaired = 0
        with _writing(f"cannot write to the output folder {self.path}"):
            files, end = _read_lines(self.path / FILES)
            if (self.path / FILES).exists() and end != (self.path / FILES).stat().st_size:
                self.repaired += 1
                with open(self.path / FILES, "r+b") as f:
                    f.truncate(end)
            self.done: dict[str, dict[str, Any]] = {line["path"]: line for line in files}
            conn_path = self.path / CONNECTIONS
            end, clean = 0, True
            for offset, raw, key in _connection_lines(conn_path):
                end = offset + len(raw)
                clean = clean and key in self.done
            if conn_path.exists() and (not clean or end != conn_path.stat().st_size):
                self.repaired += 1
                _keep_connections(conn_path, self.done.__contains__)
            self._open_appenders()
            self.spool_dir = self.path / SPOOL       # workers' rows on their way (what a kill left is stale)
            shutil.rmtree(self.spool_dir, ignore_errors=True)
            self.spool_dir.mkdir()

    def _open_appenders(self) -> None:
        self._conns = _Appender(self.path / CONNECTIONS)
        self._files = _Appender(self.path / FILES)

    def close(self) -> None:
        """Stop without finishing (an output error, Ctrl-C): what was recorded stays, resumable."""
        for appender in (getattr(self, "_conns", None), getattr(self, "_files", None)):
            if appender is not None:
                appender.close()
        self._lock.release(remove=False)

    def is_done(self, key: str, size: int, mtime_ns: int) -> bool:
        line = self.done.get(key)
        return line is not None and line.get("mtime_ns") == mtime_ns and line.get("size") == size

    def forget(self, keys: set[str]) -> None:
        """Inputs that changed since they were done: drop their lines before they are read again."""
        if not keys:
            return
        self._conns.close()
        self._files.close()
        with _writing(f"cannot write to the output folder {self.path}"):
            _keep_connections(self.path / CONNECTIONS, lambda key: key not in keys)
            lines, _ = _read_lines(self.path / FILES)
            _atomic_write(self.path / FILES, (_dumps(x) for x in lines if x.get("path") not in keys))
            for key in keys:
                self.done.pop(key, None)
            self._open_appenders()

    def record(self, line: dict[str, Any], rows: list[dict[str, Any]] | Spool) -> None:
        """Connections first (rows, or a worker's spool file, copied and removed), then the line that marks
        the input done; each fsynced. If a write fails (disk full, ...), both files are cut back to what
        they held before, so the input is not done and a rerun reads it again; ``OutputError``."""
        marks = (self._conns.size, self._files.size)
        try:
            if isinstance(rows, Spool):
                with open(rows.path, "rb") as spool:
                    while chunk := spool.read(1 << 20):
                        self._conns.write(chunk)
            elif rows:
                self._conns.write("".join(map(_dumps, rows)).encode("utf-8"))
            self._conns.sync()
            self._files.write(_dumps(line).encode("utf-8"))
            self._files.sync()
        except OSError as err:
            self._conns.cut(marks[0])
            self._files.cut(marks[1])
            raise OutputError(f"cannot write to the output folder {self.path}: {err.strerror or err}") from err
        if isinstance(rows, Spool):
            with contextlib.suppress(OSError):
                os.unlink(rows.path)
        self.done[line["path"]] = line

    def _order_connections(self, rank: dict[str, int], aggregate: Aggregator) -> None:
        """Rewrite connections.jsonl with this run's inputs in input order, each input's lines by (ts, conn),
        and feed them to ``aggregate`` in that order. Streamed: one pass finds where each input's lines are
        (they are written together), then for each input only the sort keys and offsets of its lines are
        held while they are copied in order, so memory does not grow with the batch or with an input."""
        path = self.path / CONNECTIONS
        where: dict[str, list[tuple[int, int]]] = {}
        for offset, raw, key in _connection_lines(path):
            if key in rank:
                spans = where.setdefault(key, [])
                if spans and spans[-1][1] == offset:
                    spans[-1] = (spans[-1][0], offset + len(raw))
                else:
                    spans.append((offset, offset + len(raw)))
        with open(path, "rb") as src, _replacing(path) as out:
            for key in sorted(where, key=rank.__getitem__):
                index = SortedSpill(directory=str(self.spool_dir))   # offsets in order; on disk beyond a bound
                for start, end in where[key]:
                    src.seek(start)
                    offset = start
                    while offset < end:
                        raw = src.readline()
                        index.add(_order_of(raw), f"{offset} {len(raw)}")   # stable: equal keys keep file order
                        offset += len(raw)
                for entry in index:
                    start, size = map(int, entry.split())
                    raw = os.pread(src.fileno(), size, start)
                    out.write(raw)              # the bytes as written: json.dumps of the parsed row gives the same
                    aggregate.add(json.loads(raw))

    def finish(self, order: list[str]) -> Verdict:
        """Rewrite both files in input order, keeping only this run's inputs (a folder reused for other
        paths, or with --join-rotated switched, holds this run and nothing else), write the report;
        returns the report rows. Each file is replaced whole or not at all (``OutputError``), so a failure
        here leaves a folder that the same command finishes."""
        self._conns.close()
        self._files.close()
        try:
            with _writing(f"cannot write to the output folder {self.path}"):
                return self._finish(order)
        finally:
            self._lock.release(remove=True)

    def _finish(self, order: list[str]) -> Verdict:
        rank = {key: i for i, key in enumerate(order)}
        files, _ = _read_lines(self.path / FILES)
        latest = {line["path"]: line for line in files if line["path"] in rank}   # a re-run input: its newest
        ordered = sorted(latest.values(), key=lambda l: rank[l["path"]])
        _atomic_write(self.path / FILES, map(_dumps, ordered))
        self.done = latest
        aggregate = Aggregator(directory=str(self.spool_dir))
        self._order_connections(rank, aggregate)
        verdict = aggregate.finish()
        for name, fmt in ((REPORT_JSON, "json"), (REPORT_TXT, "table")):
            with _replacing(self.path / name) as f:
                text = io.TextIOWrapper(f, encoding="utf-8", newline="\n", write_through=False)
                write_report(verdict, verdict.summary, fmt, text, REPORT_FIELDS)
                text.flush()
                text.detach()
        shutil.rmtree(self.spool_dir, ignore_errors=True)
        return verdict
