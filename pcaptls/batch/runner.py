"""Run many captures. Owns: scheduling inputs on local processes or a Dask cluster, resuming from an
output folder, collecting failures without stopping, and progress. Imports: batch.inputs, batch.worker,
batch.outdir, report.verdict.

The parent process does all the writing; workers only read captures and return results, exactly the
same whether they run here or on Dask workers that see the same paths.
"""
from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from pcaptls.batch.inputs import Input, discover
from pcaptls.batch.outdir import OutDir
from pcaptls.batch.worker import FAILED, Settings, Spool, process_input, process_members
from pcaptls.errors import OutputError
from pcaptls.report.verdict import Aggregator

DASK_ADVICE = "Dask is an optional extra: pip install 'pcaptls[dask]'"
_GROUP_BYTES = 1 << 30              # members of a compressed tar read by one task, at most (then a new pass)


@dataclass(slots=True)
class BatchResult:
    files: list[dict[str, Any]] = field(default_factory=list)        # files.jsonl lines, input order
    connections: list[dict[str, Any]] = field(default_factory=list)  # only without an output folder
    report: Sequence[dict[str, Any]] = field(default_factory=list)   # the aggregated verdict rows: a list, or
    #                       for a report too large for memory a report.verdict.Verdict (read from disk)
    summary: str = ""                                                # the report's one-sentence summary
    skipped_done: int = 0                                            # inputs already done (resume)
    repaired: int = 0                                                # output files cut back after a kill

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [f for f in self.files if f["status"] == FAILED]


Progress = Callable[[dict[str, Any], int, int, int, int], None]   # line, files done, files, bytes done, bytes


def _tasks(todo: list[Input]) -> list[list[Input]]:
    """One task per input, except that consecutive members of one compressed tar archive go together (up
    to _GROUP_BYTES of members, which bounds the rows a task holds): one pass over the archive reads them."""
    tasks: list[list[Input]] = []
    group_bytes = 0
    for item in todo:
        last = tasks[-1] if tasks else None
        if (item.sequential and last is not None and last[0].sequential and last[0].path == item.path
                and group_bytes < _GROUP_BYTES):
            last.append(item)
            group_bytes += item.size
        else:
            tasks.append([item])
            group_bytes = item.size
    return tasks


def process_task(task: list[Input], settings: Settings) -> list[tuple[dict, list[dict]]]:
    if len(task) == 1 and not task[0].sequential:
        return [process_input(task[0], settings)]
    return process_members(task, settings)


def _quiet_worker() -> None:
    """Worker processes leave Ctrl-C to the parent (which stops them): no traceback from each of them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _local(todo: list[Input], settings: Settings, jobs: int) -> Iterator[tuple[dict, list[dict]]]:
    tasks = _tasks(todo)
    if jobs <= 1 or len(tasks) <= 1:
        if jobs > 1 and len(tasks) == 1 and not settings.options.jobs:     # one input: its own processes
            settings = dataclasses.replace(settings, options=dataclasses.replace(settings.options, jobs=jobs))
        for task in tasks:
            yield from process_task(task, settings)
        return
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_quiet_worker)
    try:
        futures = [pool.submit(process_task, task, settings) for task in tasks]
        for fut in as_completed(futures):
            yield from fut.result()
    except BaseException:
        # an output error, Ctrl-C, or the caller stopped reading: stop the workers now rather than let
        # the pool finish every queued input (minutes) before the error is shown
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _dask(todo: list[Input], settings: Settings, address: str) -> Iterator[tuple[dict, list[dict]]]:
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError as err:
        raise RuntimeError(DASK_ADVICE) from err
    with Client(address) as client:
        futures = client.map(process_task, _tasks(todo), settings=settings, pure=False)
        for fut in dask_completed(futures):
            yield from fut.result()


def run_batch(paths: list[str], out: str | os.PathLike | None = None, *, jobs: int | None = None,
              join_rotated: bool = False, settings: Settings | None = None, dask: str | None = None,
              progress: Progress | None = None) -> BatchResult:
    """Inspect every capture under ``paths`` (files, folders, globs, tar/zip archives).

    With ``out`` the results go to that folder (connections.jsonl, files.jsonl, report.json, report.txt)
    and a rerun resumes; without it they are returned in memory. A bad input never stops the batch; a
    write to ``out`` that fails raises ``OutputError`` (what was not written is not recorded as done, so
    the same call resumes), and so does an ``out`` another batch is using.
    ``dask`` is a scheduler address ("tcp://host:8786"); workers must see the same paths.
    """
    settings = settings or Settings()
    inputs, problems = discover(list(paths), join_rotated=join_rotated)
    order = [i.key for i in inputs] + [p for p, _, _ in problems]
    outdir = OutDir(out) if out is not None else None
    result = BatchResult()
    todo = inputs
    if outdir is not None:
        todo = [i for i in inputs if not outdir.is_done(i.key, i.size, i.mtime_ns)]
        result.skipped_done = len(inputs) - len(todo)
        result.repaired = outdir.repaired
        outdir.forget({i.key for i in todo if i.key in outdir.done})
    lines: list[dict[str, Any]] = []

    def take(line: dict[str, Any], rows: list[dict[str, Any]] | Spool) -> None:
        if outdir is not None:
            outdir.record(line, rows)
        else:
            result.connections.extend(rows)      # type: ignore[arg-type]   (no spool without a folder)
        lines.append(line)

    try:
        for path, why, status in problems:
            if outdir is None or path not in outdir.done:
                take({"path": path, "status": status, "error": why, "connections": 0, "counts": {},
                      "seconds": 0.0, "size": 0, "sha256": None, "mtime_ns": 0}, [])
        total_bytes = sum(i.size for i in todo)
        done_bytes = 0
        sizes = {i.key: i.size for i in todo}
        if outdir is not None and not dask:     # local workers hand rows over in files (Dask's may not see them)
            settings = dataclasses.replace(settings, spool_dir=str(outdir.spool_dir))
        results = _dask(todo, settings, dask) if dask else _local(todo, settings, jobs or os.cpu_count() or 1)
        try:
            for n, (line, rows) in enumerate(results, 1):
                take(line, rows)
                done_bytes += sizes.get(line["path"], 0)
                if progress is not None:
                    progress(line, n, len(todo), done_bytes, total_bytes)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()                         # stops the workers if the loop did not end by itself
    except OutputError as exc:
        if outdir is not None:
            outdir.close()                      # what was recorded stays: the same command resumes
        raise OutputError(f"{exc}. Inputs not written are not recorded as done: rerun the same command to "
                          "resume") from exc
    except BaseException:
        if outdir is not None:
            outdir.close()
        raise
    rank = {key: i for i, key in enumerate(order)}
    if outdir is not None:
        try:
            verdict = outdir.finish(order)
            result.summary = verdict.summary
            result.report = verdict if verdict.on_disk else list(verdict)
        except OutputError as exc:
            raise OutputError(f"{exc}. Every input is recorded: rerun the same command to write the final "
                              "files") from exc
        result.files = sorted(outdir.done.values(), key=lambda l: rank.get(l["path"], len(rank)))
    else:
        result.files = sorted(lines, key=lambda l: rank.get(l["path"], len(rank)))
        result.connections.sort(key=lambda c: (rank.get(c["input"], len(rank)), c["ts"], c["conn"]))
        aggregate = Aggregator()      # in input order, as OutDir.finish does: rows keep the first name_source/aws
        for row in result.connections:
            aggregate.add(row)
        verdict = aggregate.finish()
        result.report, result.summary = list(verdict), verdict.summary
    return result
