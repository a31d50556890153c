"""Tables written a row at a time. Owns: ``StreamedTable``, the text tables of pcaptls (tabulate's "simple"
and "github" layouts, byte for byte) with column widths measured as rows are added, so that rows can wait
in a ``SortedSpill`` on disk instead of in memory. Imports: nothing from pcaptls.

Why not tabulate itself: it needs every row in memory at once (a table of a million connections would take
GBs). tabulate stays what these tables must look like: tests/report/test_tables.py compares the two on
random tables. Cells are given already escaped (report.escape); a cell's width is tabulate's
(``wcwidth.wcswidth`` when wcwidth is installed, as tabulate does, else ``len``), surrounding whitespace
stripped as tabulate strips it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

try:                                # tabulate measures wide characters with wcwidth when it is there
    from wcwidth import wcswidth as _wide_width
except ImportError:                 # pragma: no cover - wcwidth comes with tabulate's usual installs
    _wide_width = None

SEPARATOR = "\x00"                  # between the cells of a row kept as one text (escaped cells hold no NUL)
_MIN_PADDING = 2                    # tabulate.MIN_PADDING: a column is at least its header and two more


def width(text: str) -> int:
    if text.isascii() or _wide_width is None:
        return len(text)
    w = _wide_width(text)
    return w if w >= 0 else len(text)


class StreamedTable:
    """Headers and column alignments ("left"/"right") first, ``measure`` each row, then ``write``."""

    def __init__(self, headers: Sequence[str], aligns: Sequence[str]) -> None:
        self.headers = list(headers)
        self.aligns = list(aligns)
        self.widths = [width(h) + _MIN_PADDING for h in headers]

    def measure(self, cells: Sequence[str]) -> Sequence[str]:
        """Take a row's cells (stripped, as tabulate shows them) into the column widths; returns them."""
        widths = self.widths
        for i, cell in enumerate(cells):
            w = width(cell)
            if w > widths[i]:
                widths[i] = w
        return cells

    def _pad(self, cells: Sequence[str]) -> list[str]:
        out = []
        for cell, w, align in zip(cells, self.widths, self.aligns):
            fill = " " * (w - width(cell))
            out.append(fill + cell if align == "right" else cell + fill)
        return out

    def write(self, rows: Iterable[Sequence[str]], out: TextIO, layout: str = "simple") -> None:
        """The header, then ``rows`` (already measured) in the given layout; no newline after the last line,
        as tabulate."""
        if layout == "github":
            out.write("| " + " | ".join(self._pad(self.headers)) + " |\n")
            out.write("|" + "|".join("-" * (w + 2) for w in self.widths) + "|")
            for row in rows:
                out.write("\n| " + " | ".join(self._pad(row)) + " |")
            return
        out.write("  ".join(self._pad(self.headers)).rstrip() + "\n")
        out.write("  ".join("-" * w for w in self.widths))
        for row in rows:
            out.write("\n" + "  ".join(self._pad(row)).rstrip())


def joined(cells: Sequence[str]) -> str:
    """A measured row as one text (to wait in a SortedSpill)."""
    return SEPARATOR.join(cells)


def split(text: str) -> list[str]:
    return text.split(SEPARATOR)
