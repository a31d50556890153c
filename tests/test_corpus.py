"""Every TLS-over-TCP capture of ../shared/corpus gives tshark's per-connection hellos.

The stored ``*.tshark.tsv`` came from tshark 4.0.17 with default preferences. Where the two disagree
the difference is listed in KNOWN with its cause (and in docs/tshark-differences.md); those are strict
xfails, so a difference that goes away is noticed too.
"""
from __future__ import annotations

import json

import pytest

import pcaptls
from tests.conftest import CORPUS
from tests.oracle import compare, hellos_from_report, hellos_from_tsv

pytestmark = pytest.mark.corpus

MANIFEST = CORPUS / "manifest.json"
ENTRIES = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else []

# file -> why pcaptls and the stored tshark output differ (see docs/tshark-differences.md)
KNOWN: dict[str, str] = {}


def _tcp_entries() -> list[dict]:
    out = []
    for e in ENTRIES:
        tsv = [t for t in e["tshark"] if t.endswith(".tshark.tsv")]
        if tsv:
            out.append(e)
    return out


@pytest.mark.skipif(not ENTRIES, reason="../shared/corpus not present")
@pytest.mark.parametrize("entry", _tcp_entries(), ids=lambda e: e["file"])
def test_corpus_capture_matches_tshark(entry: dict) -> None:
    if entry["file"] in KNOWN:
        pytest.xfail(KNOWN[entry["file"]])
    tsv = next(t for t in entry["tshark"] if t.endswith(".tshark.tsv"))
    theirs = hellos_from_tsv((CORPUS / tsv).read_text())
    report = pcaptls.inspect_file(str(CORPUS / entry["file"]))
    ours = hellos_from_report(report)
    diffs = compare(theirs, ours)
    assert not diffs, "\n".join(diffs[:40])
