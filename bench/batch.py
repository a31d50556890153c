"""Batch throughput with 1 and 2 jobs (the scaling ratio). Owns: generating a folder of benchmark captures
and timing ``pcaptls batch`` over it with --jobs 1 and --jobs 2, checking both give the same output.
Imports: bench.generate.

    python -m bench.batch [--files 8] [--size 25M] [--profile dense] [--dir /tmp/bench-batch]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import generate, parse_size


def _run(folder: Path, out: Path, jobs: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pcaptls", "batch", str(folder), "--out", str(out), "--jobs", str(jobs)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--size", default="25M", help="size of each capture (default 25M)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench-batch"))
    ap.add_argument("--profile", default="bulk", help="traffic profile of the captures (bench/profiles.py)")
    args = ap.parse_args(argv)
    tag = f"{args.files}x{args.size}" + ("" if args.profile == "bulk" else f"-{args.profile}")
    folder = args.dir / tag
    folder.mkdir(parents=True, exist_ok=True)
    size = parse_size(args.size)
    for seed in range(1, args.files + 1):
        path = folder / f"capture-{seed:03d}.pcap"
        if not path.exists():
            generate(size, str(path), seed=seed, profile=args.profile)
        stray = Path(str(path) + ".expected.json")
        if stray.exists():
            stray.rename(args.dir / f"{tag}-{seed:03d}.expected.json")
    total = sum(p.stat().st_size for p in folder.glob("*.pcap"))
    times = {jobs: _run(folder, args.dir / f"out-j{jobs}", jobs) for jobs in (1, 2)}
    same = all((args.dir / "out-j1" / name).read_bytes() == (args.dir / "out-j2" / name).read_bytes()
               for name in ("connections.jsonl", "report.json"))
    conns = sum(1 for _ in open(args.dir / "out-j1" / "connections.jsonl"))
    print(f"{args.files} captures, {total / 1e6:,.0f} MB, {conns:,} connections; {os.cpu_count()} cores")
    for jobs, secs in times.items():
        print(f"  --jobs {jobs}: {secs:6.2f} s  {args.files / secs:6.2f} files/s  {total / 1e6 / secs:7.1f} MB/s")
    print(f"  scaling (time with 1 job / time with 2 jobs): {times[1] / times[2]:.2f}")
    print(f"  same output with 1 and 2 jobs: {'yes' if same else 'NO'}")
    print(json.dumps({"files": args.files, "bytes": total, "seconds": times, "same": same}))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
