"""A capture truncated by another program while pcaptls reads it (reliability case 5): before the fix a mapped
file killed the process with SIGBUS, no message. Now the frames before the point are delivered, then a
CaptureError names the truncation; mapped (capture/_guard.c) and read (pure Python) alike."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pcaptls
from bench import hostile
from pcaptls.capture import files
from pcaptls.capture.files import open_capture
from pcaptls.errors import CaptureError
from tests.conftest import ROOT

COUNT = 10_000      # ooo flows: 3 frames each, ~14 MB (more than the 4 MiB read before mapping)


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "big.pcap"
    hostile.write("ooo", str(path), COUNT)
    return path


@pytest.fixture(params=["mapped", "read"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "mapped":
        if files._guard is None:
            pytest.skip("the guard (capture/_guard.c) is not built")
    else:
        monkeypatch.setattr(files, "_guard", None)
    return request.param


def test_frames_before_the_truncation_then_an_error(big: Path, mode: str) -> None:
    cut = 1 << 20
    with open_capture(str(big)) as reader:
        assert (reader.watch.fault is not None) == (mode == "mapped")
        frames = iter(reader)
        before = [next(frames) for _ in range(3000)]        # ~1.4 MB read (a mapped file: touched)
        os.truncate(big, cut)
        with pytest.raises(CaptureError, match="the file shrank from .* to 1048576 bytes while it was read") as err:
            for frame in frames:
                before.append(frame)
    assert len(before) >= 3000
    assert all(len(f[2]) > 0 for f in before)             # no frame of zeros from a lost page was passed on
    assert err.value.offset >= cut


def test_inspect_reports_the_connections_before(big: Path, mode: str) -> None:
    insp = pcaptls.iter_connections(str(big), pcaptls.InspectOptions(jobs=1, max_flows=100))
    seen = []
    for conn in insp:
        if not seen:
            os.truncate(big, 1 << 20)                     # the first evictions: ~100 flows read so far
        seen.append(conn)
    assert insp.error is not None and "shrank" in insp.error.detail
    assert len(seen) >= 100 and all(c.client_hello is not None for c in seen)


def test_a_batch_goes_on_after_an_input_that_shrank(big: Path, mode: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from pcaptls.batch import worker
    real = worker._keyed_row
    cut = {"done": False}

    def truncating(conn):
        if not cut["done"] and conn.capture == str(big):
            os.truncate(big, 1 << 20)
            cut["done"] = True
        return real(conn)

    monkeypatch.setattr(worker, "_keyed_row", truncating)
    good = ROOT / "fixtures" / "captures" / "live" / "tls12.pcap"
    result = pcaptls.run_batch([str(big), str(good)], out=None, jobs=1,
                               settings=worker.Settings(options=pcaptls.InspectOptions(max_flows=100)))
    lines = {f["path"]: f for f in result.files}
    assert lines[str(big)]["status"] == "failed" and "shrank" in lines[str(big)]["error"]
    assert lines[str(big)]["connections"] >= 100
    assert lines[str(good)]["status"] == "ok"


SCRIPT = """
import mmap, os, sys
from pcaptls.capture import files
if sys.argv[2] == "unguarded":           # what the reader did before: map without the guard
    files._try_mmap = lambda f, head, watch: mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
with files.open_capture(sys.argv[1]) as reader:
    frames = iter(reader)
    for _ in range(3000):
        next(frames)
    os.truncate(sys.argv[1], 1 << 20)
    try:
        for _ in frames:
            pass
    except Exception as exc:
        print(type(exc).__name__)
"""


@pytest.mark.skipif(files._guard is None, reason="the guard (capture/_guard.c) is not built")
def test_without_the_guard_the_same_truncation_kills_the_process(big: Path) -> None:
    """The hazard the guard is for, shown in a child process: the same steps unguarded end in SIGBUS."""
    env = dict(os.environ, PYTHONFAULTHANDLER="")
    for how in ("unguarded", "guarded"):
        path = big.with_name(f"{how}.pcap")
        path.write_bytes(big.read_bytes())
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(path), how], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=60)
        if how == "unguarded":      # SIGBUS (-7); under AddressSanitizer (.ci/sanitize) its abort on it (-6)
            assert done.returncode in (-7, -6), (how, done.returncode, done.stderr)
        else:
            assert (done.returncode, done.stdout.strip()) == (0, "CaptureError"), done.stderr
