"""report/tables.py draws tables exactly as tabulate does ("simple" and "github", explicit alignment, no
number parsing), a row at a time."""
from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate
from wcwidth import wcwidth

from pcaptls.report.tables import StreamedTable, joined, split

# printable text as cells arrive here (escaped: no control or format characters), wide characters included.
# Characters of no width (combining marks) are left out: tabulate pads a column of them one wider than its
# own width rule says (a lone U+A9BE gives a column of 4 under a header of 1), where ours keeps the rule.
CELL = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn", "Mn", "Mc", "Me"))
               .filter(lambda c: wcwidth(c) > 0), max_size=12)


def _ours(headers, aligns, rows, layout):
    table = StreamedTable(headers, aligns)
    measured = [table.measure([c.strip() for c in r]) for r in rows]
    out = io.StringIO()
    table.write(measured, out, layout)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=10),
             min_size=n, max_size=n),
    st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n),
    st.lists(st.lists(CELL, min_size=n, max_size=n), min_size=1, max_size=8))),   # pcaptls never draws an empty table
    st.sampled_from(["simple", "github"]))
def test_same_text_as_tabulate(table, layout) -> None:
    headers, aligns, rows = table
    expected = tabulate(rows, headers=headers, tablefmt=layout, colalign=aligns, disable_numparse=True)
    assert _ours(headers, aligns, rows, layout) == expected


def test_a_wide_character_counts_twice() -> None:
    rows = [["1", "ab"], ["22", "wide 字"]]
    expected = tabulate(rows, headers=["conn", "name"], tablefmt="simple", colalign=("right", "left"),
                        disable_numparse=True)
    assert _ours(["conn", "name"], ["right", "left"], rows, "simple") == expected
    assert "wide 字" in expected


def test_rows_travel_as_one_text() -> None:
    assert split(joined(["a", "", "b c"])) == ["a", "", "b c"]
