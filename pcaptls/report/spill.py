"""Sort more than fits in memory. Owns: ``SortedSpill``, which keeps (key, text) items in memory up to a byte
bound and beyond it writes sorted runs to temporary files, merged when read; and where those files go.
Imports: errors.

What is sorted here is the output of a capture (one row, JSON element, CSV line or ``show`` tree per
connection) and the batch's per-input reordering: a capture of millions of connections must not need their
rows in memory at once. Equal keys come out in the order they were added. A temporary file that cannot be
written is an ``OutputError`` (the disk is full, not the capture bad).
"""
from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterator
from operator import itemgetter
from typing import IO, Any

from pcaptls.errors import OutputError

DEFAULT_MAX_BYTES = 6 << 20         # held in memory before a run is written (texts plus ITEM_COST an item)
ITEM_COST = 400                     # what an item costs beyond its text: its key (a tuple of ints and bytes),
#                                     the item tuple, the list slot (measured for inspect's order keys)
_CHUNK_BYTES = 64 << 10             # texts pickled together in a run file (one pickle per item is slow); a
#                                     merge holds one chunk per run, so this times _MAX_RUNS bounds it
_MAX_RUNS = 64                      # runs merged at once; more are first merged into one (file descriptors)
_ORDER = itemgetter(0, 1)           # (key, sequence number): ties keep the order of adding


class SortedSpill:
    """``add(key, text)`` many times, then iterate once: the texts in key order."""

    def __init__(self, *, max_bytes: int | None = None, directory: str | None = None) -> None:
        self.max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        self.directory = directory
        self._items: list[tuple[Any, int, str]] = []
        self._bytes = 0
        self._seq = 0
        self._runs: list[IO[bytes]] = []
        self.runs_written = 0           # how many runs went to disk (0: it all fit in memory)

    def __len__(self) -> int:
        return self._seq

    def add(self, key: Any, text: str) -> None:
        self._items.append((key, self._seq, text))
        self._seq += 1
        self._bytes += len(text) + ITEM_COST
        if self._bytes > self.max_bytes:
            self._spill()

    def __iter__(self) -> Iterator[str]:
        if not self._runs:
            self._items.sort(key=_ORDER)
            items, self._items = self._items, []
            for _key, _seq, text in items:
                yield text
            return
        if self._items:
            self._spill()
        try:
            for _key, _seq, text in heapq.merge(*(read_run(run) for run in self._runs), key=_ORDER):
                yield text
        finally:
            self.close()

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []
        self._items = []

    def _spill(self) -> None:
        self._items.sort(key=_ORDER)
        self._runs.append(self._write(self._items))
        self._items, self._bytes = [], 0
        if len(self._runs) >= _MAX_RUNS:            # merge them into one run, so files stay few
            runs, self._runs = self._runs, []
            try:
                self._runs.append(self._write(heapq.merge(*(read_run(run) for run in runs), key=_ORDER)))
            finally:
                for run in runs:
                    run.close()

    def _write(self, items: Any) -> IO[bytes]:
        run = write_run(items, self.directory, lambda item: len(item[2]) + ITEM_COST)
        self.runs_written += 1
        return run


def write_run(items: Any, directory: str | None, cost: Any) -> IO[bytes]:
    """A temporary file (unlinked already) of ``items``, pickled in chunks of about _CHUNK_BYTES by
    ``cost(item)``; read back with ``read_run``. A write that fails is an ``OutputError``."""
    try:
        run = tempfile.TemporaryFile(dir=directory, prefix="pcaptls-sort-")
    except OSError as err:
        raise _unwritable(directory, err) from err
    try:
        chunk, size = [], 0
        for item in items:
            chunk.append(item)
            size += cost(item)
            if size >= _CHUNK_BYTES:
                pickle.dump(chunk, run, pickle.HIGHEST_PROTOCOL)
                chunk, size = [], 0
        if chunk:
            pickle.dump(chunk, run, pickle.HIGHEST_PROTOCOL)
        run.flush()
    except OSError as err:
        run.close()
        raise _unwritable(directory, err) from err
    return run


def _unwritable(directory: str | None, err: OSError) -> OutputError:
    return OutputError(f"cannot write a temporary file in {directory or tempfile.gettempdir()} "
                       f"(set TMPDIR to a folder with room): {err.strerror or err}")


def read_run(run: IO[bytes]) -> Iterator[Any]:
    """The items of a ``write_run`` file, in order, one chunk in memory at a time."""
    run.seek(0)
    while True:
        try:
            chunk = pickle.load(run)
        except EOFError:
            return
        yield from chunk
