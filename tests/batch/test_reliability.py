"""Batch faults from ../shared/reliability-cases (issue 10): each test uses the case's reproducer (its files are
in fixtures/reliability/, or it is rebuilt here as its repro.sh builds it) and fails on the code before the fix.

Cases: damaged archives (11) and unsupported zip members (12) are the input's failure, a FIFO is skipped (6),
a file of zeros is accounted for (7), a symlink loop under ``**`` reads each file once (9), a full or read-only
output is an output error that a rerun resumes from (3, 4), a second batch on one folder is refused (10),
Ctrl-C ends with one line and exit 130 (8).
"""
from __future__ import annotations

import errno
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pcaptls import run_batch
from pcaptls.batch import outdir as outdir_mod
from pcaptls.batch.inputs import discover
from pcaptls.batch.outdir import OutDir
from pcaptls.errors import OutputError
from tests.conftest import CAPTURES, FIXTURES, ROOT

RELIABILITY = FIXTURES / "reliability"
GOOD = CAPTURES / "corpus" / "arkime" / "mysql-tls.pcap"      # what the reproducers give beside the bad input
PCAPTLS = [sys.executable, "-m", "pcaptls"]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*PCAPTLS, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kwargs)


# ---- 11, 12: damaged archives and unsupported members ------------------------------------------------------

ARCHIVE_CASES = {
    # file: (statuses by key suffix; "" is the archive itself)
    "corrupt.tar.xz": {"": "failed", "!m0.pcap": "failed"},
    "batchfuzz-traceback-1005.tar.xz": {"": "failed", "!m0.pcap": "failed"},
    "batchfuzz-traceback-10063.tar.xz": {"": "failed", "!m0.pcap": "failed"},
    "batchfuzz-traceback-10292.tar.gz": {"": "failed", "!m0.pcap": "failed"},
    "batchfuzz-traceback-10342.tar.gz": {"": "failed", "!m0.pcap": "failed"},
    "batchfuzz-traceback-11556.tar.gz": {"": "failed"},
    "batchfuzz-traceback-12364.tar.gz": {"": "failed"},
    "batchfuzz-traceback-12815.zip": {"": "failed"},
    "batchfuzz-traceback-9268.zip": {"": "failed"},
    "batchfuzz-traceback-1807.zip": {"!m1.pcap": "failed", "!": "failed"},
    "batchfuzz-internal-70.zip": {"!m0.pcap": "failed"},
    "batchfuzz-internal-6552.zip": {"!m0.pcap": "failed"},
    "batchfuzz-internal-14361.zip": {"!m0.pcap": "failed"},
    "batchfuzz-internal-10627.zip": {"!m0.pcap": "failed", "!m1.pcap": "failed", "!m2.pcap": "failed"},
    "batchfuzz-internal-10635.zip": {"!m0.pcap": "failed", "!m1.pcap": "ok", "!m2.pcap": "failed"},
}


@pytest.mark.parametrize("name", sorted(ARCHIVE_CASES))
def test_a_damaged_archive_is_its_own_failure_and_the_batch_goes_on(name: str, tmp_path: Path) -> None:
    """Every archive the fuzzer broke: no exception escapes, each member and the archive get their line, none is
    an "internal error", and the good capture given with it is read."""
    archive = tmp_path / name
    shutil.copy(RELIABILITY / name, archive)
    result = run_batch([str(archive), str(GOOD)], out=tmp_path / "out", jobs=1)
    lines = {line["path"]: line for line in _lines(tmp_path / "out" / "files.jsonl")}
    assert lines[str(GOOD)]["status"] == "ok" and lines[str(GOOD)]["connections"] == 1
    got = {key[len(str(archive)):]: line["status"] for key, line in lines.items() if key.startswith(str(archive))}
    assert got == ARCHIVE_CASES[name]
    assert not any("internal error" in (line["error"] or "") for line in lines.values())
    assert len(result.files) == len(lines)


@pytest.mark.parametrize(("name", "member", "why"), [
    ("batchfuzz-internal-70.zip", "m0.pcap", "unsupported: encrypted zip member"),
    ("batchfuzz-internal-6552.zip", "m0.pcap", "unsupported: encrypted zip member"),
    ("batchfuzz-internal-14361.zip", "m0.pcap", "unsupported: zip compression method 136"),
    ("batchfuzz-internal-10635.zip", "m2.pcap", "unsupported: zip compression method 128"),
])
def test_unsupported_zip_members_say_so(name: str, member: str, why: str) -> None:
    result = run_batch([str(RELIABILITY / name)], out=None, jobs=1)
    line = next(f for f in result.files if f["path"].endswith(f"!{member}"))
    assert line["status"] == "failed" and line["error"].startswith(why)


def test_the_members_before_the_damage_are_read(tmp_path: Path) -> None:
    """A tar.gz cut in its third member: the first two are read whole, the third and the archive fail."""
    import io
    import struct
    import tarfile
    noise = os.urandom(60000)                       # incompressible: the cut falls inside m2
    bulky = (struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
             + struct.pack("<IIII", 1, 0, len(noise), len(noise)) + noise)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for n, data in enumerate((GOOD.read_bytes(), GOOD.read_bytes(), bulky)):
            info = tarfile.TarInfo(f"m{n}.pcap")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    whole = buf.getvalue()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    result = run_batch([str(cut)], out=None, jobs=1)
    status = {f["path"].rsplit("!", 1)[-1] if "!" in f["path"] else "": (f["status"], f["connections"])
              for f in result.files}
    assert status["m0.pcap"] == ("ok", 1) and status["m1.pcap"] == ("ok", 1)
    assert status["m2.pcap"][0] == "failed" and status[""][0] == "failed"


# ---- 6, 7, 9: discovery -----------------------------------------------------------------------------------

def test_a_fifo_is_skipped_not_waited_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.pcap")
    os.mkfifo(folder / "b.pcap")                    # nobody ever writes to it
    done = _cli("batch", str(folder), "--out", str(tmp_path / "out"), "-j", "1", timeout=60)
    assert done.returncode == 0, done.stderr
    lines = {Path(line["path"]).name: line for line in _lines(tmp_path / "out" / "files.jsonl")}
    assert lines["a.pcap"]["status"] == "ok"
    assert lines["b.pcap"]["status"] == "skipped" and lines["b.pcap"]["error"] == "not a regular file (fifo)"


def test_a_fifo_given_by_name_is_skipped_too(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "live.pcap")
    result = run_batch([str(tmp_path / "live.pcap")], out=None, jobs=1)
    assert [(f["status"], f["error"]) for f in result.files] == [("skipped", "not a regular file (fifo)")]


def test_files_of_zeros_are_accounted_for(tmp_path: Path) -> None:
    """The repro.sh of batch-zero-filled-input-vanishes: zeros looked like an empty tar archive and vanished."""
    (tmp_path / "zeros.pcap").write_bytes(bytes(10240))
    (tmp_path / "zeros.pcap.gz").write_bytes(gzip.compress(bytes(10240)))
    (tmp_path / "text.pcap").write_bytes(b"not a capture")
    paths = [str(tmp_path / n) for n in ("zeros.pcap", "zeros.pcap.gz", "text.pcap")]
    result = run_batch(paths, out=tmp_path / "out", jobs=1)
    assert [(f["path"], f["status"]) for f in result.files] == [(p, "skipped") for p in paths]
    assert len(_lines(tmp_path / "out" / "files.jsonl")) == 3


def test_an_empty_tar_archive_is_listed(tmp_path: Path) -> None:
    import tarfile
    with tarfile.open(tmp_path / "dirs.tar", "w") as tf:
        info = tarfile.TarInfo("only-a-folder")
        info.type = tarfile.DIRTYPE
        tf.addfile(info)
    result = run_batch([str(tmp_path / "dirs.tar")], out=None, jobs=1)
    assert [(f["status"], f["error"]) for f in result.files] == [("skipped", "empty tar archive (no file members)")]


def test_a_symlink_loop_under_a_recursive_glob_reads_each_file_once(tmp_path: Path) -> None:
    """repro.sh of batch-glob-symlink-loop-duplicates, with a second loop (glob's walk was exponential in the
    number of loops) and a hard link (the same file under two names: read once)."""
    sub = tmp_path / "in" / "sub"
    sub.mkdir(parents=True)
    shutil.copy(GOOD, sub / "x.pcap")
    os.link(sub / "x.pcap", sub / "hard.pcap")
    (sub / "up").symlink_to("..")
    (sub / "again").symlink_to("../sub")
    inputs, problems = discover([str(tmp_path / "in" / "**" / "*.pcap")])
    assert [Path(i.path).name for i in inputs] == ["hard.pcap"] and not problems
    result = run_batch([str(tmp_path / "in" / "**" / "*.pcap"), str(tmp_path / "in")], out=None, jobs=1)
    assert len(result.files) == 1 and len(result.connections) == 1


def test_recursive_glob_matches_what_glob_matches(tmp_path: Path) -> None:
    """Without loops, the loop-safe walk lists exactly what glob.glob(recursive=True) lists (files only)."""
    import glob
    for rel in ("a.pcap", "d/b.pcap", "d/e/c.pcap", "d/.hidden/h.pcap", ".top.pcap", "d/e/c.txt", "f/g/h/i.pcap"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    for pattern in ("**/*.pcap", "d/**/*.pcap", "**", "d/**", "*/e/*.pcap", "**/e/*", "**/h/*.pcap", "d/**/e/*"):
        full = str(tmp_path / pattern)
        expected = sorted(p for p in glob.glob(full, recursive=True) if os.path.isfile(p))
        got = sorted(i.path for i in discover([full])[0])
        assert got == expected, pattern


# ---- 3, 4, 10: the output folder --------------------------------------------------------------------------

def _inputs(tmp_path: Path, n: int = 6) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    sources = sorted((CAPTURES / "live").glob("*.pcap"))
    for i in range(n):
        shutil.copy(sources[i % len(sources)], folder / f"c{i:02d}.pcap")
    return folder


def _contents(out: Path) -> tuple[str, list]:
    files = [{k: v for k, v in line.items() if k != "seconds"} for line in _lines(out / "files.jsonl")]
    return (out / "connections.jsonl").read_text(encoding="utf-8"), files


def test_a_write_that_fails_is_the_outputs_error_and_a_rerun_redoes_it(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Case 3 without a small disk: the 9th write to the output folder fails with ENOSPC. Before the fix the
    input was recorded as failed ("cannot read: No space left") and never read again."""
    folder = _inputs(tmp_path)
    run_batch([str(folder)], out=tmp_path / "ref", jobs=1)
    real = outdir_mod._Appender.write
    calls = {"n": 0}

    def full(self, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 9:
            real(self, data[: len(data) // 2])          # a partial write, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, data)

    monkeypatch.setattr(outdir_mod._Appender, "write", full)
    with pytest.raises(OutputError, match="No space left on device.*rerun the same command"):
        run_batch([str(folder)], out=tmp_path / "out", jobs=1)
    monkeypatch.setattr(outdir_mod._Appender, "write", real)
    done = _lines(tmp_path / "out" / "files.jsonl")
    assert 0 < len(done) < 6 and all(line["status"] == "ok" for line in done)   # nothing blamed on an input
    again = run_batch([str(folder)], out=tmp_path / "out", jobs=1)
    assert again.skipped_done == len(done)
    assert _contents(tmp_path / "out") == _contents(tmp_path / "ref")


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def tmpfs(tmp_path: Path):
    mount = tmp_path / "mnt"
    if os.geteuid() != 0 or not shutil.which("mount") or not _mount_tmpfs(mount, "256k"):
        pytest.skip("needs root and mount (tmpfs) to make a small or read-only disk")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_stops_the_run_cleanly_and_resume_loses_nothing(tmp_path: Path, tmpfs: Path) -> None:
    """Case 3 as its repro.sh does it: --out on a small tmpfs that fills mid-run, then more room and a rerun."""
    folder = _inputs(tmp_path, 40)
    run_batch([str(folder)], out=tmp_path / "ref", jobs=2)
    written = sum(p.stat().st_size for p in (tmp_path / "ref").iterdir())
    subprocess.run(["mount", "-o", f"remount,size={written // 2}", str(tmpfs)], check=True)   # fills halfway
    first = _cli("batch", str(folder), "--out", str(tmpfs / "out"), "-j", "2")
    assert first.returncode == 4, first.stderr
    assert "No space left on device" in first.stderr and "Traceback" not in first.stderr
    assert all(line["status"] == "ok" for line in _lines(tmpfs / "out" / "files.jsonl"))
    subprocess.run(["mount", "-o", "remount,size=64m", str(tmpfs)], check=True)
    second = _cli("batch", str(folder), "--out", str(tmpfs / "out"), "-j", "2")
    assert second.returncode == 0, second.stderr
    assert _contents(tmpfs / "out") == _contents(tmp_path / "ref")
    assert sorted(p.name for p in (tmpfs / "out").iterdir()) == sorted(p.name for p in (tmp_path / "ref").iterdir())


def test_a_read_only_output_is_a_one_line_error(tmp_path: Path, tmpfs: Path) -> None:
    """Case 4 (repro.sh): an existing folder and a new one on a read-only file system."""
    (tmpfs / "existing").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    for out in (tmpfs / "existing", tmpfs / "new" / "dir"):
        done = _cli("batch", str(GOOD), "--out", str(out), "-j", "1")
        assert done.returncode == 4, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ") and "Read-only" in done.stderr


def test_an_output_folder_that_cannot_be_made_is_exit_4(tmp_path: Path) -> None:
    """Without root: a folder under a file cannot be made (the same code path as read-only)."""
    (tmp_path / "file").write_text("x")
    done = _cli("batch", str(GOOD), "--out", str(tmp_path / "file" / "out"), "-j", "1")
    assert done.returncode == 4 and done.stderr.startswith("Error: cannot create the output folder")
    assert "Traceback" not in done.stderr


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    """Case 10: the second batch deleted the first's spool folder under it. Now it says the folder is in use,
    and the first finishes as if alone."""
    folder = _inputs(tmp_path)
    first = OutDir(tmp_path / "out")                 # a batch in progress: holds the folder
    (first.spool_dir / "worker-rows.jsonl").write_text("{}\n")
    done = _cli("batch", str(folder), "--out", str(tmp_path / "out"), "-j", "1")
    assert done.returncode == 4 and "in use by another pcaptls batch" in done.stderr, done.stderr
    assert (first.spool_dir / "worker-rows.jsonl").exists()
    first.close()
    done = _cli("batch", str(folder), "--out", str(tmp_path / "out"), "-j", "1")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out" / ".lock").exists()


# ---- 8: Ctrl-C --------------------------------------------------------------------------------------------

def test_ctrl_c_ends_with_one_line_and_exit_130_and_the_run_resumes(tmp_path: Path) -> None:
    folder = _inputs(tmp_path, 300)
    out = tmp_path / "out"
    proc = subprocess.Popen([*PCAPTLS, "batch", str(folder), "--out", str(out), "-j", "2"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not ((out / "files.jsonl").exists()
                                               and (out / "files.jsonl").read_text().count("\n") >= 3):
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)              # what Ctrl-C on a terminal does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["interrupted: rerun the same command to resume (finished inputs are kept)"]
    done = len(_lines(out / "files.jsonl"))
    assert 3 <= done < 300
    again = run_batch([str(folder)], out=out, jobs=2)
    assert again.skipped_done == done
    run_batch([str(folder)], out=tmp_path / "ref", jobs=1)
    assert _contents(out) == _contents(tmp_path / "ref")
