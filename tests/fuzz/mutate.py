"""Byte mutations for the fuzz harness. Owns: where the interesting offsets of a capture, archive or
compressed stream are (record, block, header and TLS record starts), the mutation operators, and
compressing a mutated capture. Imports: stdlib, zstandard.

Every function takes a ``random.Random`` and is deterministic for its state: the same seed gives the same
bytes. Each operator returns the new bytes and a short description ("bitflip@1234"), which the harness
writes next to a failing case so it can be read without re-running anything.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import random
import struct

import zstandard

# Integers that break length and count checks: zero, sign boundaries, all-ones, the capture reader's own
# bounds (MAX_CAPLEN 256 KiB and one past it); "len±1" is added per offset from the value found there.
INTERESTING = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x40000, 0x40001, 0x7FFFFFFF,
               0x80000000, 0xFFFFFFFF)
COMPRESSIONS = ("gzip", "bzip2", "xz", "zstd")
MAX_SIZE = 1 << 20                  # a case stays small: duplication and splicing stop growing it here
_HOT_BIAS = 0.7                     # how often an offset is taken near a structure start instead of anywhere
_WALK = 600                         # records or blocks walked per file for structure starts

_PCAP = {b"\xd4\xc3\xb2\xa1": ("<", 16), b"\xa1\xb2\xc3\xd4": (">", 16), b"\x4d\x3c\xb2\xa1": ("<", 16),
         b"\xa1\xb2\x3c\x4d": (">", 16), b"\x34\xcd\xb2\xa1": ("<", 24), b"\xa1\xb2\xcd\x34": (">", 24)}
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


def compress(kind: str, data: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(data, mtime=0)
    if kind == "bzip2":
        return bz2.compress(data)
    if kind == "xz":
        return lzma.compress(data, format=lzma.FORMAT_XZ)
    if kind == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(kind)


def decompress(data: bytes) -> bytes | None:
    """The content of a gzip or zstd seed (the compressed fixtures), or None if it is not compressed."""
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:4] == b"\x28\xb5\x2f\xfd":
            return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    except (OSError, EOFError, zstandard.ZstdError):
        return None
    return None


def _pcap_starts(data: bytes, order: str, hlen: int) -> list[int]:
    out = [0, 4, 6, 8, 16, 20]                            # magic, version, thiszone, snaplen, network
    pos = 24
    for _ in range(_WALK):
        if pos + hlen > len(data):
            break
        caplen = struct.unpack_from(order + "I", data, pos + 8)[0]
        frame = pos + hlen
        # record header (caplen, origlen), Ethernet type, IP header (length, protocol), TCP header (data
        # offset, flags), the first payload byte
        out += [pos, pos + 8, pos + 12, frame, frame + 12, frame + 14, frame + 16, frame + 23, frame + 34,
                frame + 46, frame + 47, frame + 54]
        pos = frame + caplen
    return out


def _pcapng_starts(data: bytes) -> list[int]:
    out = []
    pos = 0
    order = "<"
    for _ in range(_WALK):
        if pos + 12 > len(data):
            break
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":
            order = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(order + "II", data, pos)
        # block type and length, the body, EPB interface id / lengths, the packet, the trailing length
        out += [pos, pos + 4, pos + 8, pos + 12, pos + 20, pos + 24, pos + 28, pos + 40, pos + 42]
        if blen < 12 or blen % 4:
            break
        out.append(pos + blen - 4)
        pos += blen
    return out


def _tar_starts(data: bytes) -> list[int]:
    out = []
    pos = 0
    for _ in range(_WALK):
        if pos + 512 > len(data) or data[pos + 257:pos + 262] != b"ustar":
            break
        # name, mode, size, mtime, checksum, type flag, link name, magic, the member's first bytes
        out += [pos, pos + 100, pos + 124, pos + 136, pos + 148, pos + 156, pos + 157, pos + 257, pos + 512]
        try:
            size = int(data[pos + 124:pos + 136].rstrip(b"\x00 ") or b"0", 8)
        except ValueError:
            break
        pos += 512 + (size + 511) // 512 * 512
    return out + [pos]


def _zip_starts(data: bytes) -> list[int]:
    out = []
    for sig, fields in ((b"PK\x03\x04", (4, 6, 8, 14, 18, 22, 26, 28, 30)),
                        (b"PK\x01\x02", (4, 8, 10, 16, 20, 24, 28, 30, 34, 42, 46)),
                        (b"PK\x05\x06", (4, 8, 10, 12, 16, 20))):
        pos = data.find(sig)
        while pos >= 0 and len(out) < 8 * _WALK:
            out += [pos + f for f in (0, *fields)]
            pos = data.find(sig, pos + 4)
    return out


def _tls_starts(data: bytes) -> list[int]:
    """Where a TLS handshake or alert record seems to start: its header, the handshake header, the
    ClientHello's version, session id length and cipher suites length (with an empty session id)."""
    out = []
    for marker in (b"\x16\x03", b"\x15\x03"):
        pos = data.find(marker)
        while pos >= 0 and len(out) < 8 * _WALK:
            out += [pos, pos + 3, pos + 5, pos + 6, pos + 9, pos + 43, pos + 44, pos + 46]
            pos = data.find(marker, pos + 2)
    return out


def hot_offsets(data: bytes) -> list[int]:
    """Offsets where structure starts (sorted, in range): record and block headers of pcap/pcapng, tar
    headers, zip headers, the header and trailer of a compressed stream, TLS records inside frames."""
    head = data[:6]
    out = [0]
    if head[:4] in _PCAP:
        out += _pcap_starts(data, *_PCAP[head[:4]])
    elif head[:4] == b"\x0a\x0d\x0d\x0a":
        out += _pcapng_starts(data)
    elif head.startswith(_COMPRESSED):
        out += [1, 2, 3, 4, 8, 10, 12, len(data) - 12, len(data) - 8, len(data) - 4]
    elif data[257:262] == b"ustar":
        out += _tar_starts(data)
    if b"PK" in data[:4] or b"PK\x05\x06" in data[-256:]:
        out += _zip_starts(data)
    if not head.startswith(_COMPRESSED):
        out += _tls_starts(data)
    return sorted({o for o in out if 0 <= o < len(data)}) or [0]


def pick_offset(rng: random.Random, data: bytes, hot: list[int]) -> int:
    if not data:
        return 0
    if rng.random() < _HOT_BIAS:
        base = rng.choice(hot)
        return min(len(data) - 1, base + (rng.randrange(8) if rng.random() < 0.5 else 0))
    return rng.randrange(len(data))


def _bitflip(rng, data, hot, other):
    buf = bytearray(data)
    pos = pick_offset(rng, data, hot)
    for _ in range(rng.choice((1, 1, 2, 4, 8))):
        p = min(len(buf) - 1, pos + rng.randrange(4))
        buf[p] ^= 1 << rng.randrange(8)
    return bytes(buf), f"bitflip@{pos}"


def _byteset(rng, data, hot, other):
    buf = bytearray(data)
    pos = pick_offset(rng, data, hot)
    if rng.random() < 0.15:             # a run of one value: a zeroed block, a page of 0xff
        n, fill = rng.choice((16, 512, 4096)), rng.choice((0, 0, 0xFF))
        buf[pos:pos + n] = bytes([fill]) * min(n, len(buf) - pos)
        return bytes(buf), f"fill{fill:#x}@{pos}+{n}"
    n = rng.choice((1, 1, 2, 4, 8))
    buf[pos:pos + n] = bytes(rng.randrange(256) for _ in range(n))[:len(buf) - pos]
    return bytes(buf), f"byteset@{pos}+{n}"


def _interesting(rng, data, hot, other):
    width = rng.choice((1, 2, 2, 4, 4))
    order = rng.choice("<>")
    pos = min(pick_offset(rng, data, hot), max(0, len(data) - width))
    fmt = order + {1: "B", 2: "H", 4: "I"}[width]
    if len(data) < width:
        return data, "interesting:short"
    if rng.random() < 0.3:      # a length or count one off from what is there
        old = struct.unpack_from(fmt, data, pos)[0]
        value = (old + rng.choice((-1, 1))) % (1 << (8 * width))
        what = f"len{'+' if value == (old + 1) % (1 << (8 * width)) else '-'}1"
    else:
        value = rng.choice(INTERESTING) & ((1 << (8 * width)) - 1)
        what = hex(value)
    return data[:pos] + struct.pack(fmt, value) + data[pos + width:], f"int{width}{order}{what}@{pos}"


def _truncate(rng, data, hot, other):
    pos = pick_offset(rng, data, hot)
    if rng.random() < 0.3:
        pos = max(0, pos - rng.randrange(1, 4))             # just before a header ends
    return data[:pos], f"truncate@{pos}"


def _chunk(rng, data, hot):
    """A chunk from one structure start to the next (a whole record), or a random short run."""
    if rng.random() < 0.5 and len(hot) > 1:
        i = rng.randrange(len(hot) - 1)
        j = min(len(hot) - 1, i + rng.randrange(1, 12))
        return hot[i], hot[j]
    start = rng.randrange(len(data))
    return start, min(len(data), start + rng.randrange(1, 257))


def _duplicate(rng, data, hot, other):
    if not data:
        return data, "duplicate:empty"
    start, end = _chunk(rng, data, hot)
    if len(data) + end - start > MAX_SIZE:
        return data, "duplicate:too-big"
    return data[:end] + data[start:end] + data[end:], f"duplicate@{start}:{end}"


def _remove(rng, data, hot, other):
    if not data:
        return data, "remove:empty"
    start, end = _chunk(rng, data, hot)
    return data[:start] + data[end:], f"remove@{start}:{end}"


def _splice(rng, data, hot, other):
    """The head of this input up to a structure start, then the other seed from one of its own."""
    name, other_data = other
    other_hot = hot_offsets(other_data)
    cut = rng.choice(hot)
    at = rng.choice(other_hot)
    if rng.random() < 0.5:                                    # head of ours + tail of theirs
        out, what = data[:cut] + other_data[at:], f"splice@{cut}+{name}@{at}"
    else:                                                     # one chunk of theirs inserted into ours
        start, end = _chunk(rng, other_data, other_hot)
        out, what = data[:cut] + other_data[start:end] + data[cut:], f"insert@{cut}<{name}@{start}:{end}"
    return out[:MAX_SIZE], what


OPERATORS = {"bitflip": _bitflip, "byteset": _byteset, "interesting": _interesting, "truncate": _truncate,
             "duplicate": _duplicate, "remove": _remove, "splice": _splice}
# truncation and splicing end a file's structure: they are drawn less often than the in-place damage
_WEIGHTS = {"bitflip": 6, "byteset": 5, "interesting": 8, "truncate": 1, "duplicate": 2, "remove": 2, "splice": 2}


def mutate(rng: random.Random, data: bytes, other: tuple[str, bytes], ops: int) -> tuple[bytes, list[str]]:
    """``ops`` operators in a row (structure offsets recomputed after each); ``other`` is (name, bytes)
    of a second seed for splicing."""
    done = []
    names, weights = list(_WEIGHTS), list(_WEIGHTS.values())
    for _ in range(ops):
        op = rng.choices(names, weights)[0]
        if not data:
            break
        data, what = OPERATORS[op](rng, data, hot_offsets(data), other)
        done.append(what)
    return data, done
