"""Members of a compressed tar archive are read in one pass over it (one task per member would decompress
everything before each member again: quadratic in the archive's length), with the same results as
reading each member alone, members past damage failing as they would alone. And how the batch's tasks are
made: a batch of one input reads it with several processes."""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from pcaptls.batch import runner, sources, worker
from pcaptls.batch.inputs import discover
from pcaptls.batch.worker import Settings, process_input
from tests.conftest import CAPTURES

MEMBERS = ["live/tls10.pcap", "live/tls12.pcap", "live/tls13.pcap", "live/hrr.pcap", "crafted/seed_cloudwatch_fips.pcap",
           "live/alpn.pcap"]


def _archive(path: Path, mode: str, extra: dict[str, bytes] | None = None) -> Path:
    with tarfile.open(path, mode) as tf:
        for rel in MEMBERS:
            tf.add(CAPTURES / rel, arcname=rel)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def _normal(results: list[tuple[dict, list[dict]]]) -> list[tuple[dict, list[dict]]]:
    return [({k: v for k, v in line.items() if k != "seconds"}, rows) for line, rows in results]


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz"])
def test_one_pass_gives_what_each_member_alone_gives(mode: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = _archive(tmp_path / "bundle.tar.x", mode, {"notes.txt": b"not a capture\n"})
    inputs, problems = discover([str(path)])
    assert not problems and len(inputs) == len(MEMBERS) + 1 and all(i.sequential for i in inputs)
    alone = [process_input(i, Settings()) for i in inputs]
    opened = []
    real_open = tarfile.open
    monkeypatch.setattr(sources.tarfile, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    together = [r for task in runner._tasks(inputs) for r in runner.process_task(task, Settings())]
    assert len(opened) == 1                                    # one pass, not one per member
    assert _normal(together) == _normal(alone)
    assert [line["status"] for line, _ in together] == ["ok"] * len(MEMBERS) + ["skipped"]
    assert sum(len(rows) for _, rows in together) >= len(MEMBERS)


def test_plain_tar_and_zip_members_stay_one_task_each(tmp_path: Path) -> None:
    path = _archive(tmp_path / "bundle.tar", "w")
    inputs, _ = discover([str(path)])
    assert not any(i.sequential for i in inputs)
    assert [len(t) for t in runner._tasks(inputs)] == [1] * len(MEMBERS)


def test_groups_are_bounded_and_keep_the_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _archive(tmp_path / "a.tar.gz", "w:gz"), _archive(tmp_path / "b.tar.gz", "w:gz")
    inputs, _ = discover([str(a), str(tmp_path / "a.tar.gz"), str(b)])
    limit = inputs[0].size + inputs[1].size
    monkeypatch.setattr(runner, "_GROUP_BYTES", limit)
    tasks = runner._tasks(inputs)
    assert [i for t in tasks for i in t] == inputs
    assert all(len({i.path for i in t}) == 1 for t in tasks) and len(tasks) >= 4
    assert all(sum(i.size for i in t[:-1]) < limit for t in tasks)     # a group stops once it reaches the bound
    result = runner.run_batch([str(a), str(b)], jobs=2)
    assert [f["status"] for f in result.files] == ["ok"] * (2 * len(MEMBERS))


def test_members_past_damage_fail_as_they_would_alone(tmp_path: Path) -> None:
    whole = _archive(tmp_path / "whole.tar.gz", "w:gz").read_bytes()
    inputs, _ = discover([str(tmp_path / "whole.tar.gz")])
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    # the listing of the whole archive, read from the cut one: some members are past the damage
    items = [type(i)(f"{cut}!{i.member}", str(cut), i.member, i.archive, (), i.size, i.mtime_ns, True) for i in inputs]
    together = runner.process_task(items, Settings())
    alone = [process_input(i, Settings()) for i in items]
    assert [line["status"] for line, _ in together] == [line["status"] for line, _ in alone]
    assert "failed" in [line["status"] for line, _ in together] and together[0][0]["status"] == "ok"
    for (t, t_rows), (a, a_rows) in zip(together, alone):
        if t["status"] == "ok":
            assert (t["sha256"], t_rows) == (a["sha256"], a_rows)
        else:
            assert t["error"].startswith("cannot read") or "truncated" in t["error"], t["error"]


def test_a_batch_of_one_input_on_two_processes_gives_what_one_gives(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """One input and --jobs 2: the input is read by two processes (pcaptls.parallel), with the same result."""
    import subprocess
    import sys

    from pcaptls import parallel
    capture = tmp_path / "one.pcap"
    subprocess.run([sys.executable, "-m", "bench.generate", "--size", "6M", "--out", str(capture), "--seed", "5"],
                   check=True, cwd=CAPTURES.parents[1], capture_output=True)
    one = runner.run_batch([str(capture)], tmp_path / "j1", jobs=1)
    used = []
    real = parallel._merged
    monkeypatch.setattr(parallel, "_merged", lambda insp, fn, jobs: used.append(jobs) or real(insp, fn, jobs))
    two = runner.run_batch([str(capture)], tmp_path / "j2", jobs=2)
    assert used == [2]
    assert (tmp_path / "j1/connections.jsonl").read_bytes() == (tmp_path / "j2/connections.jsonl").read_bytes()
    assert _normal([(f, []) for f in one.files]) == _normal([(f, []) for f in two.files])
    assert one.files[0]["connections"] > 20


def test_workers_hand_rows_over_in_spool_files_and_none_remain(tmp_path: Path) -> None:
    path = _archive(tmp_path / "bundle.tar.gz", "w:gz")
    out = tmp_path / "out"
    result = runner.run_batch([str(path), str(CAPTURES / "live/tls12.pcap")], out, jobs=2)
    assert [f["status"] for f in result.files] == ["ok"] * (len(MEMBERS) + 1)
    assert not (out / ".spool").exists()                           # every spool file copied, the folder gone
    inputs, _ = discover([str(path), str(CAPTURES / "live/tls12.pcap")])
    alone = [process_input(i, Settings()) for i in inputs]          # rows, no spool: the same lines
    expected = "".join(json.dumps(r, ensure_ascii=False) + "\n" for _line, rows in alone
                       for r in sorted(rows, key=lambda r: (r["ts"], r["conn"])))
    assert (out / "connections.jsonl").read_text(encoding="utf-8") == expected
    spooled = process_input(inputs[-1], Settings(spool_dir=str(tmp_path)))[1]
    assert isinstance(spooled, worker.Spool) and spooled.count == alone[-1][0]["connections"]
    assert Path(spooled.path).read_text(encoding="utf-8") == "".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in sorted(alone[-1][1], key=lambda r: (r["ts"], r["conn"])))
