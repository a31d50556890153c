"""The fuzz harness's command. Owns: choosing the cases (a count, a time limit or given case numbers),
feeding them to the sandbox, classifying failures by signature, and writing each failing input, a .txt of
what happened and ``summary.json`` into ``--out``. Imports: tests.fuzz.cases, tests.fuzz.targets,
tests.fuzz.sandbox, tests.conftest, stdlib.

    python3 -m tests.fuzz.run --minutes 30 --seed 1 --out /tmp/fuzz-out
    python3 -m tests.fuzz.run --cases 500 --seed 1 --out /tmp/fuzz-out --targets batch,batch-out
    python3 -m tests.fuzz.run --case 1234 --seed 1 --out /tmp/one          # rebuild and rerun one input

Exit status: 0 no failure, 1 some case failed (traceback, internal, contract, hang, memory, crash), 2 usage.
"""
from __future__ import annotations

import argparse
import functools
import gc
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from tests.conftest import CAPTURES
from tests.fuzz import cases as fuzz_cases
from tests.fuzz.sandbox import FAILURES, OUTCOMES, Result, rss_kb, run_cases
from tests.fuzz.targets import TARGETS, warm_up

WARM_UP_SAMPLE = CAPTURES / "live" / "tls12.pcap"
_SANITIZER = re.compile(r"^SUMMARY: ((?:Address|UndefinedBehavior)Sanitizer: .*)$|(runtime error: .*)$", re.M)
_FRAME = re.compile(r'^\s*File "([^"]+)", line \d+, in (\S+)', re.M)


def _normalise(text: str, work: str) -> str:
    text = text.replace(work, "<case>")
    text = re.sub(r"'[^']*'", "'…'", text)                     # member names, paths in messages
    return re.sub(r"\d+", "N", text)[:160]


def signature(target: str, res: Result, work: str) -> str:
    """What groups failures of one cause: the exception and the innermost pcaptls frame for a traceback,
    the error after "internal error" for an internal one, the signal and the sanitizer's summary for a
    crash, the first line for a broken contract, the outcome and target for a hang or memory failure."""
    if res.outcome == "traceback":
        lines = [l for l in res.detail.strip().splitlines() if l.strip()]
        last = lines[-1] if lines else "?"
        frames = [(f, fn) for f, fn in _FRAME.findall(res.detail) if "/pcaptls/" in f and "/tests/" not in f]
        where = ""
        if frames:
            f, fn = frames[-1]
            where = f" @ pcaptls/{f.rsplit('/pcaptls/', 1)[1]}:{fn}"
        return f"traceback: {_normalise(last, work)}{where}"
    if res.outcome == "internal":
        first = res.detail.splitlines()[0]
        return f"internal: {_normalise(first.split('(a pcaptls bug): ', 1)[-1], work)}"
    if res.outcome == "crash":
        # the sanitizer's own summary: "AddressSanitizer: heap-buffer-overflow .../_skip.c:41 in rd32"
        found = min(_SANITIZER.finditer(res.detail), key=lambda m: m.group(1) is None, default=None)
        what = (found.group(1) or found.group(2)) if found else ""
        return f"crash: {res.detail.splitlines()[0]}" + (f": {what[:200]}" if what else "")
    if res.outcome == "contract":
        return f"contract: {_normalise(res.detail.splitlines()[0], work)}"
    return f"{res.outcome} ({target})"


def _last_line(res: Result) -> str:
    lines = [l for l in res.detail.strip().splitlines() if l.strip()]
    return lines[-1][:300] if lines else ""


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python3 -m tests.fuzz.run", description=__doc__.split("\n\n")[0])
    howmany = p.add_mutually_exclusive_group(required=True)
    howmany.add_argument("--minutes", type=float, help="run new inputs until this much time has passed")
    howmany.add_argument("--cases", type=int, help="run inputs 0..N-1 (each through every target)")
    howmany.add_argument("--case", type=int, action="append", help="run only this input number (repeatable)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="folder for failing inputs, their .txt and summary.json")
    p.add_argument("--targets", default=",".join(TARGETS),
                   help=f"comma-separated, of {', '.join(TARGETS)} (default: all)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cases run at once (default: cores)")
    p.add_argument("--budget", type=float, default=float(os.environ.get("PCAPTLS_FUZZ_BUDGET_S", 10)),
                   help="seconds a case may take before it is a hang (default 10, or $PCAPTLS_FUZZ_BUDGET_S)")
    p.add_argument("--max-rss-mb", type=float, default=float(os.environ.get("PCAPTLS_FUZZ_MAX_RSS_MB", 150)),
                   help="peak RSS of a case's process above this is a memory failure (default 150, or "
                        "$PCAPTLS_FUZZ_MAX_RSS_MB)")
    p.add_argument("--keep-per-signature", type=int, default=0,
                   help="write at most this many failing inputs per signature (default 0: all)")
    args = p.parse_args(argv)
    args.targets = [t for t in args.targets.split(",") if t]
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown or not args.targets:
        p.error(f"unknown target(s) {unknown}; choose from {', '.join(TARGETS)}")
    return args


def accelerator() -> str | None:
    """The C accelerator's file, if the capture reader uses it."""
    from pcaptls.capture import framing
    if framing._PcapSkipper is None:
        return None
    return sys.modules[framing._PcapSkipper.__module__].__file__


class Summary:
    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        self.args, self.out = args, out
        self.by_target: dict[str, Counter] = defaultdict(Counter)
        self.by_kind: dict[str, Counter] = defaultdict(Counter)
        self.by_cli: dict[str, Counter] = defaultdict(Counter)
        self.signatures: dict[str, dict] = {}
        self.failures: list[dict] = []
        self.slowest: list[tuple[float, int, str]] = []
        self.peak = (0, None, None)
        self.inputs = 0

    def add(self, inp: fuzz_cases.Input, target: str, res: Result, work: str) -> None:
        self.by_target[target][res.outcome] += 1
        self.by_kind[inp.kind][res.outcome] += 1
        if target == "cli":
            self.by_cli[" ".join(inp.cli)][res.outcome] += 1
        self.slowest = sorted(self.slowest + [(res.seconds, inp.index, target)], reverse=True)[:10]
        if res.peak_rss_kb > self.peak[0]:
            self.peak = (res.peak_rss_kb, inp.index, target)
        if res.outcome not in FAILURES:
            return
        sig = signature(target, res, work)
        entry = self.signatures.setdefault(sig, {"outcome": res.outcome, "count": 0, "targets": Counter(),
                                                 "kinds": Counter(), "first_case": inp.index,
                                                 "last_line": _last_line(res)})
        entry["count"] += 1
        entry["targets"][target] += 1
        entry["kinds"][f"{inp.kind} .{inp.name.split('.', 1)[1]}"] += 1
        self.failures.append({"case": inp.index, "target": target, "outcome": res.outcome, "signature": sig,
                              "input": inp.name, "recipe": list(inp.recipe)})
        keep = self.args.keep_per_signature
        if keep and entry["count"] > keep:
            return
        folder = self.out / res.outcome
        folder.mkdir(parents=True, exist_ok=True)
        (folder / inp.name).write_bytes(inp.data)
        cmd = (f"python3 -m tests.fuzz.run --seed {self.args.seed} --case {inp.index} --targets {target} "
               f"--out /tmp/fuzz-case-{inp.index}")
        (folder / f"{inp.name}.{target}.txt").write_text(
            f"case {inp.index} (seed {self.args.seed}), target {target}"
            + (f" ({' '.join(inp.cli)})" if target == "cli" else "") + f": {res.outcome}\n"
            f"signature: {sig}\nseconds: {res.seconds:.2f}; peak RSS {res.peak_rss_kb / 1024:.1f} MB "
            f"(child started at {res.start_rss_kb / 1024:.1f} MB)\nrecipe:\n  " + "\n  ".join(inp.recipe)
            + f"\nrerun: {cmd}\n\n{res.detail}\n", encoding="utf-8")

    def write(self, seconds: float, baseline_kb: int, interrupted: bool) -> dict:
        cases = sum(sum(c.values()) for c in self.by_target.values())
        by_outcome = Counter()
        for counts in self.by_target.values():
            by_outcome.update(counts)
        data = {
            "seed": self.args.seed, "mode": ({"minutes": self.args.minutes} if self.args.minutes else
                                             {"cases": self.args.cases} if self.args.cases else
                                             {"case": self.args.case}),
            "targets": self.args.targets, "inputs": self.inputs, "cases": cases, "seconds": round(seconds, 2),
            "cases_per_second": round(cases / seconds, 2) if seconds else None, "interrupted": interrupted,
            "by_outcome": {o: by_outcome[o] for o in OUTCOMES if by_outcome[o]},
            "by_target": {t: {o: c[o] for o in OUTCOMES if c[o]} for t, c in sorted(self.by_target.items())},
            "by_input_kind": {k: {o: c[o] for o in OUTCOMES if c[o]} for k, c in sorted(self.by_kind.items())},
            "by_cli_variant": {v: {o: c[o] for o in OUTCOMES if c[o]} for v, c in sorted(self.by_cli.items())},
            "signatures": dict(sorted(self.signatures.items(), key=lambda kv: -kv[1]["count"])),
            "failures": sorted(self.failures, key=lambda f: (f["case"], self.args.targets.index(f["target"]))),
            "memory": {"harness_rss_mb_at_fork": round(baseline_kb / 1024, 1),
                       "max_peak_rss_mb": round(self.peak[0] / 1024, 1), "max_peak_case": self.peak[1],
                       "max_peak_target": self.peak[2], "bound_mb": self.args.max_rss_mb},
            "budget_s": self.args.budget, "jobs": self.args.jobs,
            "slowest": [{"case": i, "target": t, "seconds": round(s, 2)} for s, i, t in self.slowest],
            "corpus": {"files": len(fuzz_cases.corpus()), "digest": fuzz_cases.corpus_digest()},
            "accelerator": accelerator(), "python": sys.version.split()[0],
        }
        (self.out / "summary.json").write_text(json.dumps(data, indent=1, default=dict) + "\n", encoding="utf-8")
        return data


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="pcaptls-fuzz-"))
    summary = Summary(args, out)
    try:
        warm_up(str(WARM_UP_SAMPLE), str(scratch / "warm-up"))
        gc.collect()
        gc.freeze()                 # children then do not touch (copy) the warmed-up objects when they collect
        baseline = rss_kb()
        t0 = time.monotonic()
        stop_at = t0 + args.minutes * 60 if args.minutes else None
        indices = (args.case if args.case else range(args.cases) if args.cases is not None else itertools.count())
        live: dict[int, tuple[fuzz_cases.Input, set[str]]] = {}

        def jobs():
            for index in indices:
                if stop_at is not None and time.monotonic() >= stop_at:
                    return
                inp = fuzz_cases.make_input(args.seed, index)
                folder = scratch / f"case-{index:06d}"
                folder.mkdir()
                path = folder / inp.name
                path.write_bytes(inp.data)
                live[index] = (inp, set(args.targets))
                summary.inputs += 1
                for target in args.targets:
                    work = folder / target
                    work.mkdir()
                    fn = functools.partial(TARGETS[target], str(path), str(work), inp.cli)
                    yield (index, target), fn, str(work / "log")

        last_report = t0
        interrupted = False
        results = run_cases(jobs(), jobs=args.jobs, budget_s=args.budget, max_rss_mb=args.max_rss_mb,
                            kill_rss_mb=max(1024.0, 4 * args.max_rss_mb))
        try:
            for (index, target), res in results:
                inp, waiting = live[index]
                summary.add(inp, target, res, str(scratch / f"case-{index:06d}"))
                waiting.discard(target)
                if not waiting:
                    del live[index]
                    shutil.rmtree(scratch / f"case-{index:06d}", ignore_errors=True)
                now = time.monotonic()
                if now - last_report >= 30:
                    last_report = now
                    done = sum(sum(c.values()) for c in summary.by_target.values())
                    print(f"[fuzz] {now - t0:.0f} s: {done} cases ({done / (now - t0):.1f}/s), "
                          f"{len(summary.failures)} failing", file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            results.close()
        data = summary.write(time.monotonic() - t0, baseline, interrupted)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"[fuzz] seed {args.seed}: {data['inputs']} inputs, {data['cases']} cases in {data['seconds']} s "
          f"({data['cases_per_second']}/s); outcomes {data['by_outcome']}; summary: {out / 'summary.json'}",
          file=sys.stderr)
    for sig, entry in data["signatures"].items():
        print(f"  {entry['count']:6d}  {sig}", file=sys.stderr)
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
