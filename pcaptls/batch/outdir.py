"""A batch's output folder. Owns: connections.jsonl and files.jsonl written so that a run stopped at any
point (Ctrl-C, SIGKILL, reboot) resumes without losing or repeating a connection, and the final
ordering and report files. Imports: report.verdict, report.render.

How: an input's connection lines are appended and fsynced before its files.jsonl line, and the
files.jsonl line is what marks the input done. On resume a torn last line (no newline, or not JSON) is
cut off, and connection lines of inputs that have no files.jsonl line are dropped. At the end both files
are rewritten in input order (write to a temporary file, fsync, rename), so the output is the same
whatever the number of workers or interruptions.
"""
from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pcaptls.report.render import write_report
from pcaptls.report.verdict import REPORT_FIELDS, Aggregator, summary

CONNECTIONS, FILES, REPORT_JSON, REPORT_TXT = "connections.jsonl", "files.jsonl", "report.json", "report.txt"


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


def _atomic_write(path: Path, chunks: Iterable[str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for chunk in chunks:
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


class OutDir:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.repaired = 0
        files, end = _read_lines(self.path / FILES)
        if (self.path / FILES).exists() and end != (self.path / FILES).stat().st_size:
            self.repaired += 1
            with open(self.path / FILES, "r+b") as f:
                f.truncate(end)
        self.done: dict[str, dict[str, Any]] = {line["path"]: line for line in files}
        conns, end = _read_lines(self.path / CONNECTIONS)
        keep = [c for c in conns if c.get("input") in self.done]
        conn_path = self.path / CONNECTIONS
        if conn_path.exists() and (len(keep) != len(conns) or end != conn_path.stat().st_size):
            self.repaired += 1
            _atomic_write(conn_path, map(_dumps, keep))
        self._conns = open(conn_path, "a", encoding="utf-8")
        self._files = open(self.path / FILES, "a", encoding="utf-8")

    def is_done(self, key: str, size: int, mtime_ns: int) -> bool:
        line = self.done.get(key)
        return line is not None and line.get("mtime_ns") == mtime_ns and line.get("size") == size

    def forget(self, keys: set[str]) -> None:
        """Inputs that changed since they were done: drop their lines before they are read again."""
        if not keys:
            return
        self._conns.close()
        self._files.close()
        for name, field in ((CONNECTIONS, "input"), (FILES, "path")):
            lines, _ = _read_lines(self.path / name)
            _atomic_write(self.path / name, (_dumps(x) for x in lines if x.get(field) not in keys))
        for key in keys:
            self.done.pop(key, None)
        self._conns = open(self.path / CONNECTIONS, "a", encoding="utf-8")
        self._files = open(self.path / FILES, "a", encoding="utf-8")

    def record(self, line: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """Connections first, then the line that marks the input done; each fsynced."""
        if rows:
            self._conns.write("".join(map(_dumps, rows)))
            self._conns.flush()
            os.fsync(self._conns.fileno())
        self._files.write(_dumps(line))
        self._files.flush()
        os.fsync(self._files.fileno())
        self.done[line["path"]] = line

    def finish(self, order: list[str]) -> list[dict[str, Any]]:
        """Rewrite both files in input order, keeping only this run's inputs (a folder reused for other
        paths, or with --join-rotated switched, holds this run and nothing else), write the report;
        returns the report rows."""
        self._conns.close()
        self._files.close()
        rank = {key: i for i, key in enumerate(order)}
        files, _ = _read_lines(self.path / FILES)
        latest = {line["path"]: line for line in files if line["path"] in rank}   # a re-run input: its newest
        ordered = sorted(latest.values(), key=lambda l: rank[l["path"]])
        _atomic_write(self.path / FILES, map(_dumps, ordered))
        self.done = latest
        conns, _ = _read_lines(self.path / CONNECTIONS)
        conns = [c for c in conns if c.get("input") in rank]
        conns.sort(key=lambda c: (rank[c["input"]], c["ts"], c["conn"]))
        _atomic_write(self.path / CONNECTIONS, map(_dumps, conns))
        aggregate = Aggregator()
        for row in conns:
            aggregate.add(row)
        rows = aggregate.rows()
        headline = summary(rows)
        for name, fmt in ((REPORT_JSON, "json"), (REPORT_TXT, "table")):
            buf = io.StringIO()
            write_report(rows, headline, fmt, buf, REPORT_FIELDS)
            _atomic_write(self.path / name, [buf.getvalue()])
        return rows
