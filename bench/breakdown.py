"""Where the time goes on one capture, in one process. Owns: running pcaptls's layers in-process in
growing stages and turning the differences into costs per frame, per connection and per DNS response.
Imports: pcaptls (capture, pipeline, report) — it measures them.

    python -m bench.breakdown /tmp/bench-dense-1g.pcap [--repeat 3]

Stages (each the best of ``--repeat`` runs, so noise from other processes counts least):
  read      every frame out of the capture reader (no flow is skipped: nothing tells it which)
  decode    + link/IP/TCP/UDP headers of every frame (decode_frame)
  tcp+tls   the whole inspection without capture DNS, connections not rendered
  +dns      the same with capture DNS (the difference is DNS: parsing responses, the name table, lookups)
  +rows     + a row per connection and its JSON line (what ``inspect --format jsonl`` writes)
"""
from __future__ import annotations

import argparse
import gc
import sys
import time

from tabulate import tabulate

from pcaptls.capture.decap import decode_frame
from pcaptls.capture.files import open_capture
from pcaptls.pipeline import InspectOptions, Inspection
from pcaptls.report.render import jsonl_line
from pcaptls.report.rows import connection_row


def _read(path: str) -> int:
    n = 0
    with open_capture(path) as reader:
        for _rec in reader:
            n += 1
    return n


def _decode(path: str) -> int:
    counters: dict[str, int] = {}
    n = 0
    with open_capture(path) as reader:
        for _ts, linktype, frame, _orig in reader:
            decode_frame(linktype, frame, counters)
            n += 1
    return n


def _inspect(path: str, dns: bool, rows: bool) -> tuple[int, dict]:
    ins = Inspection(path, InspectOptions(capture_dns=dns, jobs=1))
    n = 0
    for conn in ins:
        if rows:
            jsonl_line(connection_row(conn))
        n += 1
    return n, ins.counters


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        gc.freeze()
        began = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - began)
    return min(times), out


def breakdown(path: str, repeat: int = 3) -> dict:
    t_read, frames = best(lambda: _read(path), repeat)
    t_decode, _ = best(lambda: _decode(path), repeat)
    t_tcp, (conns, counters) = best(lambda: _inspect(path, False, False), repeat)
    t_dns, (_, counters_dns) = best(lambda: _inspect(path, True, False), repeat)
    t_rows, _ = best(lambda: _inspect(path, True, True), repeat)
    responses = counters_dns.get("dns_responses", 0)
    return {"file": path, "frames": frames, "connections": conns, "dns_responses": responses,
            "stages_s": {"read": t_read, "decode": t_decode, "tcp+tls": t_tcp,
                                                     "+dns": t_dns, "+rows": t_rows}}


def main(argv: list[str] | None = None) -> int:
    from pcaptls.cli import GC_THRESHOLDS
    gc.set_threshold(*GC_THRESHOLDS)              # as the command line runs
    ap = argparse.ArgumentParser(prog="python -m bench.breakdown", description=__doc__.split("\n\n")[0])
    ap.add_argument("capture")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    res = breakdown(args.capture, args.repeat)
    s, f, c, r = res["stages_s"], res["frames"], res["connections"], res["dns_responses"]
    rows = [
        ["read every frame", s["read"], s["read"] / f * 1e6, "per frame"],
        ["decode headers", s["decode"] - s["read"], (s["decode"] - s["read"]) / f * 1e6, "per frame"],
        ["inspection (tcp, tls, names by SNI, finish), no DNS", s["tcp+tls"], s["tcp+tls"] / max(c, 1) * 1e6,
         "per connection, all in"],
        ["capture DNS", s["+dns"] - s["tcp+tls"], (s["+dns"] - s["tcp+tls"]) / max(r, 1) * 1e6, "per DNS response"],
        ["rows and JSON lines", s["+rows"] - s["+dns"], (s["+rows"] - s["+dns"]) / max(c, 1) * 1e6, "per connection"],
        ["whole (jsonl, one process)", s["+rows"], s["+rows"] / max(c, 1) * 1e6, "per connection, all in"],
    ]
    print(f"{args.capture}: {f:,} frames, {c:,} connections, {r:,} DNS responses; best of {args.repeat}")
    print(tabulate(rows, headers=["stage", "seconds", "µs", "unit"], floatfmt=("", ".3f", ".1f", "")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
