"""Hand-written pcap / pcapng writers for the capture tests (scapy writes one IDB only, STYLE §3.4).

Every field is explicit so tests can build the exact variant they need: byte order, timestamp resolution,
several interfaces and sections, simple/obsolete packet blocks, blocks that must be skipped.
"""
from __future__ import annotations

import struct

# -- classic pcap -------------------------------------------------------------------------------------

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
PCAP_MAGIC_MODIFIED = 0xA1B2CD34


def pcap_header(*, endian: str = "<", magic: int = PCAP_MAGIC_US, linktype: int = 1, snaplen: int = 65535) -> bytes:
    return struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(sec: int, frac: int, frame: bytes, orig_len: int | None = None, *, endian: str = "<",
                modified: bool = False) -> bytes:
    hdr = struct.pack(endian + "IIII", sec, frac, len(frame), len(frame) if orig_len is None else orig_len)
    if modified:
        hdr += struct.pack(endian + "IHBB", 3, 0x0800, 0, 0)   # ifindex, protocol, pkt_type, pad
    return hdr + frame


def pcap_file(records: list[tuple[int, int, bytes]], *, endian: str = "<", nano: bool = False, linktype: int = 1,
              modified: bool = False) -> bytes:
    magic = PCAP_MAGIC_MODIFIED if modified else PCAP_MAGIC_NS if nano else PCAP_MAGIC_US
    out = pcap_header(endian=endian, magic=magic, linktype=linktype)
    for sec, frac, frame in records:
        out += pcap_record(sec, frac, frame, endian=endian, modified=modified)
    return out


# -- pcapng ---------------------------------------------------------------------------------------------

def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def block(btype: int, body: bytes, *, endian: str = "<") -> bytes:
    body = _pad(body)
    total = len(body) + 12
    return struct.pack(endian + "II", btype, total) + body + struct.pack(endian + "I", total)


def option(code: int, value: bytes, *, endian: str = "<") -> bytes:
    return struct.pack(endian + "HH", code, len(value)) + _pad(value)


def end_of_options(endian: str = "<") -> bytes:
    return struct.pack(endian + "HH", 0, 0)


def shb(*, endian: str = "<", options: bytes = b"", major: int = 1) -> bytes:
    body = struct.pack(endian + "IHHq", 0x1A2B3C4D, major, 0, -1) + options
    return block(0x0A0D0D0A, body, endian=endian)


def idb(linktype: int, *, endian: str = "<", snaplen: int = 0, tsresol: int | None = None,
        tsoffset: int | None = None) -> bytes:
    opts = option(2, b"eth0", endian=endian)                           # if_name, to be skipped
    if tsresol is not None:
        opts += option(9, bytes([tsresol]), endian=endian)
    if tsoffset is not None:
        opts += option(14, struct.pack(endian + "q", tsoffset), endian=endian)
    opts += end_of_options(endian)
    return block(1, struct.pack(endian + "HHI", linktype, 0, snaplen) + opts, endian=endian)


def epb(iface: int, ts: int, frame: bytes, orig_len: int | None = None, *, endian: str = "<",
        options: bytes = b"") -> bytes:
    body = struct.pack(endian + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame),
                       len(frame) if orig_len is None else orig_len)
    return block(6, body + _pad(frame) + options, endian=endian)


def spb(frame: bytes, orig_len: int | None = None, *, endian: str = "<") -> bytes:
    return block(3, struct.pack(endian + "I", len(frame) if orig_len is None else orig_len) + frame, endian=endian)


def pb(iface: int, ts: int, frame: bytes, *, endian: str = "<") -> bytes:
    body = struct.pack(endian + "HHIIII", iface, 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
    return block(2, body + _pad(frame), endian=endian)


def nrb(*, endian: str = "<") -> bytes:
    record = struct.pack(endian + "HH", 1, 8) + bytes([10, 0, 0, 1]) + b"a.b\x00"
    return block(4, record + struct.pack(endian + "HH", 0, 0), endian=endian)


def isb(iface: int = 0, *, endian: str = "<") -> bytes:
    return block(5, struct.pack(endian + "III", iface, 0, 0) + end_of_options(endian), endian=endian)


def dsb(*, endian: str = "<") -> bytes:
    secret = b"CLIENT_RANDOM 00 11\n"
    return block(10, struct.pack(endian + "II", 0x544C534B, len(secret)) + secret, endian=endian)


def custom(*, endian: str = "<") -> bytes:
    return block(0x00000BAD, struct.pack(endian + "I", 32473) + b"vendor data", endian=endian)


# -- frames ---------------------------------------------------------------------------------------------

def eth_frame(n: int) -> bytes:
    """A small distinct Ethernet/IPv4/UDP frame (n makes it unique)."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + 4, n, 0, 64, 17, 0, bytes([10, 0, 0, n & 255]), b"\x0a\x00\x00\xfe")
    udp = struct.pack("!HHHH", 1000 + n, 53, 12, 0) + struct.pack("!I", n)
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


def raw_frame(n: int) -> bytes:
    """A raw IPv4/UDP packet (linktype 101)."""
    return eth_frame(n)[14:]
