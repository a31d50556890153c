"""The fuzz slice of the default test run: a fixed seed, the first SLICE_INPUTS inputs through each target,
in a fresh harness process (``python3 -m tests.fuzz.run``, so each case's peak RSS is measured against the
harness's own baseline, not this pytest process's), asserting no traceback, internal error, broken
contract, hang, memory failure or crash. One test per target, so a failure says which part broke; the
message lists every failing case with the command that reruns it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.fuzz.run import accelerator
from tests.fuzz.targets import TARGETS

SLICE_SEED = 1
SLICE_INPUTS = 300                  # per target: 1,200 cases in all, about 25 s on 2 cores


@pytest.mark.parametrize("target", list(TARGETS))
def test_fuzz_slice(target: str, tmp_path) -> None:
    out = tmp_path / "fuzz-out"
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.run", "--seed", str(SLICE_SEED), "--cases", str(SLICE_INPUTS),
         "--targets", target, "--out", str(out), "--jobs", str(min(2, os.cpu_count() or 1))],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cases"] == SLICE_INPUTS, summary
    assert summary["accelerator"] == accelerator()       # the pcaptls (and _skip build) this process imports
    failures = summary["failures"]
    lines = [f"case {f['case']} {f['input']}: {f['signature']}\n    recipe: {'; '.join(f['recipe'])}\n    rerun: "
             f"python3 -m tests.fuzz.run --seed {SLICE_SEED} --case {f['case']} --targets {target} --out /tmp/x"
             for f in failures]
    assert not failures, (f"{len(failures)} of {SLICE_INPUTS} fuzz cases fail on {target} "
                          f"({summary['by_outcome']}; inputs and what happened in {out}):\n" + "\n".join(lines))
