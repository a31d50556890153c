"""Where text output goes. Owns: standard output or a file opened on the first write, and turning a failed
write (disk full, read-only, no permission) into OutputError, so that it is never taken for a bad input.
Imports: errors.

A closed pipe (``pcaptls inspect big.pcap | head``) is ``PipeClosed``: the reader has gone, the command
stops quietly.
"""
from __future__ import annotations

import errno
import sys
from typing import Any, TextIO

from pcaptls.errors import OutputError


class PipeClosed(Exception):
    """Standard output (or the output file, a FIFO) has no reader any more."""


class Sink:
    """A text stream for the renderers; ``write``/``flush`` raise OutputError or PipeClosed, never OSError."""

    def __init__(self, path: str = "-") -> None:
        self.path = path
        self.name = "standard output" if path == "-" else path
        self._file: TextIO | None = None

    def _open(self) -> TextIO:
        if self._file is None:
            if self.path == "-":
                self._file = sys.stdout
            else:
                try:
                    self._file = open(self.path, "w", encoding="utf-8")   # noqa: SIM115 - closed by close()
                except OSError as err:
                    raise OutputError(f"cannot write {self.name}: {err.strerror or err}") from err
        return self._file

    def _failed(self, err: OSError) -> Exception:
        if isinstance(err, BrokenPipeError) or err.errno == errno.EPIPE:
            return PipeClosed()
        return OutputError(f"cannot write {self.name}: {err.strerror or err}")

    def write(self, text: str) -> int:
        try:
            return self._open().write(text)
        except OSError as err:
            raise self._failed(err) from err

    def flush(self) -> None:
        try:
            self._open().flush()
        except OSError as err:
            raise self._failed(err) from err

    def isatty(self) -> bool:
        return self.path == "-" and sys.stdout.isatty()

    def close(self) -> None:
        """Flush and close a file (standard output is only flushed)."""
        if self._file is None:
            return
        try:
            self.flush()
        finally:
            if self._file is not sys.stdout:
                try:
                    self._file.close()
                except OSError as err:      # the last buffered bytes could not be written
                    raise self._failed(err) from err
            self._file = None

    def __enter__(self) -> Sink:
        self._open()            # a file that cannot be written is said before a capture is read
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self.close()
        elif self._file is not None and self._file is not sys.stdout:
            try:
                self._file.close()
            except OSError:
                pass
