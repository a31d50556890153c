"""What each fuzz case is fed to, and the contract it is held to. Owns: the four targets and how their
results become outcomes. Imports: pcaptls (inspect_file, run_batch, errors, cli), click.testing,
tests.fuzz.sandbox (outcome names).

- ``inspect``: ``pcaptls.inspect_file(path)`` raises only ``CaptureError`` (expected-error; so is a report
  with ``error`` set, damage after some frames); anything else is a traceback.
- ``batch``: ``run_batch([path], out=None, jobs=1)`` never raises for a bad input (traceback), every input
  has a files line (contract: a line for the path itself, or one per archive member ``path!member``), and
  no line says "internal error (a pcaptls bug)" (internal).
- ``batch-out``: the same with an output folder; the lines are read back from ``files.jsonl``, every
  line and every ``connections.jsonl`` line is JSON.
- ``cli``: ``CliRunner().invoke(pcaptls.cli:cli, variant + [path])`` exits 0, 1 or 3, its output holds
  no Python traceback, and ``result.exception`` is None or SystemExit.

Each target function takes (path, work folder, CLI variant) and returns (outcome, detail).
"""
from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable

from tests.fuzz.sandbox import CONTRACT, EXPECTED, INTERNAL, OK, TRACEBACK

INTERNAL_MARK = "internal error (a pcaptls bug)"
CLI_EXIT_CODES = (0, 1, 3)
_TRACEBACK_MARK = "Traceback (most recent call last)"


def inspect_target(path: str, work: str, variant: tuple[str, ...]) -> tuple[str, str]:
    import pcaptls
    from pcaptls.errors import CaptureError
    try:
        report = pcaptls.inspect_file(path)
    except CaptureError as exc:
        return EXPECTED, f"CaptureError: {exc}"
    if report.error is not None:
        return EXPECTED, f"{len(report.connections)} connections, then {report.error}"
    return OK, f"{len(report.connections)} connections"


def _check_lines(path: str, lines: list[dict]) -> tuple[str, str]:
    mine = [line for line in lines if line.get("path") == path or str(line.get("path", "")).startswith(path + "!")]
    if not mine:
        return CONTRACT, f"no files.jsonl line for the input ({len(lines)} lines: {[l.get('path') for l in lines]})"
    internal = [line for line in mine if INTERNAL_MARK in (line.get("error") or "")]
    if internal:
        return INTERNAL, "\n".join(f"{line['path']}: {line['error']}" for line in internal)
    statuses = sorted({line.get("status") for line in mine})
    detail = f"{len(mine)} lines: " + ", ".join(f"{s} {sum(1 for l in mine if l.get('status') == s)}"
                                                 for s in statuses)
    errors = sorted({line["error"] for line in mine if line.get("error")})
    if errors:
        detail += "\n" + "\n".join(errors)
    return (OK if statuses == ["ok"] else EXPECTED), detail


def batch_target(path: str, work: str, variant: tuple[str, ...]) -> tuple[str, str]:
    from pcaptls import run_batch
    result = run_batch([path], out=None, jobs=1)
    return _check_lines(path, result.files)


def batch_out_target(path: str, work: str, variant: tuple[str, ...]) -> tuple[str, str]:
    from pcaptls import run_batch
    out = os.path.join(work, "out")
    run_batch([path], out=out, jobs=1)
    lines = []
    for name in ("files.jsonl", "connections.jsonl"):
        try:
            with open(os.path.join(out, name), encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            return CONTRACT, f"{name} is missing from the output folder: {exc}"
        for n, line in enumerate(text.splitlines(), 1):
            try:
                record = json.loads(line)
            except ValueError as exc:
                return CONTRACT, f"{name} line {n} is not JSON ({exc}): {line[:200]!r}"
            if name == "files.jsonl":
                lines.append(record)
    return _check_lines(path, lines)


def cli_target(path: str, work: str, variant: tuple[str, ...]) -> tuple[str, str]:
    from click.testing import CliRunner

    from pcaptls.cli import cli
    result = CliRunner().invoke(cli, [*variant, path], catch_exceptions=True)
    args = " ".join(variant)
    output = result.output + (getattr(result, "stderr", "") or "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(result.exception)
        return TRACEBACK, f"pcaptls {args}: exception out of the command\n{tb}"
    if _TRACEBACK_MARK in output:
        return TRACEBACK, f"pcaptls {args}: a traceback in the output\n{output[-4000:]}"
    if result.exit_code not in CLI_EXIT_CODES:
        return CONTRACT, f"pcaptls {args}: exit code {result.exit_code}\n{output[-2000:]}"
    last = output.strip().splitlines()[-1:] if result.exit_code else []
    return (OK if result.exit_code != 1 else EXPECTED), f"pcaptls {args}: exit {result.exit_code} {last}"


TARGETS: dict[str, Callable[[str, str, tuple[str, ...]], tuple[str, str]]] = {
    "inspect": inspect_target, "batch": batch_target, "batch-out": batch_out_target, "cli": cli_target}


def warm_up(sample: str, work: str) -> None:
    """Import and run every target once in the harness process, so each forked child starts with the
    modules loaded and the shipped catalog read (what a child would otherwise redo per case)."""
    os.makedirs(work, exist_ok=True)
    from tests.fuzz.cases import CLI_VARIANTS
    import pcaptls.report.show  # noqa: F401  (imported lazily by the show command)
    for name, fn in TARGETS.items():
        variants = CLI_VARIANTS if name == "cli" else [()]
        for variant in variants:
            case_work = os.path.join(work, f"warm-{name}")
            os.makedirs(case_work, exist_ok=True)
            fn(sample, case_work, variant)
