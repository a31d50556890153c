"""Captures built to blow up memory. Owns: deterministic generators of hostile captures for the memory-bound
suite (tests/test_memory_hostile.py) and for measuring by hand. Imports: nothing from pcaptls.

    python -m bench.hostile PROFILE OUT.pcap [--count N]

Profiles (every flow from its own client address, so a report has one row per flow):

- ``ooo``: N flows (200,000) that start a ClientHello and then send a segment past a hole that is never
  filled; none closes, all inside one minute (nothing idles out): out-of-order data held in every flow.
- ``dns``: N DNS answers (1,000,000) for distinct addresses and names, 10 per response, then TLS
  connections without SNI to some of those addresses (so the name table is used).
- ``halfopen``: N SYNs (1,000,000) to distinct 4-tuples, never answered.
- ``extensions``: N connections (2,000) whose ClientHello carries 10,000 extensions (a 40 KB hello over
  28 segments), answered by a ServerHello and encrypted data both ways, never closed: each flow keeps a
  parsed, complete handshake.
- ``bighandshake``: N connections (20) with a 16 MB handshake message each, in 1460-byte segments: a
  ClientHello (a message pcaptls keeps) or, after a ServerHello, a Certificate (one it steps over).

Frames are Ethernet + IPv4 + TCP/UDP, classic pcap with microsecond timestamps; the same profile and count
give byte-identical files.
"""
from __future__ import annotations

import argparse
import struct
import sys
from collections.abc import Iterator

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
REC = struct.Struct("<IIII")
ETH = bytes.fromhex("020000000002" "020000000001" "0800")
START_US = 1_700_000_000 * 10**6
SYN, ACK, PSH = 0x02, 0x10, 0x08
SERVER = bytes([10, 200, 0, 1])
DNS_SERVER = bytes([10, 200, 0, 53])
MSS = 1460
DEFAULT_COUNTS = {"ooo": 200_000, "dns": 1_000_000, "halfopen": 1_000_000, "extensions": 2_000, "bighandshake": 20}


def client_ip(i: int) -> bytes:
    """Distinct addresses 10.0.0.1 ... (up to 2**24 of them)."""
    i += 1
    return bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])


def _ip(src: bytes, dst: bytes, proto: int, body: bytes) -> bytes:
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0x4000, 64, proto, 0, src, dst) + body


def tcp(src: bytes, sport: int, dst: bytes, dport: int, seq: int, ack: int, flags: int, payload: bytes = b"") -> bytes:
    return ETH + _ip(src, dst, 6, struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                                              0x50, flags, 65535, 0, 0) + payload)


def udp(src: bytes, sport: int, dst: bytes, dport: int, payload: bytes) -> bytes:
    return ETH + _ip(src, dst, 17, struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload)


def _ext(kind: int, body: bytes) -> bytes:
    return struct.pack(">HH", kind, len(body)) + body


def client_hello(extensions: bytes | None = None, sni: bytes | None = b"hostile.example") -> bytes:
    """A TLS 1.2/1.3 ClientHello record (one record, so at most 16 KB of body unless the caller splits it)."""
    if extensions is None:
        extensions = (_ext(10, bytes.fromhex("0006001d00170018")) + _ext(13, bytes.fromhex("0006040308040401"))
                      + _ext(43, bytes.fromhex("0403040303")) + _ext(51, bytes.fromhex("0024001d0020") + bytes(32)))
        if sni is not None:
            name = struct.pack(">BH", 0, len(sni)) + sni
            extensions = _ext(0, struct.pack(">H", len(name)) + name) + extensions
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + bytes.fromhex("0006130113021303") + b"\x01\x00"
            + struct.pack(">H", len(extensions)) + extensions)
    msg = b"\x01" + len(body).to_bytes(3, "big") + body
    return _records(0x16, msg)


def _records(content_type: int, data: bytes) -> bytes:
    out = []
    for i in range(0, len(data), 16384):
        chunk = data[i:i + 16384]
        out.append(struct.pack(">BHH", content_type, 0x0303, len(chunk)) + chunk)
    return b"".join(out)


SERVER_HELLO = _records(0x16, b"\x02" + (38 + 2 + 6).to_bytes(3, "big") + b"\x03\x03" + bytes(32) + b"\x00"
                        + b"\x13\x01\x00" + b"\x00\x06" + _ext(43, b"\x03\x04"))
SERVER_HELLO_12 = _records(0x16, b"\x02" + (38 + 2).to_bytes(3, "big") + b"\x03\x03" + bytes(32) + b"\x00"
                           + b"\xc0\x2f\x00" + b"\x00\x00")       # TLS 1.2: what follows is in the clear
APP_DATA = _records(0x17, bytes(100))


class Writer:
    """Records in time order into a classic pcap."""

    def __init__(self, out) -> None:
        self.out = out
        out.write(PCAP_HEADER)

    def __call__(self, ts_us: int, frame: bytes) -> None:
        self.out.write(REC.pack(ts_us // 10**6, ts_us % 10**6, len(frame), len(frame)))
        self.out.write(frame)


def _segments(data: bytes) -> Iterator[tuple[int, bytes]]:
    for i in range(0, len(data), MSS):
        yield i, data[i:i + MSS]


def ooo(w: Writer, count: int) -> None:
    hello = client_hello()
    head = hello[:200]                   # the first part of the hello ...
    later = bytes(1000)                  # ... and data 300 bytes past its end, never filled in
    step = max(60 * 10**6 // count, 1)
    for i in range(count):
        c, ts, isn = client_ip(i), START_US + i * step, 1000 + i
        w(ts, tcp(c, 40000, SERVER, 443, isn, 0, SYN))
        w(ts + 1, tcp(c, 40000, SERVER, 443, isn + 1, 1, ACK | PSH, head))
        w(ts + 2, tcp(c, 40000, SERVER, 443, isn + 1 + len(hello) + 300, 1, ACK, later))


def _dns_response(qid: int, name: bytes, ips: list[bytes]) -> bytes:
    qname = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\x00"
    answers = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 3600, 4) + ip for ip in ips)
    return struct.pack(">HHHHHH", qid & 0xFFFF, 0x8180, 1, len(ips), 0, 0) + qname + b"\x00\x01\x00\x01" + answers


def dns(w: Writer, count: int) -> None:
    per = 10
    hello = client_hello(sni=None)
    for m in range(count // per):
        ts = START_US + m * 50
        ips = [bytes([11 + ((m * per + k) >> 24), ((m * per + k) >> 16) & 0xFF, ((m * per + k) >> 8) & 0xFF,
                      (m * per + k) & 0xFF]) for k in range(per)]
        w(ts, udp(DNS_SERVER, 53, client_ip(0), 5353 + m % 1000, _dns_response(m, b"n%d.hostile.example" % m, ips)))
        if m % 100 == 0:                 # a connection to the first of them, named from the capture's DNS
            c = client_ip(1 + m // 100)
            w(ts + 1, tcp(c, 40000, ips[0], 443, 1000, 0, SYN))
            w(ts + 2, tcp(c, 40000, ips[0], 443, 1001, 1, ACK | PSH, hello))


def halfopen(w: Writer, count: int) -> None:
    step = max(60 * 10**6 // count, 1)
    for i in range(count):
        w(START_US + i * step, tcp(client_ip(i), 40000 + i % 20000, SERVER, 443, 1000 + i, 0, SYN))


def extensions(w: Writer, count: int, per_hello: int = 10_000) -> None:
    body = b"".join(_ext(0xFAFA if k % 2 else 0x0A0A + (k % 7) * 0x1010, b"") for k in range(per_hello))
    hello = client_hello(extensions=body)
    for i in range(count):
        c, ts = client_ip(i), START_US + i * 10_000
        w(ts, tcp(c, 40000, SERVER, 443, 1000, 0, SYN))
        w(ts + 1, tcp(SERVER, 443, c, 40000, 5000, 1001, SYN | ACK))
        for off, seg in _segments(hello):
            w(ts + 2, tcp(c, 40000, SERVER, 443, 1001 + off, 5001, ACK | PSH, seg))
        w(ts + 3, tcp(SERVER, 443, c, 40000, 5001, 1001 + len(hello), ACK | PSH, SERVER_HELLO + APP_DATA))
        w(ts + 4, tcp(c, 40000, SERVER, 443, 1001 + len(hello), 5001 + len(SERVER_HELLO) + len(APP_DATA), ACK | PSH,
                      APP_DATA))


def bighandshake(w: Writer, count: int, size: int = (16 << 20) - 1) -> None:
    """Even connections: a 16 MB ClientHello (a message pcaptls keeps: cut at its limit); odd ones: a normal
    hello answered by a ServerHello and a 16 MB Certificate (a message it steps over unbuffered)."""
    hello = client_hello()
    big_hello = _records(0x16, b"\x01" + size.to_bytes(3, "big") + b"\x03\x03" + bytes(size - 2))
    flight = SERVER_HELLO_12 + _records(0x16, b"\x0b" + size.to_bytes(3, "big") + bytes(size))
    for i in range(count):
        c, ts = client_ip(i), START_US + i * 10**6
        w(ts, tcp(c, 40000, SERVER, 443, 1000, 0, SYN))
        w(ts + 1, tcp(SERVER, 443, c, 40000, 5000, 1001, SYN | ACK))
        if i % 2 == 0:
            for off, seg in _segments(big_hello):
                w(ts + 2 + off // MSS, tcp(c, 40000, SERVER, 443, 1001 + off, 5001, ACK | PSH, seg))
            continue
        w(ts + 2, tcp(c, 40000, SERVER, 443, 1001, 5001, ACK | PSH, hello))
        for off, seg in _segments(flight):
            w(ts + 3 + off // MSS, tcp(SERVER, 443, c, 40000, 5001 + off, 1001 + len(hello), ACK | PSH, seg))


PROFILES = {"ooo": ooo, "dns": dns, "halfopen": halfopen, "extensions": extensions, "bighandshake": bighandshake}


def write(profile: str, path: str, count: int | None = None) -> None:
    with open(path, "wb") as f:
        PROFILES[profile](Writer(f), DEFAULT_COUNTS[profile] if count is None else count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", choices=sorted(PROFILES))
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=None)
    args = parser.parse_args(argv)
    write(args.profile, args.out, args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
