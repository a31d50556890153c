"""The benchmark's traffic profiles (bench/profiles.py, bench/generate.py --profile): deterministic, with expected
answers that pcaptls, tshark and every format variant agree on, and the same output whatever pcaptls runs on
(one or two processes, with or without the C accelerator)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from bench import run as bench_run
from bench.generate import generate
from bench.profiles import PROFILES, dns_response, server_names, with_sni
from bench.variants import make as make_variant
from tests.conftest import ROOT

SIZES = {"client": 6_000_000, "dense": 3_000_000}
SYN = 0x02


@pytest.fixture(scope="module", params=sorted(SIZES))
def profile_capture(request, tmp_path_factory) -> tuple[str, str]:
    path = str(tmp_path_factory.mktemp(request.param) / f"{request.param}.pcap")
    generate(SIZES[request.param], path, seed=5, profile=request.param)
    return request.param, path


def _inspect(path: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pcaptls", "inspect", path, "--format", "jsonl", *args],
                          capture_output=True, check=True, cwd=ROOT, env=env)


def _rows(stdout: bytes) -> list[dict]:
    return sorted((json.loads(line) for line in stdout.splitlines() if line.strip()), key=lambda r: r["conn"])


def test_same_size_and_seed_give_the_same_file(tmp_path) -> None:
    digests = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.pcap"
        generate(1_500_000, str(path), seed=9, profile="dense")
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_the_profiles_are_what_they_say(profile_capture) -> None:
    profile, path = profile_capture
    with open(path + ".expected.json", encoding="utf-8") as f:
        doc = json.load(f)
    summary, expected = doc["summary"], doc["expected"]
    assert summary["profile"] == profile
    if profile == "client":
        assert summary["clients"] <= 2 and summary["dns_responses"] == 2 * summary["connections"]
    else:
        assert summary["clients"] > 300 and summary["connections"] / (summary["bytes"] / 1e9) > 100_000
        assert 0.5 * summary["connections"] < summary["dns_responses"] / 2 < summary["connections"]
    assert {r["name_source"] for r in expected} >= {"sni", "dns"}
    assert any(r["aws_region"] for r in expected)


def test_pcaptls_gives_the_expected_answers_names_included(profile_capture) -> None:
    _profile, path = profile_capture
    rows = _rows(_inspect(path, "--jobs", "1").stdout)
    assert bench_run.compare_rows("pcaptls", rows, bench_run.load_expected(path)) == []


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_tshark_reads_the_same_hellos(profile_capture, tmp_path) -> None:
    """The oracle: tshark (out-of-order reassembly on) lists the hellos the generator put in."""
    _profile, path = profile_capture
    tools = dict((name, (argv, out)) for name, argv, out in bench_run.tool_commands(path, str(tmp_path), True))
    argv, out = tools["tshark"]
    with open(out, "wb") as f:
        subprocess.run(argv, stdout=f, check=True)
    want = bench_run.hellos_per_tuple(bench_run.load_expected(path))
    assert bench_run.compare_tuples("tshark", bench_run.tshark_hellos(out), want) == []


def test_format_variants_give_the_same_rows(profile_capture) -> None:
    _profile, path = profile_capture
    plain = _inspect(path, "--jobs", "1").stdout
    for variant in ("pcapng", "gzip"):
        other = make_variant(path, variant)
        assert _rows(_inspect(other, "--jobs", "1").stdout) == [
            {**r, "capture": other} if "capture" in r else r for r in _rows(plain)]


def test_one_or_two_processes_and_the_pure_python_path_write_the_same_bytes(profile_capture) -> None:
    _profile, path = profile_capture
    env = {k: v for k, v in os.environ.items() if k != "PCAPTLS_PURE_PYTHON"}
    one = _inspect(path, "--jobs", "1", env=env)
    two = _inspect(path, "--jobs", "2", env=env)
    pure = _inspect(path, "--jobs", "1", env={**env, "PCAPTLS_PURE_PYTHON": "1"})
    assert one.stdout == two.stdout == pure.stdout and one.stdout.count(b"\n") > 40
    assert one.stderr == two.stderr == pure.stderr


def test_rebuilt_hello_names_the_server_and_keeps_its_size() -> None:
    from bench.templates import load_templates
    tpl = next(t for t in load_templates() if t.name.startswith("live/tls13.pcap"))
    hello = tpl.messages[0][1]
    name = b"secretsmanager.ap-southeast-2.amazonaws.com"
    new = with_sni(hello, name)
    assert new is not None and name in new and tpl.sni not in new
    assert len(new) == len(hello)                      # the padding extension took the difference


def test_dns_answers_carry_the_chain_and_every_address() -> None:
    from pcaptls.enrich.dnsmsg import parse_dns_message
    for entry in server_names(40):
        for qtype, addrs in ((1, entry.v4), (28, entry.v6)):
            msg = parse_dns_message(dns_response(0x1234, entry, qtype))
            got = [rr.value for rr in msg.answers]
            assert msg.questions[0].name == entry.name.decode()
            assert got[:len(entry.chain)] == [c.decode() for c in entry.chain]
            assert len(got) == len(entry.chain) + len(addrs)


def test_every_profile_is_listed() -> None:
    assert set(PROFILES) == {"bulk", "client", "dense"}


def _option_kinds(options: bytes) -> list[int]:
    kinds, i = [], 0
    while i < len(options):
        kinds.append(options[i])
        i += 1 if options[i] in (0, 1) else options[i + 1]
    return kinds


def _tcp_options(path: str) -> list[tuple[int, list[int]]]:
    """(TCP flags, option kinds) of every TCP segment, through dpkt (not pcaptls)."""
    import dpkt
    out = []
    with open(path, "rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            eth = dpkt.ethernet.Ethernet(buf)
            ip = eth.data
            if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)) and isinstance(ip.data, dpkt.tcp.TCP):
                out.append((ip.data.flags, _option_kinds(bytes(ip.data.opts))))
    return out


def test_the_kernel_like_tcp_options_are_what_linux_sent_in_the_live_fixtures(profile_capture) -> None:
    """The model against a recording: SYN and SYN-ACK options in Linux's order, a timestamp option on
    every later segment, as fixtures/captures/live/tls13.pcap (Linux 6.x on loopback, tcpdump) shows."""
    from tests.conftest import CAPTURES
    _profile, path = profile_capture
    live = _tcp_options(str(CAPTURES / "live" / "tls13.pcap"))
    generated = _tcp_options(path)
    syn_kinds = {tuple(k) for flags, k in live if flags & SYN}
    assert syn_kinds == {(2, 4, 8, 1, 3)}                        # MSS, SACK-permitted, TS, NOP, WS
    assert {tuple(k) for flags, k in generated if flags & SYN} == syn_kinds
    assert {tuple(k) for flags, k in live if not flags & SYN} == {(1, 1, 8)}
    assert {tuple(k) for flags, k in generated if not flags & SYN} == {(1, 1, 8)}
