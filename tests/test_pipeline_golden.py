"""End-to-end golden files: every fixture capture's full JSON report is pinned in fixtures/golden.

Rewrite after an intended change with ``python -m pytest tests/test_pipeline_golden.py --update-golden``
and review the diff: each changed line is a change in what users see.
"""
from __future__ import annotations

import json

import pytest

import pcaptls
from pcaptls.report.rows import connection_row
from tests.conftest import CAPTURES, FIXTURES, ROOT

GOLDEN = FIXTURES / "golden"
SUFFIXES = (".pcap", ".pcapng", ".gz", ".zst", ".xz", ".bz2")
# Reproducers of hostile inputs: tests/report/test_show.py pins what each is for; their whole reports
# (10,000 extensions, 9,999 errors) would be megabytes of one repeated line.
NO_GOLDEN = CAPTURES / "reliability"


def _captures() -> list:
    return sorted(p for p in CAPTURES.rglob("*")
                  if p.is_file() and p.name.endswith(SUFFIXES) and NO_GOLDEN not in p.parents)


def _document(path) -> str:
    name = str(path.relative_to(ROOT))
    report = pcaptls.inspect_file(str(path), name=name)
    doc = {
        "capture": name,
        "error": str(report.error) if report.error else None,
        "counters": report.counters,
        "flow_errors": [f"conn {e.conn} {e.direction} {e.kind} at {e.offset}: {e.detail}" for e in report.flow_errors],
        "connections": [connection_row(c) for c in report.connections],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize("path", _captures(), ids=lambda p: str(p.relative_to(CAPTURES)))
def test_golden(path, update_golden: bool) -> None:
    golden = GOLDEN / (str(path.relative_to(CAPTURES)) + ".json")
    got = _document(path)
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got)
    assert golden.exists(), f"no golden file for {path.name}: run pytest --update-golden"
    assert got == golden.read_text()


def test_output_is_deterministic() -> None:
    path = CAPTURES / "crafted" / "tuple_reuse.pcap"
    assert _document(path) == _document(path)
