"""Side-by-side benchmark of pcaptls on one capture. Owns: running each tool as a subprocess with its wall
time, CPU time and peak memory (GNU time, sampled RssAnon), the results table, and the correctness checks
(pcaptls vs the generator's expected list, pcaptls vs tshark). Imports: bench.generate (``--sizes``).

    python -m bench.run /tmp/bench-1g.pcap [--repeat 1] [--no-tshark] [--json out.json]
    python -m bench.run --sizes 100M,500M,1G [--dir /tmp]

Tools: (a) ``cat FILE`` to /dev/null, the I/O floor; (b) a bare ``dpkt.pcap.Reader`` loop, the Python
floor; (c) tshark extracting the same handshake fields; (d) ``python -m pcaptls inspect --format jsonl``.
The file is read once before timing, so every tool reads from the page cache. Exit status 1 when pcaptls
disagrees with the expected list or with tshark, or a tool fails.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from tabulate import tabulate

from bench.generate import START_S, generate, parse_size
from bench.profiles import PROFILES
from bench.variants import make as make_variant

ROOT = Path(__file__).resolve().parent.parent
DPKT_LOOP = ("import gzip, sys, dpkt\nn = 0\npath = sys.argv[1]\n"
             "with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:\n"
             "    ng = f.peek(4)[:4] == b'\\x0a\\x0d\\x0d\\x0a' if hasattr(f, 'peek') else False\n"
             "    for ts, buf in (dpkt.pcapng.Reader if ng else dpkt.pcap.Reader)(f):\n        n += 1\nprint(n)\n")
TSHARK_FIELDS = ("ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport", "tls.handshake.type",
                 "tls.handshake.version", "tls.handshake.extensions.supported_version",
                 "tls.handshake.ciphersuite", "tls.handshake.extensions_server_name")
VERSION_NAMES = {0x0300: "SSLv3", 0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
KEY_FIELDS = ("ts", "client_ip", "client_port", "server_ip", "server_port", "sni", "negotiated_version", "hello_retry",
              "outcome")
NAME_FIELDS = ("server_name", "name_source", "aws_region")      # in the expected lists of the kernel profiles


def tool_commands(path: str, out_dir: str, tshark: bool) -> list[tuple[str, list[str], str | None]]:
    """(tool name, argv, file its stdout goes to or None for /dev/null), in the order they run."""
    tools = [("cat (I/O floor)", ["cat", path], None),
             ("dpkt loop (Python floor)", [sys.executable, "-c", DPKT_LOOP, path], f"{out_dir}/dpkt.txt")]
    if tshark:
        cmd = ["tshark", "-n", "-r", path, "-o", "tcp.reassemble_out_of_order:TRUE",
               "-Y", "tls.handshake.type==1||tls.handshake.type==2", "-T", "fields"]
        for field in TSHARK_FIELDS:
            cmd += ["-e", field]
        tools.append(("tshark", cmd, f"{out_dir}/tshark.tsv"))
    if shutil.which("ndpiReader") and not path.endswith(".gz"):            # libpcap reads no gzip
        tools.append(("ndpiReader (nDPI, C)", ["ndpiReader", "-i", path, "-q"], None))
    tools.append(("pcaptls", [sys.executable, "-m", "pcaptls", "inspect", path, "--format", "jsonl", "-q",
                              "-o", f"{out_dir}/pcaptls.jsonl"], None))
    return tools


def measure(argv: list[str], stdout_path: str | None) -> dict:
    """Run one child; wall time from perf_counter. Peak RSS from GNU time (``apt-get install time``) when
    installed: os.wait4's ru_maxrss of a child forked from this Python includes this process's RSS at fork."""
    with open(stdout_path or os.devnull, "wb") as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        wrapped = [GNU_TIME, "-f", "%M %U %S", "-o", timing.name, *argv] if GNU_TIME else argv
        began = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, cwd=ROOT)
        stop, anon = threading.Event(), [0]
        sampler = threading.Thread(target=_sample_anon, args=(proc.pid, stop, anon), daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        rss_kb, user, system = usage.ru_maxrss, usage.ru_utime, usage.ru_stime
        if GNU_TIME:
            rss_kb, user, system = (float(v) for v in timing.read().strip().split("\n")[-1].split())
    return {"wall_s": wall, "rss_mb": rss_kb / 1024, "anon_mb": anon[0] / 1024, "user_s": user, "sys_s": system,
            "rc": proc.returncode, "stderr": stderr[-2000:]}


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (GNU time's child, and pcaptls's worker processes under that)."""
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in map(int, f.read().split()):
                    out += _descendants(child)
    except (OSError, ValueError):
        pass
    return out


def _rss_anon_kb(pid: int) -> int:
    """Private (anonymous) resident memory of ``pid`` and all its descendants together: what RSS holds
    besides mapped files and pages shared with a parent."""
    total = 0
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("RssAnon:")), 0)
        except (OSError, ValueError):
            pass
    return total


def _sample_anon(pid: int, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], _rss_anon_kb(pid))
        stop.wait(0.02)


def benchmark(path: str, repeat: int, tshark: bool, out_dir: str) -> dict:
    size = os.path.getsize(path)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)      # warm the page cache
    # Byte-compile pcaptls as any install does (dpkt's are compiled by pip): with PYTHONDONTWRITEBYTECODE
    # set, as on some machines, every run would otherwise compile 40 modules from source (60 ms).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "pcaptls")], check=True)
    tools = tool_commands(path, out_dir, tshark)
    load_before = os.getloadavg()[0]
    runs: dict[str, list[dict]] = defaultdict(list)
    for _ in range(repeat):
        for name, argv, stdout_path in tools:
            runs[name].append(measure(argv, stdout_path))
    packets = int(Path(f"{out_dir}/dpkt.txt").read_text().strip() or 0)
    results = {}
    for name, argv, _stdout in tools:
        walls = [r["wall_s"] for r in runs[name]]
        failed = [r for r in runs[name] if r["rc"] != 0]
        results[name] = {"wall_s": statistics.median(walls), "wall_runs_s": walls,
                         "rss_mb": max(r["rss_mb"] for r in runs[name]), "anon_mb": max(r["anon_mb"] for r in runs[name]),
                         "cpu_s": statistics.median(r["user_s"] + r["sys_s"] for r in runs[name]),
                         "rc": failed[0]["rc"] if failed else 0, "stderr": failed[0]["stderr"] if failed else "",
                         "argv": argv}
    return {"file": path, "bytes": size, "packets": packets, "repeat": repeat, "tools": results,
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def print_table(res: dict) -> None:
    base = res["tools"]["pcaptls"]["wall_s"]
    rows = []
    for name, r in res["tools"].items():
        wall = r["wall_s"]
        rows.append([name, wall, r["cpu_s"], res["packets"] / wall, res["bytes"] / 1e6 / wall, r["rss_mb"],
                     r["anon_mb"], wall / base,
                     "ok" if r["rc"] == 0 else f"exit {r['rc']}"])
    print(f"\n{res['file']}: {res['bytes'] / 1e6:,.0f} MB, {res['packets']:,} packets, "
          f"median of {res['repeat']} run(s); load average {res['load_before']} before, {res['load_after']} after")
    print(tabulate(rows, headers=["tool", "wall s", "cpu s", "packets/s", "MB/s", "peak RSS MB", "peak anon MB",
                                  "time ÷ pcaptls", "status"],
                   floatfmt=("", ".2f", ".2f", ",.0f", ".1f", ".0f", ".0f", ".2f", ""), intfmt=","))
    print("peak RSS: GNU time (VmHWM; counts mmap'ed capture pages); peak anon: private memory sampled every 20 ms")
    tools = res["tools"]
    ratios = res.setdefault("ratios", {})
    if "tshark" in tools:
        ratios["pcaptls_throughput_over_tshark"] = tools["tshark"]["wall_s"] / base
        print(f"pcaptls throughput ÷ tshark throughput: {ratios['pcaptls_throughput_over_tshark']:.2f}")
    ratios["pcaptls_time_over_dpkt_loop"] = base / tools["dpkt loop (Python floor)"]["wall_s"]
    print(f"pcaptls time ÷ bare dpkt loop time:     {ratios['pcaptls_time_over_dpkt_loop']:.2f}")
    for name, r in tools.items():
        if r["rc"] != 0:
            print(f"{name} failed (exit {r['rc']}): {r['stderr'].strip()}")


# ---- correctness ---------------------------------------------------------------------------------

def _iso(ts_s: int, us: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_s)) + f".{us:06d}Z"


def load_expected(path: str) -> list[dict]:
    with open(path + ".expected.json", encoding="utf-8") as f:
        rows = json.load(f)["expected"]
    for row in rows:
        row["ts"] = _iso(START_S + row["ts_us"] // 1_000_000, row["ts_us"] % 1_000_000)
    return rows


def load_pcaptls(out_dir: str) -> list[dict]:
    with open(f"{out_dir}/pcaptls.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return sorted(rows, key=lambda r: r["conn"])


def hellos_per_tuple(rows: list[dict]) -> dict[tuple, dict[str, list]]:
    """Connections (pcaptls rows or expected rows) -> the hellos tshark would list per client 4-tuple."""
    out: dict[tuple, dict[str, list]] = defaultdict(lambda: {"ch": [], "sh": []})
    for r in rows:
        hellos = out[(r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])]
        hellos["ch"] += [r["sni"]] * (2 if r["hello_retry"] else 1)
        hellos["sh"] += (["TLSv1.3"] if r["hello_retry"] else []) + (
            [r["negotiated_version"]] if r["negotiated_version"] else [])
    return dict(out)


def tshark_hellos(tsv_path: str) -> dict[tuple, dict[str, list]]:
    out: dict[tuple, dict[str, list]] = defaultdict(lambda: {"ch": [], "sh": []})
    with open(tsv_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = dict(zip(TSHARK_FIELDS, line.rstrip("\n").split("\t")))
            if not cols.get("tcp.srcport"):
                continue
            src = str(ipaddress.ip_address(cols["ip.src"] or cols["ipv6.src"]))
            dst = str(ipaddress.ip_address(cols["ip.dst"] or cols["ipv6.dst"]))
            sport, dport = int(cols["tcp.srcport"]), int(cols["tcp.dstport"])
            types = cols["tls.handshake.type"].split(",")
            names = cols["tls.handshake.extensions_server_name"].split(",")
            for i in range(types.count("1")):
                out[(src, sport, dst, dport)]["ch"].append(names[i] if i < len(names) and names[i] else None)
            if "2" in types:
                chosen = (cols["tls.handshake.extensions.supported_version"] or cols["tls.handshake.version"])
                version = int(chosen.split(",")[0], 16)
                out[(dst, dport, src, sport)]["sh"].append(VERSION_NAMES.get(version, f"unknown(0x{version:04x})"))
    return dict(out)


def compare_rows(name: str, got: list[dict], want: list[dict], limit: int = 10) -> list[str]:
    problems = []
    if len(got) != len(want):
        problems.append(f"{name}: {len(got)} connections, expected {len(want)}")
    for i, (g, w) in enumerate(zip(got, want)):
        diff = {k: (g.get(k), w.get(k)) for k in KEY_FIELDS + tuple(f for f in NAME_FIELDS if f in w)
                if g.get(k) != w.get(k)}
        if diff:
            problems.append(f"{name}: connection {i} ({w['template']}): " +
                            ", ".join(f"{k} {a!r} != expected {b!r}" for k, (a, b) in diff.items()))
    return problems[:limit] + ([f"... {len(problems) - limit} more"] if len(problems) > limit else [])


def compare_tuples(name: str, got: dict, want: dict, limit: int = 10) -> list[str]:
    problems = [f"{name}: {k[0]}:{k[1]} -> {k[2]}:{k[3]}: {got.get(k)} vs {want.get(k)}"
                for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
    return problems[:limit] + ([f"... {len(problems) - limit} more"] if len(problems) > limit else [])


def check(res: dict, out_dir: str) -> bool:
    expected, rows = load_expected(res["file"]), load_pcaptls(out_dir)
    checks = {"pcaptls vs expected": compare_rows("pcaptls vs expected", rows, expected)}
    want = hellos_per_tuple(expected)
    if "tshark" in res["tools"]:
        seen = tshark_hellos(f"{out_dir}/tshark.tsv")
        checks["pcaptls vs tshark"] = compare_tuples("pcaptls vs tshark", hellos_per_tuple(rows), seen)
        checks["tshark vs expected"] = compare_tuples("tshark vs expected", seen, want)
        res["tshark_client_hellos"] = sum(len(v["ch"]) for v in seen.values())
    print(f"\ncorrectness: {len(expected):,} expected connections ({len(want):,} 4-tuples, "
          f"{sum(len(v['ch']) for v in want.values()):,} ClientHellos), pcaptls found {len(rows):,}"
          + (f", tshark listed {res['tshark_client_hellos']:,} ClientHellos" if "tshark" in res["tools"] else ""))
    for label, problems in checks.items():
        print(f"  {label}: {'agree' if not problems else 'DISAGREE'}")
        for p in problems:
            print(f"    {p}")
    res["checks"] = checks
    return not any(checks[k] for k in checks if k.startswith("pcaptls")) and all(
        r["rc"] == 0 for r in res["tools"].values())


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "peak_rss_from": "GNU time" if GNU_TIME else "os.wait4 (includes the runner's RSS at fork)"}
    try:
        cpuinfo, meminfo = Path("/proc/cpuinfo").read_text(), Path("/proc/meminfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name"))
        info["ram_gb"] = round(int(next(line.split()[1] for line in meminfo.splitlines()
                                        if line.startswith("MemTotal"))) / 2**20, 1)
    except (OSError, StopIteration):
        pass
    if shutil.which("tshark"):
        version = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=False)
        info["tshark"] = version.stdout.split("\n")[0]
    return info


def run_one(path: str, repeat: int, tshark: bool) -> tuple[dict, bool]:
    out_dir = tempfile.mkdtemp(prefix="pcaptls-bench-")
    try:
        res = benchmark(path, repeat, tshark, out_dir)
        print_table(res)
        ok = check(res, out_dir)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return res, ok


def run_profiles(profiles: list[str], size: str, variants: list[str], directory: str, repeat: int, tshark: bool,
                 seed: int) -> tuple[list[dict], bool]:
    """Every profile at ``size`` (generated if missing) and its format variants, then one table of all."""
    results, ok = [], True
    for profile in profiles:
        path = os.path.join(directory, f"bench-{profile}-{size.lower()}.pcap")
        if profile == "bulk" and not os.path.exists(path) and os.path.exists(os.path.join(directory, f"bench-{size.lower()}.pcap")):
            path = os.path.join(directory, f"bench-{size.lower()}.pcap")
        if not (os.path.exists(path) and os.path.exists(path + ".expected.json")):
            print(f"generating {path} ...", flush=True)
            generate(parse_size(size), path, seed, profile)
        for variant in ["pcap", *variants]:
            target = path if variant == "pcap" else make_variant(path, variant)
            res, good = run_one(target, repeat, tshark)
            with open(path + ".expected.json", encoding="utf-8") as f:
                summary = json.loads(f.readline().rstrip().rstrip(",") + "}")["summary"]   # the first line only
            res.update(profile=profile, variant=variant, connections=summary["connections"],
                       dns_responses=summary.get("dns_responses", 0))
            results.append(res)
            ok = ok and good
    print_profiles(results)
    return results, ok


def print_profiles(results: list[dict]) -> None:
    rows = []
    for r in results:
        t = r["tools"]
        me, loop, tsh = t["pcaptls"], t["dpkt loop (Python floor)"], t.get("tshark")
        ndpi = t.get("ndpiReader (nDPI, C)")
        rows.append([r["profile"], r["variant"], r["bytes"] / 1e6, r["packets"], r["connections"], r["dns_responses"],
                     t["cat (I/O floor)"]["wall_s"], loop["wall_s"], tsh["wall_s"] if tsh else None,
                     ndpi["wall_s"] if ndpi else None, me["wall_s"], me["cpu_s"], me["rss_mb"],
                     tsh["wall_s"] / me["wall_s"] if tsh else None, me["wall_s"] / loop["wall_s"],
                     "ok" if not any(v for k, v in r.get("checks", {}).items() if k.startswith("pcaptls")) else "DIFFERS"])
    print("\nall profiles (wall seconds, median; x tshark = pcaptls throughput ÷ tshark's; ÷ loop = pcaptls time ÷ "
          f"the bare dpkt loop's); load average now {os.getloadavg()[0]:.2f}")
    print(tabulate(rows, headers=["profile", "format", "MB", "packets", "connections", "DNS responses", "cat",
                                  "dpkt loop", "tshark", "ndpiReader", "pcaptls", "pcaptls cpu", "pcaptls RSS MB",
                                  "x tshark", "÷ loop", "answers"],
                   floatfmt=("", "", ",.0f", ",", ",", ",", ".2f", ".2f", ".2f", ".2f", ".2f", ".2f", ".0f", ".1f",
                             ".2f", ""), intfmt=",", missingval="-"))
    worst = min((r for r in results if "tshark" in r["tools"]),
                key=lambda r: r["tools"]["tshark"]["wall_s"] / r["tools"]["pcaptls"]["wall_s"], default=None)
    if worst:
        print(f"worst profile: {worst['profile']} ({worst['variant']}), "
              f"{worst['tools']['tshark']['wall_s'] / worst['tools']['pcaptls']['wall_s']:.1f}x tshark")


def run_sizes(sizes: list[str], directory: str, repeat: int, tshark: bool, seed: int) -> tuple[list[dict], bool]:
    results, ok = [], True
    for size in sizes:
        path = os.path.join(directory, f"bench-{size.lower()}.pcap")
        if not (os.path.exists(path) and os.path.exists(path + ".expected.json")):
            print(f"generating {path} ...", flush=True)
            generate(parse_size(size), path, seed)
        res, good = run_one(path, repeat, tshark)
        res["size"] = size
        results.append(res)
        ok = ok and good
    rows = [[r["size"], name, t["wall_s"], t["wall_s"] / (r["bytes"] / 1e9), t["cpu_s"] / (r["bytes"] / 1e9),
             t["rss_mb"], t["anon_mb"]] for r in results for name, t in r["tools"].items()]
    print("\nscaling (seconds per GB stay flat if time is linear in size):")
    print(tabulate(rows, headers=["size", "tool", "wall s", "wall s per GB", "cpu s per GB", "peak RSS MB",
                                  "peak anon MB"], floatfmt=("", "", ".2f", ".2f", ".2f", ".0f", ".0f")))
    return results, ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("capture", nargs="?", help="a capture made by bench.generate (its .expected.json beside it)")
    ap.add_argument("--sizes", help="comma-separated sizes (100M,500M,1G): generate if missing, run each")
    ap.add_argument("--profiles", help=f"comma-separated traffic profiles ({','.join(PROFILES)}) at --size each")
    ap.add_argument("--size", default="1G", help="size of each --profiles capture (default 1G)")
    ap.add_argument("--variants", default="", help="format variants of each --profiles capture: pcapng,gzip")
    ap.add_argument("--dir", default="/tmp", help="where --sizes keeps its captures (default /tmp)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed for --sizes (default 1)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; the median wall time is shown")
    ap.add_argument("--no-tshark", action="store_true", help="skip tshark and the comparison with it")
    ap.add_argument("--json", help="write all measurements and checks to this file")
    args = ap.parse_args(argv)
    if sum(map(bool, (args.capture, args.sizes, args.profiles))) != 1:
        ap.error("give one of: a capture, --sizes, --profiles")
    tshark = not args.no_tshark and shutil.which("tshark") is not None
    info = machine()
    print(", ".join(f"{k}: {v}" for k, v in info.items()))
    if args.profiles:
        results, ok = run_profiles(args.profiles.split(","), args.size, [v for v in args.variants.split(",") if v],
                                   args.dir, args.repeat, tshark, args.seed)
    elif args.sizes:
        results, ok = run_sizes(args.sizes.split(","), args.dir, args.repeat, tshark, args.seed)
    else:
        res, ok = run_one(args.capture, args.repeat, tshark)
        results = [res]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": info, "results": results, "ok": ok}, f, indent=1)
            f.write("\n")
    print("\nOK: pcaptls agrees" if ok else "\nFAILED: see the disagreements above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
