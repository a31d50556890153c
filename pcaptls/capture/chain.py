"""Read several captures as one. Owns: chaining the files of one rotation (tcpdump -C/-G/-W) in order,
so a connection cut by a rotation boundary is one stream. Imports: capture.files, errors.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from pcaptls.capture.files import CaptureReader, open_capture


class ChainedCapture:
    """Frames of ``sources`` one file after the other; the same interface as CaptureReader.

    Each file is opened when the previous one is done, so a file that cannot be read is reported when
    its turn comes (every frame before it is delivered first), with that file's name in the error.
    """

    def __init__(self, sources: Sequence[str | os.PathLike], name: str | None = None) -> None:
        if not sources:
            raise ValueError("no captures to chain")
        self.sources = [os.fspath(s) for s in sources]
        self.name = name or self.sources[0]
        self._first: CaptureReader | None = open_capture(self.sources[0])   # fails early, like one file
        self.format = self._first.format
        self.compression = self._first.compression
        self.counters: dict[str, int] = {}
        self.ignore: dict[bytes, list[int]] | None = None   # handed to each file's reader (the fast path)
        self._done_skipped = 0                      # frames the finished files counted into ``ignore``
        self._current: CaptureReader | None = None
        self.current_path = self.sources[0]         # the file the frames now come from

    @property
    def skipped(self) -> int:
        return self._done_skipped + (self._current.skipped if self._current is not None else 0)

    def __enter__(self) -> ChainedCapture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for reader in (self._first, self._current):
            if reader is not None:
                reader.close()
        self._first = self._current = None

    def __iter__(self) -> Iterator[tuple[int, int, bytes, int]]:
        for i, path in enumerate(self.sources):
            reader = self._first if i == 0 else open_capture(path)
            self._first, self._current = None, reader
            self.current_path = path
            reader.ignore = self.ignore
            try:
                yield from reader
            finally:
                for key, value in reader.counters.items():
                    self.counters[key] = self.counters.get(key, 0) + value
                self._done_skipped += reader.skipped
                reader.close()
                self._current = None


def open_chain(sources: Sequence[str | os.PathLike], name: str | None = None) -> ChainedCapture:
    """Open a rotation; raises CaptureError if its first file cannot be read."""
    return ChainedCapture(sources, name)
