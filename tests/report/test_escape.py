"""report/escape.py: untrusted capture text on a terminal and in a spreadsheet."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.report.escape import csv_cell, terminal


@pytest.mark.parametrize(("raw", "shown"), [
    ("example.com", "example.com"),
    ("a\x1b[31mb", "a\\x1b[31mb"),                 # ANSI colour: ESC made visible
    ("bell\x07", "bell\\x07"),
    ("nul\x00", "nul\\x00"),
    ("c1\x9b31m", "c1\\x9b31m"),                   # 8-bit CSI
    ("del\x7f", "del\\x7f"),
    ("rtl\u202eexe.txt", "rtl\\u202eexe.txt"),      # bidi override used to disguise names
    ("tab\tnl\n", "tab\\x09nl\\x0a"),
    ("ünïcødé.example", "ünïcødé.example"),          # printable non-ASCII is kept
])
def test_terminal(raw: str, shown: str) -> None:
    assert terminal(raw) == shown


@pytest.mark.parametrize(("raw", "cell"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), ("", ""),
])
def test_csv_cell(raw: str, cell: str) -> None:
    assert csv_cell(raw) == cell


@given(st.text())
def test_terminal_output_has_no_control_characters(text: str) -> None:
    out = terminal(text)
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in out)


def test_invisible_ranges_are_the_unicode_categories() -> None:
    """The written-out ranges hold exactly the characters of categories Cc, Cf, Cs, Zl and Zp of the running
    Python's Unicode database (so a newer Python with new format characters makes this fail, not pass)."""
    import unicodedata

    from pcaptls.report.escape import INVISIBLE_CATEGORIES, INVISIBLE_RANGES
    listed = set()
    for a, b in INVISIBLE_RANGES:
        listed.update(range(a, b + 1))
    actual = {cp for cp in range(0x110000) if unicodedata.category(chr(cp)) in INVISIBLE_CATEGORIES}
    assert listed == actual


@pytest.mark.parametrize("char", ["\u200b", "\u200f", "\u061c", "\u200d", "\ufeff", "\u00ad", "\u2066",
                                  "\U000e0041", "\udcff"])
def test_invisible_format_characters_are_made_visible(char: str) -> None:
    """Zero-width and bidi format characters shift table columns or reorder text; a lone surrogate is what a
    file name with invalid UTF-8 becomes (and cannot even be encoded to a UTF-8 terminal)."""
    out = terminal(f"a{char}b")
    assert char not in out and out.startswith("a\\") and out.endswith("b")
    out.encode("utf-8")


def test_terminal_lines_keeps_newlines_only() -> None:
    from pcaptls.report.escape import terminal_lines
    assert terminal_lines("Error: a\x1b]52;c;SGk=\x07\n  b\u202e\r") == "Error: a\\x1b]52;c;SGk=\\x07\n  b\\u202e\\x0d"


@given(st.text())
def test_terminal_output_has_no_invisible_characters(text: str) -> None:
    import unicodedata
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in terminal(text))
