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
