"""Format variants of a benchmark capture. Owns: rewriting a generated classic pcap as pcapng (one section,
one Ethernet interface with nanosecond timestamps, an Enhanced Packet Block per packet, the options
dumpcap writes: shb_userappl, if_name, if_tsresol) and as gzip (level 6, what `gzip` writes by default),
with the expected list beside each. Imports: nothing of pcaptls (the variants must not come from its reader).

    python -m bench.variants /tmp/bench-dense-1g.pcap pcapng gzip
"""
from __future__ import annotations

import gzip
import os
import shutil
import struct
import sys

PCAP_REC = struct.Struct("<IIII")


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + bytes(-len(value) % 4)


def _block(kind: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", kind, total) + body + struct.pack("<I", total)


def to_pcapng(src: str, dst: str) -> None:
    with open(src, "rb") as f, open(dst, "wb", buffering=1 << 20) as out:
        head = f.read(24)
        magic, _vmaj, _vmin, _tz, _sig, snap, link = struct.unpack("<IHHiIII", head)
        if magic != 0xA1B2C3D4:
            raise ValueError(f"{src}: not a little-endian microsecond pcap")
        shb_opts = _option(4, b"bench.variants (pcaptls)") + _option(0, b"")
        out.write(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts))
        idb_opts = _option(2, b"eth0") + _option(9, b"\x09") + _option(0, b"")
        out.write(_block(1, struct.pack("<HHI", link, 0, snap) + idb_opts))
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, usec, incl, orig = PCAP_REC.unpack(rec)
            data = f.read(incl)
            ns = sec * 1_000_000_000 + usec * 1000
            body = struct.pack("<IIIII", 0, ns >> 32, ns & 0xFFFFFFFF, incl, orig) + data + bytes(-incl % 4)
            out.write(_block(6, body))


def to_gzip(src: str, dst: str) -> None:
    with open(src, "rb") as f, gzip.open(dst, "wb", compresslevel=6) as out:
        shutil.copyfileobj(f, out, 1 << 20)


VARIANTS = {"pcapng": (".pcapng", to_pcapng), "gzip": (".pcap.gz", to_gzip)}


def make(src: str, variant: str) -> str:
    """The variant's path (beside ``src``, made if missing), with ``src``'s expected list beside it."""
    suffix, writer = VARIANTS[variant]
    dst = src[:-len(".pcap")] + suffix if src.endswith(".pcap") else src + suffix
    if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
        writer(src, dst + ".part")
        os.replace(dst + ".part", dst)
    shutil.copyfile(src + ".expected.json", dst + ".expected.json")
    return dst


if __name__ == "__main__":
    for name in sys.argv[2:]:
        print(make(sys.argv[1], name))
