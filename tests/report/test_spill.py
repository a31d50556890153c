"""report/spill.py: sorting more than fits in memory, stable, with runs on disk."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.errors import OutputError
from pcaptls.report import spill
from pcaptls.report.spill import SortedSpill


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.text(max_size=30)), max_size=400), st.integers(1, 3000))
def test_the_order_of_a_stable_sort_whatever_the_bound(items, max_bytes) -> None:
    ordered = SortedSpill(max_bytes=max_bytes)
    for key, text in items:
        ordered.add(key, text)
    assert list(ordered) == [text for _key, text in sorted(items, key=lambda kv: kv[0])]


def test_beyond_the_bound_runs_go_to_disk_and_are_merged_in_order(tmp_path: Path, monkeypatch) -> None:
    """20,000 rows of 1 KB with 64 KB in memory: hundreds of runs, merged by 64 at a time into bigger ones."""
    monkeypatch.setattr(spill, "_MAX_RUNS", 8)
    rng = random.Random(5)
    keys = [(rng.randrange(1000), rng.random()) for _ in range(20000)]
    ordered = SortedSpill(max_bytes=64 << 10, directory=str(tmp_path))
    for n, key in enumerate(keys):
        ordered.add(key, f"{n:05d}" + "x" * 1000)
    assert ordered.runs_written > 300 and len(ordered._runs) < 8      # runs were merged as they accumulated
    got = [int(text[:5]) for text in ordered]
    assert got == sorted(range(len(keys)), key=lambda n: keys[n])
    assert list(tmp_path.iterdir()) == []                               # temporary files: already unlinked


def test_memory_is_the_bound_not_the_number_of_rows() -> None:
    import tracemalloc
    ordered = SortedSpill(max_bytes=1 << 20)
    tracemalloc.start()
    for n in range(30000):
        ordered.add((n % 97, n), "y" * 1000)                            # 30 MB of text
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 6 << 20, peak
    assert sum(1 for _ in ordered) == 30000


def test_a_temporary_folder_that_cannot_be_written_is_an_output_error(tmp_path: Path) -> None:
    ordered = SortedSpill(max_bytes=10, directory=str(tmp_path / "missing"))
    with pytest.raises(OutputError, match="cannot write a temporary file .*set TMPDIR"):
        for n in range(10):
            ordered.add(n, "row")
