"""Parse one DNS message and frame TCP DNS streams. Owns: DNS wire format (RFC 1035 4.1), name decompression.
Imports: errors (and stdlib only).

``parse_dns_message(data)`` returns a ``DnsMessage`` with the header fields, the question section and the answer
section. The authority and additional sections are walked for framing only (their records are not returned), except
that an EDNS OPT record's extended RCODE bits are folded into ``rcode``. The whole message must be consumed:
trailing bytes are an error (unless ``trailing_ok``: then they are counted), as is any read past the end.
``split_tcp_dns(stream)`` cuts a TCP DNS byte stream (RFC 1035 4.2.2: a 2-byte length before each message)
into whole messages.

Names come out in presentation form, as dig prints them but lowercased (ASCII only) and without the trailing dot
(the root name is ``"."``): bytes outside ``!``..``~`` become ``\\DDD`` (decimal) and ``. \\ " ( ) ; @ $`` get a
backslash, so a label containing a dot cannot be mistaken for two labels. Decompression follows a pointer only to an
offset before the start of the label run that contains it (so every jump goes strictly backwards and loops are
impossible), at most ``MAX_POINTERS`` times per name, and a name may not exceed 255 octets on the wire.

A plain response (one question, names that need no escaping, nothing after the last record) is read by
the optional C twin ``_dnsfast`` when it is built; anything else, and every error, by the Python below
(tests/enrich/test_dnsfast.py compares the two).

Error contract: bad input raises ``DnsError`` (``errors.MalformedDnsMessage``, a ``MalformedInput``: ``what``, absolute ``offset``,
``detail``), never anything else. ``offset`` is ``base`` plus the position in ``data``. This module has its own
small cursor because ``enrich`` may not import ``tls`` (tests/test_layering.py), so ``tls.reader.Reader`` is out
of reach.
"""
from __future__ import annotations

import ipaddress
import os
import struct
from socket import AF_INET6, inet_ntop
from dataclasses import dataclass

from pcaptls.errors import MalformedDnsMessage

DnsError = MalformedDnsMessage

try:        # the optional C twin of this parser for plain responses (pcaptls/enrich/_dnsfast.c); None: Python reads all
    from pcaptls.enrich._dnsfast import answers as _c_answers
except ImportError:                         # not built (no C compiler at install time)
    _c_answers = None
if os.environ.get("PCAPTLS_PURE_PYTHON"):
    _c_answers = None

# DNS parameters (IANA "Domain Name System (DNS) Parameters"); only those the parser interprets.
TYPE_A, TYPE_CNAME, TYPE_PTR, TYPE_AAAA, TYPE_DNAME, TYPE_OPT = 1, 5, 12, 28, 39, 41
CLASS_IN = 1
NAME_TYPES = frozenset((TYPE_CNAME, TYPE_PTR, TYPE_DNAME))   # RDATA is exactly one domain name

HEADER_LEN = 12
MAX_POINTERS = 128        # compression pointers followed in one name
MAX_NAME_OCTETS = 255     # RFC 1035 2.3.4, wire form including the root label

_HEADER = struct.Struct("!HHHHHH")       # id, flags, qdcount, ancount, nscount, arcount
_QUESTION = struct.Struct("!HH")         # qtype, qclass
_RR = struct.Struct("!HHIH")             # type, class, ttl, rdlength
_U16 = struct.Struct("!H")

# Label bytes that need no escaping after lowercasing: the fast path deletes these and checks nothing is left.
_PLAIN = bytes(b for b in range(0x21, 0x7F) if chr(b) not in '.\\"();@$' and not 0x41 <= b <= 0x5A)
_ESCAPED = tuple(
    chr(b | 0x20) if 0x41 <= b <= 0x5A else chr(b) if bytes([b]) in _PLAIN
    else "\\" + chr(b) if 0x21 <= b < 0x7F else f"\\{b:03d}"
    for b in range(256)
)


@dataclass(frozen=True, slots=True)
class Question:
    name: str
    qtype: int
    qclass: int


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    name: str
    rtype: int
    rclass: int
    ttl: int                 # as on the wire (uint32), not clamped
    value: str | None        # A/AAAA (class IN): address text; CNAME/DNAME/PTR: target name; else None


@dataclass(frozen=True, slots=True)
class DnsMessage:
    id: int
    is_response: bool        # QR bit
    rcode: int               # header RCODE, with EDNS extended-RCODE bits when an OPT record is present
    questions: tuple[Question, ...]
    answers: tuple[ResourceRecord, ...]
    opcode: int = 0          # 0 = QUERY; anything else is not a lookup answer
    truncated: bool = False  # TC bit
    trailing: int = 0        # bytes after the last section (only with ``trailing_ok``)


def parse_dns_message(data: bytes | bytearray | memoryview, base: int = 0, *, trailing_ok: bool = False) -> DnsMessage:
    """Parse one whole DNS message; ``base`` is the stream offset of ``data[0]`` (used in errors only).
    ``trailing_ok``: bytes after the last section are counted in ``trailing`` instead of failing the
    message (a datagram with junk after a well-formed message, which Wireshark shows as extraneous data)."""
    if _c_answers is not None:
        fast = _c_answers(data)
        if fast is not None:                # a plain response, read exactly as below would read it
            msg_id, flags, qname, qtype, qclass, records, ext_rcode = fast
            return DnsMessage(msg_id, bool(flags & 0x8000), (ext_rcode << 4) | (flags & 0xF),
                              (Question(qname, qtype, qclass),), tuple(ResourceRecord(*r) for r in records),
                              (flags >> 11) & 0xF, bool(flags & 0x0200), 0)
    buf = bytes(data)
    end = len(buf)
    if end < HEADER_LEN:
        raise DnsError("dns header", base, f"need {HEADER_LEN} bytes, {end} left")
    msg_id, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(buf, 0)
    pos = HEADER_LEN
    questions = []
    memo: dict[int, tuple[list[str], int, int, str]] = {}
    for i in range(qdcount):
        name, pos = _name(buf, pos, end, base, ("dns question", i + 1, " name"), memo)
        if pos + 4 > end:
            _need(pos, 4, end, base, ("dns question", i + 1, " type/class"))
        qtype, qclass = _QUESTION.unpack_from(buf, pos)
        pos += 4
        questions.append(Question(name, qtype, qclass))
    answers = []
    for i in range(ancount):
        rr, pos = _answer(buf, pos, end, base, ("dns answer", i + 1), memo)
        answers.append(rr)
    ext_rcode = 0
    for section, count in (("dns authority", nscount), ("dns additional", arcount)):
        for i in range(count):
            _, rtype, _, ttl, _, pos = _record_header(buf, pos, end, base, (section, i + 1), None, False)
            if section == "dns additional" and rtype == TYPE_OPT:
                ext_rcode = ttl >> 24                   # upper 8 bits of the 12-bit RCODE (RFC 6891 6.1.3)
    if pos != end and not trailing_ok:
        raise DnsError("dns message", base + pos, f"{end - pos} unexpected trailing bytes")
    return DnsMessage(msg_id, bool(flags & 0x8000), (ext_rcode << 4) | (flags & 0xF), tuple(questions),
                      tuple(answers), (flags >> 11) & 0xF, bool(flags & 0x0200), end - pos)


def split_tcp_dns(stream: bytes | bytearray | memoryview, base: int = 0) -> tuple[list[bytes], int]:
    """Whole length-prefixed messages at the start of ``stream`` and the number of bytes they take.

    An incomplete message at the end is left for the next call (feed ``stream[consumed:] + more``). A length below
    the 12-byte header cannot be DNS and raises ``DnsError`` at that length field (``base`` + position).
    """
    pos, messages = 0, []
    # The views are released on the way out, also when raising: a caller may resize its bytearray in ``except``.
    with memoryview(stream) as outer, outer.cast("B") as view:
        end = len(view)
        while end - pos >= 2:
            length = (view[pos] << 8) | view[pos + 1]
            if length < HEADER_LEN:
                raise DnsError("dns tcp length", base + pos, f"message length {length} is shorter than a DNS header")
            if end - pos - 2 < length:
                break
            messages.append(bytes(view[pos + 2:pos + 2 + length]))
            pos += 2 + length
    return messages, pos


def _label(what: str | tuple[str, int, str]) -> str:
    """The text of a ``what``: built only for an error (a success formats no strings)."""
    return what if type(what) is str else f"{what[0]} {what[1]}{what[2]}"


def _need(pos: int, n: int, end: int, base: int, what: str | tuple[str, int, str]) -> None:
    if pos + n > end:
        raise DnsError(_label(what), base + pos, f"need {n} bytes, {max(end - pos, 0)} left")


def _record_header(buf: bytes, pos: int, end: int, base: int, what: tuple[str, int],
                   memo: dict | None = None, decode: bool = True) -> tuple[str, int, int, int, int, int]:
    """The fixed part of the record at ``pos``: (name, type, class, ttl, rdata start, rdata end); with
    ``decode=False`` the name is walked and checked only (""). ``what``: (section, record number)."""
    name, pos = _name(buf, pos, end, base, (*what, " name"), memo, decode)
    if pos + 10 > end:
        _need(pos, 10, end, base, (*what, " type/class/ttl/rdlength"))
    rtype, rclass, ttl, rdlength = _RR.unpack_from(buf, pos)
    pos += 10
    if pos + rdlength > end:
        _need(pos, rdlength, end, base, (*what, " rdata"))
    return name, rtype, rclass, ttl, pos, pos + rdlength


def _answer(buf: bytes, pos: int, end: int, base: int, what: tuple[str, int],
            memo: dict | None = None) -> tuple[ResourceRecord, int]:
    """The answer record at ``pos`` with its value decoded, and the position after it."""
    name, rtype, rclass, ttl, pos, rd_end = _record_header(buf, pos, end, base, what, memo)
    value = None
    if rtype == TYPE_A and rclass == CLASS_IN:
        if rd_end - pos != 4:
            raise DnsError(f"{what[0]} {what[1]} A rdata", base + pos, f"length {rd_end - pos}, expected 4")
        value = f"{buf[pos]}.{buf[pos + 1]}.{buf[pos + 2]}.{buf[pos + 3]}"
    elif rtype == TYPE_AAAA and rclass == CLASS_IN:
        if rd_end - pos != 16:
            raise DnsError(f"{what[0]} {what[1]} AAAA rdata", base + pos, f"length {rd_end - pos}, expected 16")
        value = _ipv6_text(buf[pos:rd_end])
    elif rtype in NAME_TYPES:
        value, after = _name(buf, pos, rd_end, base, (*what, " rdata name"), memo)
        if after != rd_end:
            raise DnsError(f"{what[0]} {what[1]} rdata", base + after, f"{rd_end - after} unexpected trailing bytes")
    return ResourceRecord(name, rtype, rclass, ttl, value), rd_end


def _ipv6_text(packed: bytes) -> str:
    """``str(ipaddress.IPv6Address(packed))``: inet_ntop (C) gives the same RFC 5952 text except for the
    forms with a dotted IPv4 tail, which ipaddress writes in hex: those go through ipaddress."""
    text = inet_ntop(AF_INET6, packed)
    return text if "." not in text else str(ipaddress.IPv6Address(packed))


def _name(buf: bytes, pos: int, limit: int, base: int, what: str | tuple[str, int, str],
          memo: dict[int, tuple[list[str], int, int, str]] | None = None, decode: bool = True) -> tuple[str, int]:
    """The (possibly compressed) name at ``pos``: (presentation text, position after it).

    Before the first pointer the name must end by ``limit`` (the record or message end); after a jump it may read
    up to the end of the message, but only from offsets before the label run that held the pointer.
    ``memo`` (one per message) holds, per offset a name was read from, its labels, wire octets and pointer
    jumps: a pointer to such an offset takes them at once (after the same checks), so the owner names of an
    answer section (``c0 0c`` pointers) are not decoded again. The limits apply to the whole name as before.
    ``decode=False`` walks the name with the same checks (and errors) but builds no text: "" is returned.
    """
    if memo and pos + 2 <= limit and buf[pos] >= 0xC0:        # only a pointer, to a name read before
        target = ((buf[pos] & 0x3F) << 8) | buf[pos + 1]
        known = memo.get(target) if target < pos else None
        if known is not None and known[2] < MAX_POINTERS:
            return known[3], pos + 2
    labels: list[str] = []
    after = -1             # where the caller continues: after the first pointer, or after the root label
    run_start = pos        # start of the label run being read; a pointer must go below it
    jumps = octets = 0
    end = limit
    start = pos
    while True:
        if pos >= end:
            raise DnsError(_label(what), base + pos, "need 1 bytes, 0 left")
        length = buf[pos]
        if length >= 0xC0:                                     # compression pointer (RFC 1035 4.1.4)
            if pos + 2 > end:
                raise DnsError(_label(what), base + pos, "need 2 bytes, 1 left")
            target = ((length & 0x3F) << 8) | buf[pos + 1]
            if target >= run_start:
                raise DnsError(_label(what), base + pos, f"compression pointer to {target} does not point backwards")
            jumps += 1
            if jumps > MAX_POINTERS:
                raise DnsError(_label(what), base + pos, f"more than {MAX_POINTERS} compression pointers")
            if after < 0:
                after = pos + 2
            pos = run_start = target
            end = len(buf)
            known = memo.get(target) if memo is not None and decode else None
            if known is not None:
                tail, tail_octets, tail_jumps, _text = known
                if jumps + tail_jumps <= MAX_POINTERS and octets + tail_octets <= MAX_NAME_OCTETS:
                    labels += tail
                    octets += tail_octets
                    jumps += tail_jumps
                    break
            continue
        if length >= 0x40:
            raise DnsError(_label(what), base + pos, f"unsupported label type {length >> 6:#04b}")
        octets += length + 1
        if octets + (length > 0) > MAX_NAME_OCTETS:
            raise DnsError(_label(what), base + pos, f"name longer than {MAX_NAME_OCTETS} octets")
        if length == 0:
            pos += 1
            break
        if pos + 1 + length > end:
            raise DnsError(_label(what), base + pos, f"label needs {length} bytes, {end - pos - 1} left")
        if decode:
            label = buf[pos + 1:pos + 1 + length].lower()
            labels.append(label.decode("ascii") if not label.translate(None, _PLAIN)
                          else "".join(_ESCAPED[b] for b in label))
        pos += 1 + length
    if not decode:
        return "", (pos if after < 0 else after)
    text = ".".join(labels) if labels else "."
    if memo is not None and start not in memo:
        memo[start] = (labels, octets, jumps, text)
    return text, (pos if after < 0 else after)
