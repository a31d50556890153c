"""Peak memory on hostile captures, side by side. Owns: running pcaptls's commands on bench/hostile.py's
captures and printing a table of peak RSS (the largest process of each command, from wait4), wall time and
what the limits cut. Imports: bench.hostile.

    python -m bench.memory [--dir /tmp/hostile] [--json out.json]

The same commands as tests/test_memory_hostile.py (which asserts the 150 MB bound); this prints the figures
that docs/performance.md quotes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench import hostile

RUNS = [("ooo", ["inspect", "--format", f]) for f in ("jsonl", "table", "json", "csv", "cloudtrail")] + [
    ("ooo", ["report"]), ("ooo", ["report", "--format", "json"]),
    ("dns", ["inspect", "--format", "jsonl"]), ("dns", ["inspect"]), ("dns", ["report"]), ("dns", ["names"]),
    ("halfopen", ["inspect", "--format", "jsonl"]), ("halfopen", ["inspect"]),
    ("extensions", ["inspect", "--format", "jsonl"]), ("extensions", ["inspect"]), ("extensions", ["report"]),
    ("bighandshake", ["inspect", "--format", "jsonl"]), ("bighandshake", ["inspect"]),
]
_CUTS = re.compile(r"(\d+) flows evicted|(\d+) connections reported early|answers_evicted=(\d+)")


def run(args: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pcaptls", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    found = _CUTS.findall(err)
    return {"exit": os.waitstatus_to_exitcode(status), "seconds": round(time.perf_counter() - start, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "evicted": sum(int(a or 0) for a, _, _ in found),
            "reported_early": sum(int(b or 0) for _, b, _ in found),
            "dns_answers_evicted": sum(int(c or 0) for _, _, c in found)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default="/tmp/hostile")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    print("| capture | command | peak RSS MB | s | flows evicted | reported early | DNS answers dropped |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, command in RUNS:
        path = folder / f"{name}.pcap"
        if not path.exists():
            hostile.write(name, str(path))
        r = run([command[0], str(path), *command[1:]])
        r.update(capture=name, command=" ".join(command))
        results.append(r)
        print(f"| {name} ({path.stat().st_size / 1e6:,.0f} MB) | {r['command']} | {r['peak_rss_mb']} | {r['seconds']} "
              f"| {r['evicted']:,} | {r['reported_early']:,} | {r['dns_answers_evicted']:,} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if any(r["exit"] != 0 or r["peak_rss_mb"] > 150 for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
