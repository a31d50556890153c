"""The exit codes the README and docs/cli.md promise, through the real entry point (``python -m pcaptls``):
4 when the output cannot be written (never blamed on the capture), 141 quietly when the reader of standard
output goes away, 130 with one line on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import hostile
from tests.conftest import CAPTURES, ROOT

GOOD = CAPTURES / "live" / "tls12.pcap"


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pcaptls", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, **kwargs)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_a_full_disk_is_exit_4_not_a_bad_capture(fmt: str) -> None:
    done = _run("inspect", str(GOOD), "--format", fmt, "-o", "/dev/full")
    assert done.returncode == 4, done.stderr
    assert "Error: cannot write /dev/full: No space left on device" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_output_file_that_cannot_be_made_is_exit_4_before_anything_is_read(tmp_path: Path) -> None:
    done = _run("report", str(GOOD), "-o", str(tmp_path / "no" / "such" / "folder" / "r.txt"))
    assert done.returncode == 4 and done.stderr.startswith("Error: cannot write ") and "packets" not in done.stderr


def test_a_closed_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    path = tmp_path / "many.pcap"
    hostile.write("ooo", str(path), 3000)
    proc = subprocess.Popen([sys.executable, "-m", "pcaptls", "inspect", str(path), "--format", "jsonl", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.readline()
    proc.stdout.close()                          # what `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == ""


def test_ctrl_c_during_inspect_is_one_line_and_130(tmp_path: Path) -> None:
    path = tmp_path / "many.pcap"
    hostile.write("ooo", str(path), 60_000)       # ~80 MB: read by two processes, several seconds
    proc = subprocess.Popen([sys.executable, "-m", "pcaptls", "inspect", str(path), "--format", "jsonl",
                             "-o", str(tmp_path / "out.jsonl")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    out = tmp_path / "out.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and out.stat().st_size > 0):
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip() == "interrupted"
