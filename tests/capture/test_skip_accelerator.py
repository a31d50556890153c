"""The C accelerator of the capture fast path (pcaptls/capture/_skip.c) against the pure-Python loops:
same frames yielded, same counts in the ignore entries, same skipped total, same counters, same error at
the same offset, on every classic pcap record layout (byte orders, ns, modified headers) and on pcapng
(sections in both byte orders, interfaces of several time resolutions and offsets, non-Ethernet
interfaces, other block types between the packets), IPv4 and IPv6, frames that must not be skipped
(SYN/FIN/RST, fragments, options, other protocols, VLAN, short frames) and damaged files."""
from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pcaptls.capture import files, framing
from pcaptls.errors import CaptureError
from tests.capture.builders import epb, idb, isb, nrb, pb, pcap_file, pcap_header, pcap_record, shb, spb

pytestmark = pytest.mark.skipif(framing._PcapSkipper is None or framing._EpbSkipper is None,
                                reason="the C accelerator is not built here")

ROOT = Path(__file__).resolve().parents[2]


def ipv4_tcp(src: int, dst: int, sport: int, dport: int, flags: int = 0x18, payload: bytes = b"x" * 20, *,
             ihl: int = 5, frag: int = 0x4000, proto: int = 6, ethertype: int = 0x0800) -> bytes:
    options = b"\x01" * (4 * (ihl - 5))
    tcp = struct.pack(">HHIIBBHHH", sport, dport, 1, 2, 5 << 4, flags, 1024, 0, 0)
    total = 4 * ihl + len(tcp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, frag, 64, proto, 0,
                     src.to_bytes(4, "big"), dst.to_bytes(4, "big")) + options
    return b"\x02" * 12 + ethertype.to_bytes(2, "big") + ip + tcp + payload


def ipv6_tcp(src: int, dst: int, sport: int, dport: int, flags: int = 0x10, payload: bytes = b"y" * 30, *,
             nexthdr: int = 6) -> bytes:
    tcp = struct.pack(">HHIIBBHHH", sport, dport, 1, 2, 5 << 4, flags, 1024, 0, 0)
    ip = struct.pack(">IHBB16s16s", 6 << 28, len(tcp) + len(payload), nexthdr, 64,
                     src.to_bytes(16, "big"), dst.to_bytes(16, "big"))
    return b"\x02" * 12 + b"\x86\xdd" + ip + tcp + payload


def key_of(frame: bytes) -> bytes | None:
    if frame[12:14] == b"\x08\x00":
        return frame[26:38]
    if frame[12:14] == b"\x86\xdd":
        return frame[22:58]
    return None


def mixed_frames(seed: int, n: int = 400) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a, b = rng.randrange(8), rng.randrange(8)
        kind = rng.randrange(12)
        if kind < 6:
            out.append(ipv4_tcp(0x0A000000 + a, 0x0A000100 + b, 40000 + a, 443, payload=bytes(rng.randrange(0, 80))))
        elif kind < 9:
            out.append(ipv6_tcp(a, 1 << 64 | b, 50000 + a, 443, payload=bytes(rng.randrange(0, 80))))
        elif kind == 9:                     # flags the fast path must leave to Python
            out.append(rng.choice([ipv4_tcp(0x0A000000 + a, 0x0A000100 + b, 40000 + a, 443, flags=f)
                                   for f in (0x02, 0x11, 0x04, 0x12)]))
        elif kind == 10:                    # IP options, fragments, UDP, VLAN, IPv6 extension header
            out.append(rng.choice([
                ipv4_tcp(0x0A000000 + a, 0x0A000100 + b, 40000 + a, 443, ihl=6),
                ipv4_tcp(0x0A000000 + a, 0x0A000100 + b, 40000 + a, 443, frag=0x2000),
                ipv4_tcp(0x0A000000 + a, 0x0A000100 + b, 40000 + a, 443, proto=17),
                ipv4_tcp(0x0A000000 + a, 0x0A000100 + b, 40000 + a, 443, ethertype=0x8100),
                ipv6_tcp(a, 1 << 64 | b, 50000 + a, 443, nexthdr=0),
            ]))
        else:                               # short frames (under 54 / 74 bytes)
            out.append(rng.choice([b"\x02" * 12 + b"\x08\x00" + bytes(30), ipv6_tcp(a, b, 1, 2, payload=b"")[:70]]))
    return out


def read(data: bytes, ignore_keys: set[bytes], accelerated: bool, monkeypatch: pytest.MonkeyPatch,
         tmp_path: Path) -> tuple[list, dict, int, tuple | None, dict]:
    folder = tmp_path / ("c" if accelerated else "py")
    folder.mkdir(exist_ok=True)
    path = folder / "capture.pcap"          # the same name: errors name the file
    path.write_bytes(data)
    with monkeypatch.context() as m:
        if not accelerated:
            m.setattr(framing, "_PcapSkipper", None)
            m.setattr(framing, "_EpbSkipper", None)
        ignore = {k: [0, 0, 0] for k in ignore_keys}
        reader = files.open_capture(str(path))
        reader.ignore = ignore
        got, error = [], None
        try:
            for item in reader:
                got.append(item)
        except CaptureError as exc:
            error = (str(exc).replace(str(folder), ""), exc.offset)
        reader.close()
    return got, ignore, reader.skipped, error, dict(reader.counters)


@pytest.mark.parametrize("layout", [
    {}, {"endian": ">"}, {"nano": True}, {"modified": True}, {"endian": ">", "nano": True},
])
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("damage", [None, "cut", "caplen"])
def test_same_frames_counts_and_errors(layout: dict, seed: int, damage: str | None,
                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rng = random.Random(seed)
    frames = mixed_frames(seed)
    data = pcap_file([(1_700_000_000 + i, rng.randrange(999_999), f) for i, f in enumerate(frames)], **layout)
    if damage == "cut":
        data = data[:len(data) - rng.randrange(1, 60)]
    elif damage == "caplen":                # an impossible length in a record two thirds in
        pos = 24
        hlen = 24 if layout.get("modified") else 16
        for _ in range(len(frames) * 2 // 3):
            caplen = struct.unpack_from(layout.get("endian", "<") + "I", data, pos + 8)[0]
            pos += hlen + caplen
        data = data[:pos + 8] + struct.pack(layout.get("endian", "<") + "I", 1 << 30) + data[pos + 12:]
    keys = {k for f in frames if (k := key_of(f)) is not None}
    ignore_keys = {k for k in sorted(keys) if rng.random() < 0.7}
    c = read(data, ignore_keys, True, monkeypatch, tmp_path)
    py = read(data, ignore_keys, False, monkeypatch, tmp_path)
    assert c == py
    assert c[2] > len(frames) // 4          # the run did skip frames (the test can tell the paths apart)


def pcapng_file(frames: list[bytes], rng: random.Random) -> bytes:
    """Two sections (the second big-endian) with interfaces of several resolutions and offsets, a raw-IP
    interface, and other blocks between the packets."""
    out = b""
    for endian, chunk in (("<", frames[:len(frames) // 2]), (">", frames[len(frames) // 2:])):
        out += shb(endian=endian)
        out += idb(1, endian=endian)                                           # microseconds
        out += idb(1, endian=endian, tsresol=9, tsoffset=-3)                   # nanoseconds, an offset
        out += idb(1, endian=endian, tsresol=0x80 | 20)                        # 2^-20 s
        out += idb(1, endian=endian, tsresol=12)                               # picoseconds
        out += idb(101, endian=endian)                                         # raw IP: never skipped here
        for frame in chunk:
            kind = rng.randrange(20)
            if kind == 0:
                out += spb(frame, endian=endian)
            elif kind == 1:
                out += pb(rng.randrange(5), rng.randrange(1 << 50), frame, endian=endian)
            elif kind == 2:
                out += nrb(endian=endian) + isb(endian=endian)
            else:
                out += epb(rng.randrange(6), rng.randrange(1 << 62), frame, endian=endian)   # iface 5: unknown
    return out


def blocks(data: bytes):
    """(offset, block type, byte order) of each pcapng block."""
    pos, endian = 0, "<"
    while pos + 12 <= len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":
            endian = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(endian + "II", data, pos)
        yield pos, btype, endian
        pos += blen


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("damage", [None, "cut", "length", "trailer"])
def test_pcapng_same_frames_counts_and_errors(seed: int, damage: str | None, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    rng = random.Random(seed)
    frames = mixed_frames(seed)
    data = pcapng_file(frames, rng)
    if damage == "cut":
        data = data[:len(data) - rng.randrange(1, 60)]
    elif damage:                            # an EPB two thirds in: a length or its trailing copy made wrong
        at, endian = next((pos, e) for pos, btype, e in blocks(data) if btype == 6 and pos > len(data) * 2 // 3)
        blen = int.from_bytes(data[at + 4:at + 8], "little" if endian == "<" else "big")
        where = at + 4 if damage == "length" else at + blen - 4
        data = data[:where] + (blen + 4).to_bytes(4, "little" if endian == "<" else "big") + data[where + 4:]
    keys = {k for f in frames if (k := key_of(f)) is not None}
    ignore_keys = {k for k in sorted(keys) if rng.random() < 0.7}
    c = read(data, ignore_keys, True, monkeypatch, tmp_path)
    py = read(data, ignore_keys, False, monkeypatch, tmp_path)
    assert c == py
    assert c[2] > len(frames) // 8


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
@pytest.mark.parametrize("accelerated", [True, False])
def test_mapped_pages_are_released_in_long_runs(fmt: str, accelerated: bool, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    """Both loops, C or not, return at every release point (8 MiB) of a mapped file: pages are handed back
    (RSS stays flat whatever the capture size)."""
    frame = ipv4_tcp(1, 2, 3, 4, payload=bytes(1400))
    if fmt == "pcap":
        data = pcap_header() + b"".join(pcap_record(1, i, frame) for i in range(30000))   # ~43 MB, one flow
    else:
        data = shb() + idb(1) + b"".join(epb(0, i, frame) for i in range(30000))
    path = tmp_path / f"big.{fmt}"
    path.write_bytes(data)
    calls = []
    real = framing.mmap.mmap.madvise
    monkeypatch.setattr(framing.mmap, "mmap", type("M", (framing.mmap.mmap,), {
        "madvise": lambda self, *a: calls.append(a) or real(self, *a)}))
    if not accelerated:
        monkeypatch.setattr(framing, "_PcapSkipper", None)
        monkeypatch.setattr(framing, "_EpbSkipper", None)
    reader = files.open_capture(str(path))
    reader.ignore = {key_of(frame): [0, 0, 0]}
    assert list(reader) == []
    assert reader.skipped == 30000 and reader.ignore[key_of(frame)][0] == 30000
    assert calls and all(a[0] == framing.mmap.MADV_DONTNEED for a in calls), "no pages were released"


def test_inspect_output_is_identical_without_the_accelerator(tmp_path: Path) -> None:
    """A generated benchmark capture (bulk data after every handshake) inspected with and without it."""
    capture = tmp_path / "bench.pcap"
    subprocess.run([sys.executable, "-m", "bench.generate", "--size", "8M", "--out", str(capture), "--seed", "3"],
                   check=True, cwd=ROOT, capture_output=True)
    outs = []
    for pure in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "PCAPTLS_PURE_PYTHON"}
        if pure:
            env["PCAPTLS_PURE_PYTHON"] = "1"
        outs.append(subprocess.run([sys.executable, "-m", "pcaptls", "inspect", str(capture), "--format", "jsonl",
                                    ], capture_output=True, env=env, check=True, cwd=ROOT))
    assert outs[0].stdout == outs[1].stdout and outs[0].stdout.count(b"\n") >= 30
    assert outs[0].stderr == outs[1].stderr
