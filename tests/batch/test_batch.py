"""pcaptls batch (pcaptls/batch/) on a generated archive of 200+ inputs (fixtures/batch_archive.py): every
input accounted for, the connections inspect_file finds, the same output whatever the number of jobs,
resuming after a rerun, a change, a torn line or a SIGKILL, the CLI's exit codes and stderr, the Python
API and a real Dask cluster.

The corpus is built once per module; ``reference`` is one out-dir run over it (jobs=2) that most tests
compare with.
"""
from __future__ import annotations

import hashlib
import json
import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import pcaptls
from fixtures.batch_archive import make_archive, make_heavy
from pcaptls.batch import runner
from pcaptls.batch.inputs import discover
from pcaptls.cli import cli
from pcaptls.errors import CaptureError
from pcaptls.report.rows import connection_row
from tests.conftest import ROOT

_REAL_CONNECT = socket.socket.connect        # taken at import, before conftest's _no_network patches it
CONNS, FILES, REPORT_JSON, REPORT_TXT = "connections.jsonl", "files.jsonl", "report.json", "report.txt"
LINE_FIELDS = ["path", "status", "error", "connections", "counts", "seconds", "size", "sha256", "mtime_ns"]


# --- helpers -----------------------------------------------------------------------------------------------
class Corpus:
    def __init__(self, root: Path, truth: dict) -> None:
        self.root, self.truth = root, truth
        self.inputs: dict[str, dict] = truth["inputs"]
        # a damaged archive gets a files.jsonl line, but is no input to read: run_batch's skipped_done and
        # progress count only the others
        self.damaged_archives = [rel for rel, t in self.inputs.items() if t["kind"] == "damaged archive"]
        self.readable = len(self.inputs) - len(self.damaged_archives)

    def key(self, rel: str) -> str:
        """What batch names an input given the corpus folder: DEST/rel, ARCHIVE!MEMBER for a member."""
        return f"{self.root}/{rel}"

    def rel(self, key: str) -> str:
        assert key.startswith(f"{self.root}/"), key
        return key[len(str(self.root)) + 1:]

    def disk_path(self, rel: str) -> Path:
        return self.root / rel.split("!", 1)[0]

    def content(self, rel: str) -> bytes:
        """The bytes of an input: the file, or the archive member."""
        if "!" not in rel:
            return (self.root / rel).read_bytes()
        archive, member = rel.split("!", 1)
        if zipfile.is_zipfile(self.root / archive):
            with zipfile.ZipFile(self.root / archive) as zf:
                return zf.read(member)
        with tarfile.open(self.root / archive) as tf:        # by iterating: the archive may be cut after it
            return tf.extractfile(next(i for i in tf if i.name == member)).read()


def jsonl(path: Path) -> list[dict]:
    """Lines split at \\n only, as the batch reads them (str.splitlines would also split at U+2028, ...)."""
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]


def without_seconds(lines: list[dict]) -> list[dict]:
    return [{k: v for k, v in line.items() if k != "seconds"} for line in lines]


def outputs(out: Path) -> dict:
    """An out dir's content as the comparisons need it: files.jsonl without `seconds`, the rest as bytes."""
    assert sorted(p.name for p in out.iterdir()) == sorted([CONNS, FILES, REPORT_JSON, REPORT_TXT])
    return {CONNS: (out / CONNS).read_bytes(), FILES: without_seconds(jsonl(out / FILES)),
            REPORT_JSON: (out / REPORT_JSON).read_bytes(), REPORT_TXT: (out / REPORT_TXT).read_bytes()}


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def normal(obj):
    """JSON round trip: what a result holds compared with what the out dir holds."""
    return json.loads(json.dumps(obj, ensure_ascii=False))


def by_input(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["input"], []).append(row)
    return out


def assert_no_duplicates(rows: list[dict]) -> None:
    keys = [(r["input"], r["conn"]) for r in rows]
    assert len(keys) == len(set(keys)), "a connection was written twice"


def recorder(seen: list[str]):
    """A progress callback that records which inputs were read in this run."""
    return lambda line, *counts: seen.append(line["path"])


def loopback_only(sock: socket.socket, address) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if host not in ("127.0.0.1", "::1", "localhost"):
        raise RuntimeError(f"network access attempted in a test: {address!r}")
    return _REAL_CONNECT(sock, address)


def cli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pcaptls", "batch", *args]


def cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}


@pytest.fixture(autouse=True)
def _no_scheduler_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


# --- module fixtures ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("corpus")
    return Corpus(root, make_archive(root))


@pytest.fixture(scope="module")
def reference(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pcaptls.batch.BatchResult]:
    out = tmp_path_factory.mktemp("reference") / "out"
    return out, pcaptls.run_batch([str(corpus.root)], out, jobs=2)


@pytest.fixture(scope="module")
def ref_files(reference) -> dict[str, dict]:
    return {line["path"]: line for line in jsonl(reference[0] / FILES)}


@pytest.fixture(scope="module")
def ref_rows(reference) -> dict[str, list[dict]]:
    return by_input(jsonl(reference[0] / CONNS))


# --- the corpus itself ---------------------------------------------------------------------------------------
def test_corpus_has_every_kind_and_is_deterministic(corpus: Corpus, tmp_path: Path) -> None:
    kinds = corpus.truth["kinds"]
    assert len(corpus.inputs) >= 200
    assert kinds["pcap"] >= 100 and kinds["pcapng"] >= 20
    for kind in ("gzip", "bzip2", "xz", "zstd", "misleading name", "tar member", "tar.gz member", "zip member",
                 "corrupt", "truncated", "empty", "not a capture", "rotated"):
        assert kinds.get(kind), kind
    statuses = {t["status"] for t in corpus.inputs.values()}
    assert statuses == {"ok", "failed", "skipped"}
    again = tmp_path / "again"
    assert make_archive(again) == corpus.truth
    files = sorted(p.relative_to(corpus.root) for p in corpus.root.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (again / rel).read_bytes() == (corpus.root / rel).read_bytes(), rel


# --- files.jsonl ----------------------------------------------------------------------------------------------
def test_every_input_has_one_line_with_its_status(corpus: Corpus, reference, ref_files) -> None:
    assert len(jsonl(reference[0] / FILES)) == len(ref_files)        # one line per input
    assert set(ref_files) == {corpus.key(rel) for rel in corpus.inputs}
    for rel, truth in corpus.inputs.items():
        line = ref_files[corpus.key(rel)]
        assert list(line) == LINE_FIELDS, rel
        assert line["status"] == truth["status"], rel
        if truth["connections"] is not None:
            assert line["connections"] == truth["connections"], rel
        else:                       # cut short: what came before the damage
            assert line["connections"] >= truth["min_connections"], rel
        if truth["status"] == "ok":
            assert line["error"] is None, rel
        else:
            assert line["error"] and truth["error"] in line["error"], (rel, line["error"])
        if truth["status"] != "skipped":
            assert line["counts"].get("tls_connections", 0) == line["connections"], rel


def test_size_sha256_and_mtime_of_files_and_members(corpus: Corpus, ref_files) -> None:
    members = 0
    for rel, truth in corpus.inputs.items():
        line = ref_files[corpus.key(rel)]
        if "!" in rel:                 # ARCHIVE!MEMBER; the archive itself is no input unless it is damaged
            members += 1
            archive = ref_files.get(corpus.key(rel.split("!")[0]))
            assert archive is None or archive["error"].startswith("damaged tar archive: "), rel
        if not truth["whole"]:         # cannot be read to the end: no hash of part of it
            assert line["sha256"] is None, rel
            continue
        data = corpus.content(rel)
        assert line["size"] == len(data), rel
        assert line["sha256"] == hashlib.sha256(data).hexdigest(), rel
        assert line["mtime_ns"] == corpus.disk_path(rel).stat().st_mtime_ns, rel
    assert members == sum(1 for t in corpus.inputs.values() if t["kind"].endswith(" member"))


# --- connections.jsonl ---------------------------------------------------------------------------------------
def test_connections_are_the_expected_ones(corpus: Corpus, ref_rows) -> None:
    assert set(ref_rows) <= {corpus.key(rel) for rel in corpus.inputs}
    for rel, truth in corpus.inputs.items():
        rows = ref_rows.get(corpus.key(rel), [])
        if truth["connections"] is not None:
            assert len(rows) == truth["connections"], rel
        assert len(rows) >= truth.get("min_connections", 0), rel
        for row in rows:
            assert row["input"] == row["capture"] == corpus.key(rel)
        if truth["expected"] is not None:
            got = [{k: row[k] for k in want} for row, want in zip(rows, truth["expected"])]
            assert got == truth["expected"], rel


def test_connections_equal_inspect_file_per_input(corpus: Corpus, reference, ref_files, ref_rows,
                                                  tmp_path: Path) -> None:
    """For every input, the batch rows are inspect_file's connection rows plus `input`; counts and errors
    are inspect_file's too. Archive members are extracted and inspected as files."""
    checked = 0
    for rel, truth in corpus.inputs.items():
        if not truth["whole"]:         # nothing whole to inspect
            continue
        key = corpus.key(rel)
        line = ref_files[key]
        source = corpus.root / rel
        if "!" in rel:
            source = tmp_path / f"member{checked}"
            source.write_bytes(corpus.content(rel))
        try:
            report = pcaptls.inspect_file(str(source), name=key)
        except CaptureError as exc:
            assert line["status"] in ("failed", "skipped") and line["error"] == str(exc), rel
            assert key not in ref_rows
            continue
        rows = [dict(row) for row in ref_rows.get(key, [])]
        for row in rows:
            assert row.pop("input") == key
        assert rows == normal([connection_row(c) for c in report.connections]), rel
        assert line["counts"] == dict(sorted(report.counters.items())), rel
        assert line["error"] == (str(report.error) if report.error is not None else None), rel
        assert line["status"] == ("failed" if report.error is not None else "ok"), rel
        checked += 1
    assert checked >= 190


# --- rotations ------------------------------------------------------------------------------------------------
def test_without_join_rotated_the_cut_handshake_ends_with_the_file(corpus: Corpus, ref_rows) -> None:
    cut = corpus.truth["rotations"]["rotated/rot.pcap"]["cut"]
    port = cut["client_port"]
    first = [r for r in ref_rows[corpus.key("rotated/rot.pcap")] if r["client_port"] == port]
    second = [r for r in ref_rows[corpus.key("rotated/rot.pcap1")] if r["client_port"] == port]
    assert len(first) == len(second) == 1
    first, second = first[0], second[0]
    assert first["outcome"] == "incomplete" and first["closed_by"] is None            # ends with the file
    assert first["server_version"] is None and first["negotiated_version"] is None    # no ServerHello
    assert first["client_version"] is None                                            # ClientHello cut short
    assert second["client_version"] is None and second["negotiated_version"] == "TLSv1.2"
    whole = [r for rows in ref_rows.values() for r in rows if r["sni"] == cut["sni"]]
    assert whole == []             # the cut handshake is whole nowhere


def test_join_rotated_reads_each_set_as_one_stream(corpus: Corpus, tmp_path: Path) -> None:
    sets = corpus.truth["rotations"]
    out = tmp_path / "out"
    result = pcaptls.run_batch([str(corpus.root / "rotated"), str(corpus.root / "rotated-g")], out, jobs=2,
                               join_rotated=True)
    files = jsonl(out / FILES)
    assert [corpus.rel(f["path"]) for f in files] == list(sets)
    rows = by_input(jsonl(out / CONNS))
    for first, truth in sets.items():
        key = corpus.key(first)
        line = next(f for f in files if f["path"] == key)
        paths = [corpus.key(rel) for rel in truth["files"]]
        data = b"".join(corpus.content(rel) for rel in truth["files"])
        assert line["rotation"] == paths
        assert (line["status"], line["connections"], line["error"]) == ("ok", truth["connections"], None)
        assert (line["size"], line["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert line["mtime_ns"] == max(corpus.disk_path(rel).stat().st_mtime_ns for rel in truth["files"])
        got = [{k: row[k] for k in want} for row, want in zip(rows[key], truth["expected"])]
        assert got == truth["expected"] and len(rows[key]) == truth["connections"]
        # capture_file: the file of the set where each connection's first packet is (the first file whose
        # own truth lists the connection: the cut handshake starts in the first file, ends in the second)
        first_file = {}
        for rel in reversed(truth["files"]):
            for conn in corpus.inputs[rel]["expected"] or ():
                first_file[(conn["client_ip"], conn["client_port"])] = corpus.key(rel)
        assert [r["capture_file"] for r in rows[key]] == [first_file[(r["client_ip"], r["client_port"])]
                                                          for r in rows[key]]
        assert len({r["capture_file"] for r in rows[key]}) == len(truth["files"])
        report = pcaptls.inspect_file(paths, name=key)       # inspect_file reads a rotation the same way
        assert [{k: v for k, v in r.items() if k != "input"} for r in rows[key]] == normal(
            [connection_row(c) for c in report.connections])
        if truth["cut"] is not None:
            found = [r for r in rows[key] if r["client_port"] == truth["cut"]["client_port"]
                     and r["client_ip"] == truth["cut"]["client_ip"]]
            assert len(found) == 1, "the cut handshake is found once"
            assert found[0]["server_version"] == "0x0303" and found[0]["sni"] == truth["cut"]["sni"]
            assert found[0]["closed_by"] == "fin" and found[0]["outcome"] == "established"
    assert normal(result.files) == files and result.skipped_done == 0


def test_join_rotated_groups_only_the_rotations(corpus: Corpus) -> None:
    inputs, problems = discover([str(corpus.root)], join_rotated=True)
    assert sorted(corpus.rel(path) for path, _, _ in problems) == sorted(corpus.damaged_archives)
    joined = {corpus.rel(i.key): [corpus.rel(p) for p in i.rotation] for i in inputs if i.rotation}
    assert joined == {k: v["files"] for k, v in corpus.truth["rotations"].items()}
    in_sets = sum(len(v["files"]) for v in corpus.truth["rotations"].values())
    assert len(inputs) == corpus.readable - in_sets + len(joined)


# --- jobs -------------------------------------------------------------------------------------------------------
def test_output_is_the_same_whatever_jobs(corpus: Corpus, reference, tmp_path: Path) -> None:
    out = tmp_path / "jobs1"
    result = pcaptls.run_batch([str(corpus.root)], out, jobs=1)
    assert outputs(out) == outputs(reference[0])          # connections.jsonl and reports byte for byte
    assert without_seconds(result.files) == without_seconds(reference[1].files)
    assert result.report == reference[1].report


# --- resuming -----------------------------------------------------------------------------------------------------
def test_rerun_reads_nothing_again(corpus: Corpus, reference, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(reference[0], out)
    before = snapshot(out)
    seen: list[str] = []
    result = pcaptls.run_batch([str(corpus.root)], out, jobs=2, progress=recorder(seen))
    assert seen == []
    assert result.skipped_done == corpus.readable
    assert snapshot(out) == before
    assert normal(result.files) == jsonl(out / FILES)
    assert normal(result.report) == json.loads((out / REPORT_JSON).read_text())["rows"]


def test_changed_inputs_are_redone_and_only_they(corpus: Corpus, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(corpus.root, root)
    c2 = Corpus(root, corpus.truth)
    out = tmp_path / "out"
    pcaptls.run_batch([str(root)], out, jobs=2)
    before = jsonl(out / FILES)
    # the zip is touched (mtime only): its members are read again, with the same result
    archive = root / "archives/bundle.zip"
    st = archive.stat()
    os.utime(archive, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    # so is one capture: read again, same result
    touched = root / "compressed/a.pcap.gz"
    st = touched.stat()
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    # one capture gets other content (2 connections instead of 1: another size)
    changed = "plain/north/mon/cap-aa.pcap"
    assert corpus.inputs[changed]["connections"] == 1
    shutil.copyfile(root / "plain/north/mon/cap-ab.pcap", root / changed)
    seen: list[str] = []
    result = pcaptls.run_batch([str(root)], out, jobs=2, progress=recorder(seen))
    redo = {c2.key(rel) for rel in corpus.inputs if rel.startswith("archives/bundle.zip!")}
    redo |= {c2.key(changed), str(touched)}
    assert sorted(seen) == sorted(redo)
    assert result.skipped_done == corpus.readable - len(redo)
    after = jsonl(out / FILES)
    assert [f for f in after if f["path"] not in redo] == [f for f in before if f["path"] not in redo]
    assert {f["path"]: f["connections"] for f in after}[c2.key(changed)] == 2
    rows = jsonl(out / CONNS)
    assert_no_duplicates(rows)
    fresh = tmp_path / "fresh"
    pcaptls.run_batch([str(root)], fresh, jobs=2)
    assert outputs(out) == outputs(fresh)


def test_torn_lines_are_cut_off_and_nothing_is_redone(corpus: Corpus, reference, tmp_path: Path) -> None:
    """Half a JSON line at the end of both files (a kill mid-write after everything was done)."""
    out = tmp_path / "out"
    shutil.copytree(reference[0], out)
    for name in (CONNS, FILES):
        lines = (out / name).read_bytes().splitlines(keepends=True)
        with open(out / name, "ab") as f:
            f.write(lines[len(lines) // 2][:len(lines[len(lines) // 2]) // 2])
    seen: list[str] = []
    pcaptls.run_batch([str(corpus.root)], out, jobs=2, progress=recorder(seen))
    assert seen == []
    assert snapshot(out) == snapshot(reference[0])


def test_torn_lines_after_a_kill_mid_run_are_repaired(corpus: Corpus, reference, tmp_path: Path) -> None:
    """files.jsonl lost its last lines and ends in a torn one; connections.jsonl holds the connections of
    inputs that have no files.jsonl line any more, and ends in a torn line."""
    out = tmp_path / "out"
    shutil.copytree(reference[0], out)
    files = (out / FILES).read_bytes().splitlines(keepends=True)
    keep = len(files) // 2
    (out / FILES).write_bytes(b"".join(files[:keep]) + files[keep][:len(files[keep]) // 2])
    conns = (out / CONNS).read_bytes().splitlines(keepends=True)
    with open(out / CONNS, "ab") as f:
        f.write(conns[3][:57])
    seen: list[str] = []
    result = pcaptls.run_batch([str(corpus.root)], out, jobs=2, progress=recorder(seen))
    lost = [json.loads(line)["path"] for line in files[keep:]]
    assert {corpus.key(rel) for rel in corpus.damaged_archives} <= set(lost)     # written again, not read
    assert sorted(seen) == sorted(k for k in lost if corpus.rel(k) not in corpus.damaged_archives)
    assert result.skipped_done == keep
    assert outputs(out) == outputs(reference[0])
    assert_no_duplicates(jsonl(out / CONNS))


# --- kill and resume -----------------------------------------------------------------------------------------------
def _complete_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _kill_mid_run(cmd: list[str], files_jsonl: Path) -> bool:
    """Start the batch in its own process group and SIGKILL the group (the batch and its workers) as soon as
    files.jsonl has a line. False if the batch finished first."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=cli_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _complete_lines(files_jsonl) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    return proc.returncode == -signal.SIGKILL


def test_sigkill_mid_run_then_resume_gives_the_uninterrupted_result(tmp_path: Path) -> None:
    """16 copies of a 300-conversation capture and one cut short (about 0.1 s each to read): killed once the
    first inputs are done. Should pcaptls get so fast that the batch ends before the kill, the captures are
    made 3 and 9 times larger."""
    for scale in (1, 3, 9):
        root = tmp_path / f"heavy{scale}"
        truth = make_heavy(root, files=16, conversations=300 * scale)
        out = tmp_path / f"out{scale}"
        cmd = cli_cmd(str(root), "--out", str(out), "--jobs", "2")
        if _kill_mid_run(cmd, out / FILES):
            break
    else:
        pytest.fail("the batch always finished before it could be killed: make make_heavy's corpus larger")
    done = _complete_lines(out / FILES)
    assert 1 <= done < len(truth)                   # some inputs were done, not all
    assert not (out / REPORT_JSON).exists()
    rerun = subprocess.run(cmd, check=False, cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 3, rerun.stderr             # zz-cut.pcap failed
    assert f", {done} already done" in rerun.stderr
    assert "\r" not in rerun.stderr and "MB/s" not in rerun.stderr      # no progress line on a pipe
    ref = tmp_path / "ref"
    pcaptls.run_batch([str(root)], ref, jobs=2)
    assert outputs(out) == outputs(ref)
    rows = jsonl(out / CONNS)
    assert_no_duplicates(rows)
    counts = {f["path"]: (f["status"], f["connections"]) for f in jsonl(out / FILES)}
    for rel, (status, n) in truth.items():
        key = f"{root}/{rel}"
        assert counts[key] == (status, n if n is not None else sum(1 for r in rows if r["input"] == key))


# --- the CLI ------------------------------------------------------------------------------------------------------
def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_exit_3_lists_the_failed_inputs(corpus: Corpus, tmp_path: Path) -> None:
    folders = ("damaged", "empty", "other", "archives")
    missing = [str(corpus.root / "no-such.pcap"), str(corpus.root / "no-such-*.pcap")]
    result = run_cli("batch", *(str(corpus.root / d) for d in folders), *missing, "--out", str(tmp_path / "out"),
                     "--jobs", "2")
    assert result.exit_code == 3
    mine = {rel: t for rel, t in corpus.inputs.items() if rel.startswith(folders)}
    failed = sorted([corpus.key(rel) for rel, t in mine.items() if t["status"] == "failed"] + missing)
    listed = [line[len("failed: "):] for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(listed) == len(failed)
    assert sorted(next(k for k in failed if text.startswith(k + ": ")) for text in listed) == failed
    n = {s: sum(1 for t in mine.values() if t["status"] == s) for s in ("ok", "failed", "skipped")}
    n["failed"] += len(missing)
    summary = f"{len(mine) + len(missing)} inputs: {n['ok']} ok, {n['failed']} failed, {n['skipped']} not captures"
    assert summary in result.stderr
    assert "\r" not in result.stderr and "MB/s" not in result.stderr     # stderr is no terminal here
    assert "clients" in result.stdout                                   # the verdict's summary sentence
    lines = {line["path"]: line for line in jsonl(tmp_path / "out" / FILES)}
    assert lines[missing[0]]["status"] == "failed" and "No such file" in lines[missing[0]]["error"]
    assert lines[missing[1]]["status"] == "failed" and lines[missing[1]]["error"] == "no file matches"


def test_cli_exit_0_when_every_input_was_read(corpus: Corpus, tmp_path: Path) -> None:
    result = run_cli("batch", str(corpus.root / "plain" / "north"), "--out", str(tmp_path / "out"))
    n = sum(1 for rel in corpus.inputs if rel.startswith("plain/north/"))
    assert result.exit_code == 0, result.stderr
    assert f"{n} inputs: {n} ok, 0 failed, 0 not captures" in result.stderr
    assert "failed:" not in result.stderr
    assert len(jsonl(tmp_path / "out" / FILES)) == n


def test_progress_line_only_on_a_terminal(corpus: Corpus, tmp_path: Path) -> None:
    """The control for the tests above: on a terminal the progress line is there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cli_cmd(str(corpus.root / "plain" / "south"), "--out", str(tmp_path / "out"), "-j", "2"),
                            cwd=ROOT, env=cli_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:                 # EIO: every writer has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=60) == 0
    text = b"".join(chunks).decode()
    assert "\r" in text and "files," in text and "MB/s" in text and "ETA" in text


# --- the Python API ------------------------------------------------------------------------------------------------
def test_api_without_out_returns_what_the_out_dir_holds(corpus: Corpus, reference) -> None:
    out = reference[0]
    result = pcaptls.run_batch([str(corpus.root)])
    assert without_seconds(normal(result.files)) == without_seconds(jsonl(out / FILES))
    assert normal(result.connections) == jsonl(out / CONNS)
    assert normal(result.report) == json.loads((out / REPORT_JSON).read_text())["rows"]
    assert result.skipped_done == 0
    assert [f["path"] for f in result.failed] == [f["path"] for f in reference[1].failed]


def test_api_results_do_not_depend_on_completion_order(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers finish in any order. dns/ holds the same client and server name twice, named once by DNS
    and once by SNI: the report row's name_source must still be the same on every run."""
    paths = [str(corpus.root / "dns"), str(corpus.root / "plain" / "east")]
    in_order = pcaptls.run_batch(paths, jobs=1)
    local = runner._local
    monkeypatch.setattr(runner, "_local", lambda todo, settings, jobs: reversed(list(local(todo, settings, 1))))
    reversed_ = pcaptls.run_batch(paths, jobs=1)
    assert without_seconds(reversed_.files) == without_seconds(in_order.files)
    assert reversed_.connections == in_order.connections
    assert reversed_.report == in_order.report


# --- Dask ------------------------------------------------------------------------------------------------------------
@pytest.mark.dask
def test_dask_cluster_gives_the_local_results(corpus: Corpus, reference, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        result = pcaptls.run_batch([str(corpus.root)], out, dask=cluster.scheduler_address)
        in_memory = pcaptls.run_batch([str(corpus.root / "dns"), str(corpus.root / "damaged")],
                                      dask=cluster.scheduler_address)
    assert outputs(out) == outputs(reference[0])
    assert without_seconds(result.files) == without_seconds(reference[1].files)
    local = pcaptls.run_batch([str(corpus.root / "dns"), str(corpus.root / "damaged")], jobs=1)
    assert without_seconds(in_memory.files) == without_seconds(local.files)
    assert in_memory.connections == local.connections and in_memory.report == local.report


def test_dask_without_distributed_gives_the_install_advice(corpus: Corpus, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)        # import distributed -> ImportError
    result = CliRunner().invoke(cli, ["batch", str(corpus.root / "other"), "--out", str(tmp_path / "out"),
                                      "--dask", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 1
    assert "Error: Dask is an optional extra: pip install 'pcaptls[dask]'" in result.stderr


def test_a_reused_out_folder_holds_only_the_current_run(tmp_path) -> None:
    """Running other paths (or switching --join-rotated) into the same folder replaces, never mixes."""
    from pcaptls.batch import run_batch
    from tests.conftest import CAPTURES
    out = tmp_path / "out"
    run_batch([str(CAPTURES / "live")], out, jobs=1)
    second = run_batch([str(CAPTURES / "crafted" / "tls_on_port_80.pcap")], out, jobs=1)
    files = [json.loads(line) for line in (out / "files.jsonl").read_text().splitlines()]
    conns = [json.loads(line) for line in (out / "connections.jsonl").read_text().splitlines()]
    assert [f["path"] for f in files] == [str(CAPTURES / "crafted" / "tls_on_port_80.pcap")]
    assert len(conns) == 2 and {c["input"] for c in conns} == {files[0]["path"]}
    assert [f["path"] for f in second.files] == [files[0]["path"]]
