"""Split one TCP direction into TLS (or SSLv2) records and find where TLS starts. Owns: record framing,
the NEED_DATA/EOF contract, the non-TLS early reject, the bounded scan for a hello, the upgrade guess.
Imports: tls.reader, tls.registry, errors.

Sans-IO (h11's contract, STYLE §5.9): ``feed(data)`` (``b""`` = end of stream) and ``next_record()`` ->
``Record | SSLv2Record | NEED_DATA | EOF``. ``NEED_DATA`` and ``EOF`` are singletons compared with ``is``.
Errors: bad framing raises ``MalformedRecord`` with the absolute offset of the record header; that
includes a record longer than ``max_record_len`` (a length the peer may not send is malformed input, and
the offset tells where), and a stream that ends inside a record ("truncated record"). After an error
every call raises the same error again. Buffering is bounded by what the caller fed and has not yet
taken: a record is returned as soon as it is complete, and none may exceed ``max_record_len``.
``Record``/``SSLv2Record`` are slotted dataclasses but not frozen (one is made per record on the hot path,
STYLE §4's exception; a frozen one costs three times as much to build): treat them as immutable.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from pcaptls.errors import MalformedInput, MalformedRecord
from pcaptls.tls import registry
from pcaptls.tls.reader import Reader

DEFAULT_MAX_RECORD_LEN = 2 ** 14 + 2048     # TLSCiphertext.length limit (RFC 5246 §6.2.3)
_TLS_HEADER_LEN = 5                         # content type, version, length
_MAX_HELLO_LEN = 2 ** 17                    # a ClientHello spanning records is plausible up to this size
_MIN_HELLO_BODY = 2 + 32 + 2 + 2            # version, random, then at least four bytes of any hello layout
_MIN_HRR_BODY = 2 + 2 + 2                   # draft HelloRetryRequest: version, extensions<2..2^16-1>
_HELLO_PREFIX_LEN = 4 + 2                   # what a candidate must show: handshake header, hello version
_COMPACT_AT = 1 << 16                       # drop consumed bytes from the buffer once this many piled up

_TLS_CONTENT_TYPES = frozenset({registry.CT_CHANGE_CIPHER_SPEC, registry.CT_ALERT, registry.CT_HANDSHAKE,
                                registry.CT_APPLICATION_DATA, registry.CT_HEARTBEAT})
_TLS_MAJOR = registry.SSL3 >> 8
_TLS_VERSIONS = frozenset({registry.SSL3, registry.TLS1_0, registry.TLS1_1, registry.TLS1_2, registry.TLS1_3})
# First byte of the version in an SSLv2-framed hello: 0x0002 (SSL 2.0), 0x02.. (byte-swapped), 0x03.. (SSL 3/TLS).
_SSL2_HELLO_MAJORS = frozenset({registry.SSL2 >> 8, registry.SSL2 & 0xFF, _TLS_MAJOR})
_SSL2_SESSION_ID_LENS = frozenset({0, 16})
_SSL2_MIN_CHALLENGE, _SSL2_MAX_CHALLENGE = 16, 32   # also the bounds of a SERVER-HELLO connection id
_SSL2_CLIENT_HELLO_FIXED = 1 + 2 + 2 + 2 + 2         # msg_type, version, three lengths
_SSL2_SERVER_HELLO_FIXED = 1 + 1 + 1 + 2 + 2 + 2 + 2  # msg_type, hit, cert type, version, three lengths
_ALERT_LEVELS = frozenset({1, 2})           # warning, fatal


class Sentinel(enum.Enum):
    """Type of the ``NEED_DATA`` and ``EOF`` singletons."""

    NEED_DATA = "NEED_DATA"
    EOF = "EOF"

    def __repr__(self) -> str:
        return self.value


NEED_DATA = Sentinel.NEED_DATA   #: more bytes are needed before the next record/event
EOF = Sentinel.EOF               #: the stream ended cleanly (after ``feed(b"")``), nothing is left


@dataclass(slots=True)
class Record:
    content_type: int
    version: int        # record-layer version, raw
    fragment: bytes
    offset: int         # absolute stream offset of the 5-byte record header

    @property
    def fragment_offset(self) -> int:
        return self.offset + _TLS_HEADER_LEN


@dataclass(slots=True)
class SSLv2Record:
    msg_type: int       # first byte of the record data (meaningful only before SSLv2 encryption starts)
    body: bytes         # the record data after that byte (padding included for 3-byte headers)
    offset: int         # absolute stream offset of the record header
    header_len: int = 2

    @property
    def body_offset(self) -> int:
        return self.offset + self.header_len + 1


class RecordSplitter:
    """Cut one direction of a TCP stream into records. SSLv2 framing is accepted only until the first
    TLS record, and for the first record only if it is an SSLv2 CLIENT-HELLO, SERVER-HELLO or ERROR."""

    def __init__(self, *, base_offset: int = 0, max_record_len: int = DEFAULT_MAX_RECORD_LEN,
                 allow_sslv2: bool = True) -> None:
        self._buf = bytearray()
        self._start = 0                  # index in _buf of the first unconsumed byte
        self._offset = base_offset       # absolute stream offset of _buf[_start]
        self._max = max_record_len
        self._sslv2 = allow_sslv2        # SSLv2 framing still possible
        self._first = True               # no record returned yet
        self._eof = False
        self._error: MalformedInput | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes of the stream; ``b""`` marks its end."""
        if self._error is not None:
            raise self._error
        if not data:
            self._eof = True
        elif self._eof:
            raise ValueError("feed() after end of stream")
        else:
            self._buf += data

    def next_record(self) -> Record | SSLv2Record | Sentinel:
        if self._error is not None:
            raise self._error
        try:
            return self._next()
        except MalformedRecord as exc:
            self._error = exc
            raise

    def _next(self) -> Record | SSLv2Record | Sentinel:
        buf, start = self._buf, self._start
        avail = len(buf) - start
        if avail == 0:
            return EOF if self._eof else NEED_DATA
        if avail >= _TLS_HEADER_LEN:    # the common case, a whole TLS record, without the general framing
            content_type, version = buf[start], buf[start + 1] << 8 | buf[start + 2]
            length = buf[start + 3] << 8 | buf[start + 4]
            end = start + _TLS_HEADER_LEN + length
            if content_type in _TLS_CONTENT_TYPES and version >> 8 == _TLS_MAJOR and length <= self._max \
                    and end <= len(buf):     # (a TLS header also rules out SSLv2 framing: see _frame)
                offset = self._offset
                with memoryview(buf) as view:
                    fragment = bytes(view[start + _TLS_HEADER_LEN:end])
                self._advance(end - start)
                self._first = self._sslv2 = False
                return Record(content_type, version, fragment, offset)
        frame = self._frame(avail)
        if frame is None or avail < frame[0] + frame[1]:
            if self._eof:
                raise MalformedRecord("truncated record", self._offset, f"stream ends {avail} bytes into the record")
            return NEED_DATA
        header_len, length, header = frame
        offset = self._offset
        self._take(header_len)
        self._first = False
        if header_len == _TLS_HEADER_LEN:
            self._sslv2 = False
            return Record(header[0], header[1], self._take(length), offset)
        msg_type = self._take(1)[0]
        return SSLv2Record(msg_type, self._take(length - 1), offset, header_len)

    def continue_fragments(self, content_type: int, limit: int) -> bytes:
        """The fragments of the complete records of ``content_type`` that come next, joined, as long as
        each fits whole in the ``limit`` bytes still wanted (the rest of a handshake message split over
        many records, 1-byte records included). Stops before any other record, a partial one, one that
        would go past ``limit`` and anything the general framing must judge; such records are left for
        ``next_record``. Offsets stay right for the caller, which needs only where the message started."""
        if self._error is not None or self._sslv2 or limit <= 0:
            return b""
        buf, start, end = self._buf, self._start, len(self._buf)
        pos, parts, taken = start, [], 0
        uniform = self._uniform_run(content_type, limit)
        if uniform:
            parts.append(uniform)
            taken = len(uniform)
            pos += taken // buf[start + 4] * (_TLS_HEADER_LEN + buf[start + 4])   # whole records of that length
        with memoryview(buf) as view:
            while end - pos >= _TLS_HEADER_LEN and buf[pos] == content_type and buf[pos + 1] == _TLS_MAJOR:
                length = buf[pos + 3] << 8 | buf[pos + 4]
                nxt = pos + _TLS_HEADER_LEN + length
                if nxt > end or taken + length > limit or length > self._max:
                    break
                parts.append(view[pos + _TLS_HEADER_LEN:nxt])
                taken += length
                pos = nxt
            out = b"".join(parts)
            parts.clear()
        if pos != start:
            self._advance(pos - start)
        return out

    def _uniform_run(self, content_type: int, limit: int) -> bytes:
        """The fragments of a run of at least 8 records with one same header and a tiny length (a message
        cut into 1..16-byte records), read with strided slices instead of a loop per record; b"" if the
        records that come next are not such a run."""
        buf, pos = self._buf, self._start
        avail = len(buf) - pos
        if avail < 8 * (_TLS_HEADER_LEN + 1) or buf[pos] != content_type or buf[pos + 1] != _TLS_MAJOR \
                or buf[pos + 3] or not 0 < buf[pos + 4] <= 16:
            return b""
        length = buf[pos + 4]
        step = _TLS_HEADER_LEN + length
        count = min(avail // step, limit // length)
        if count < 8:
            return b""
        stop = pos + count * step
        if any(buf[pos + k:stop:step] != buf[pos + k:pos + k + 1] * count for k in range(1, _TLS_HEADER_LEN)) \
                or buf[pos:stop:step] != buf[pos:pos + 1] * count:
            return b""
        if length == 1:
            return bytes(buf[pos + _TLS_HEADER_LEN:stop:step])
        out = bytearray(count * length)
        for j in range(length):
            out[j::length] = buf[pos + _TLS_HEADER_LEN + j:stop:step]
        return bytes(out)

    def _frame(self, avail: int) -> tuple[int, int, tuple[int, int]] | None:
        """(header length, body length, (content type, version) or (0, 0)) once the header is in, else None."""
        peek = self._peek(min(avail, 6))
        if self._sslv2 and len(peek) >= 2 and (peek[0] & 0x80 or not _is_tls_header(peek)):
            return self._sslv2_frame(peek)
        if len(peek) < _TLS_HEADER_LEN:
            return None
        r = Reader(peek, base=self._offset, error=MalformedRecord)
        content_type, version, length = r.uint(1, "content type"), r.uint(2, "version"), r.uint(2, "length")
        if content_type not in _TLS_CONTENT_TYPES:
            raise MalformedRecord("record header", self._offset, f"content type {content_type:#04x} is not TLS (20-24)")
        if version >> 8 != _TLS_MAJOR:
            raise MalformedRecord("record header", self._offset, f"version {version:#06x} is not SSL 3/TLS")
        self._check_length(length)
        return _TLS_HEADER_LEN, length, (content_type, version)

    def _sslv2_frame(self, peek: bytes) -> tuple[int, int, tuple[int, int]] | None:
        if peek[0] & 0x80:
            header_len, length = 2, (peek[0] & 0x7F) << 8 | peek[1]
        elif len(peek) < 3:
            return None
        else:
            header_len, length = 3, (peek[0] & 0x3F) << 8 | peek[1]
            if peek[2] >= max(length, 1):
                raise MalformedRecord("SSLv2 record header", self._offset, f"padding {peek[2]} >= length {length}")
        self._check_length(length)
        if length == 0:
            raise MalformedRecord("SSLv2 record header", self._offset, "empty record")
        if self._first:
            if len(peek) < header_len + 2 and length >= 2:
                return None
            if length < 2 or not _is_sslv2_first_message(peek[header_len], peek[header_len + 1]):
                raise MalformedRecord("record header", self._offset,
                                      f"{peek.hex()} is neither a TLS record nor an SSLv2 hello")
        return header_len, length, (0, 0)

    def _check_length(self, length: int) -> None:
        if length > self._max:
            raise MalformedRecord("record header", self._offset, f"length {length} exceeds max_record_len {self._max}")

    def _peek(self, n: int) -> bytes:
        with memoryview(self._buf) as view:
            return bytes(view[self._start:self._start + n])

    def _take(self, n: int) -> bytes:
        out = self._peek(n)
        self._advance(n)
        return out

    def _advance(self, n: int) -> None:
        self._start += n
        self._offset += n
        if self._start == len(self._buf):
            self._buf.clear()
            self._start = 0
        elif self._start >= _COMPACT_AT and self._start * 2 >= len(self._buf):
            del self._buf[:self._start]
            self._start = 0


def _is_tls_header(peek: bytes) -> bool:
    return peek[0] in _TLS_CONTENT_TYPES and peek[1] == _TLS_MAJOR


def _is_sslv2_first_message(msg_type: int, b1: int) -> bool:
    """Could an SSLv2 record whose data starts with these two bytes open a stream?"""
    if msg_type == registry.SSL2_MT_CLIENT_HELLO:
        return b1 in _SSL2_HELLO_MAJORS                       # version
    if msg_type == registry.SSL2_MT_SERVER_HELLO:
        return b1 in (0, 1)                                   # session_id_hit
    return msg_type == registry.SSL2_MT_ERROR and b1 == 0     # error code (1..6), high byte


# ---- finding where TLS starts --------------------------------------------------------------------------

def _pattern(*alternatives: bytes) -> re.Pattern[bytes]:
    return re.compile(b"(?=" + b"|".join(alternatives) + b")", re.DOTALL)


_VERSION_MINOR = b"[\x00-\x04]"
_HIGH_BIT = b"[\x80-\xff]"
_CLIENT_START = _pattern(
    bytes([registry.CT_HANDSHAKE, _TLS_MAJOR]) + _VERSION_MINOR + b".." + re.escape(bytes([registry.HT_CLIENT_HELLO])),
    _HIGH_BIT + b"." + re.escape(bytes([registry.SSL2_MT_CLIENT_HELLO])),
)
_SERVER_START = _pattern(
    bytes([registry.CT_HANDSHAKE, _TLS_MAJOR]) + _VERSION_MINOR + b".."
    + b"[" + re.escape(bytes([registry.HT_SERVER_HELLO, registry.HT_HELLO_RETRY_REQUEST])) + b"]",
    _HIGH_BIT + b"." + re.escape(bytes([registry.SSL2_MT_SERVER_HELLO])),
    bytes([registry.CT_ALERT, _TLS_MAJOR]) + _VERSION_MINOR + b"\x00\x02",
)
_LONGEST_PATTERN = 6


def find_record_boundary(data: bytes, *, limit: int = 16384) -> int | None:
    """After a gap: the first offset where TLS records plausibly start again.

    A plausible header (content type 20-23, version 3.x with x <= 4, length within the record limit) must
    be followed by a second plausible header right after its record, or its record must end exactly
    where ``data`` ends; one header alone matches random ciphertext too often. None: not yet.
    """
    end = min(len(data), limit)
    for pos in range(end):
        length = _plausible_header(data, pos)
        if length is None:
            continue
        nxt = pos + _TLS_HEADER_LEN + length
        if nxt == len(data) or (nxt + _TLS_HEADER_LEN <= len(data) and _plausible_header(data, nxt) is not None):
            return pos
    return None


def _plausible_header(data: bytes, pos: int) -> int | None:
    """The record length if a TLS record header (not heartbeat) plausibly starts at ``pos``."""
    if pos + _TLS_HEADER_LEN > len(data):
        return None
    if data[pos] not in _RESYNC_TYPES or data[pos + 1] != _TLS_MAJOR or data[pos + 2] > 4:
        return None
    length = data[pos + 3] << 8 | data[pos + 4]
    return length if 0 < length <= DEFAULT_MAX_RECORD_LEN else None


_RESYNC_TYPES = frozenset({registry.CT_CHANGE_CIPHER_SPEC, registry.CT_ALERT, registry.CT_HANDSHAKE,
                           registry.CT_APPLICATION_DATA})


def find_tls_start(data: bytes, *, client: bool, limit: int = 16384) -> int | None:
    """Offset of the first TLS record carrying a ClientHello, or SSLv2 CLIENT-HELLO (``client=True``); of
    the first ServerHello/HelloRetryRequest record, SSLv2 SERVER-HELLO or alert record (``client=False``).

    Only candidates starting in ``data[:limit]`` count, and a candidate's record and handshake headers
    and hello version (11 bytes, more if the hello is cut into tiny records) must be in ``data``: call
    again with more bytes when this returns None. None if there is none.
    """
    if _hello_at_start(data, client) and limit > 0:     # the common case: the first record is the hello
        return 0
    pattern = _CLIENT_START if client else _SERVER_START
    check = _plausible_client_start if client else _plausible_server_start
    for match in pattern.finditer(data, 0, min(len(data), limit + _LONGEST_PATTERN)):
        pos = match.start()
        if pos >= limit:
            break
        r = Reader(data, error=MalformedRecord)
        r.skip(pos, "scan")
        try:
            if check(r):
                return pos
        except MalformedRecord:     # the candidate runs past the end of data
            continue
    return None


def _hello_at_start(data: bytes, client: bool) -> bool:
    """True when ``data`` opens with a handshake record whose first 6 bytes are the start of a plausible
    hello (the tests of ``_plausible_tls_hello`` on a prefix in one record, without a Reader); False
    says nothing: the general search decides."""
    if len(data) < _TLS_HEADER_LEN + _HELLO_PREFIX_LEN or data[0] != registry.CT_HANDSHAKE \
            or data[1] != _TLS_MAJOR or data[2] > 4:
        return False
    msg_type = data[5]
    if client:
        if msg_type != registry.HT_CLIENT_HELLO:
            return False
    elif msg_type != registry.HT_SERVER_HELLO and msg_type != registry.HT_HELLO_RETRY_REQUEST:
        return False
    length = data[3] << 8 | data[4]
    if not _HELLO_PREFIX_LEN <= length <= DEFAULT_MAX_RECORD_LEN:
        return False
    hello_len = data[6] << 16 | data[7] << 8 | data[8]
    min_body = _MIN_HRR_BODY if msg_type == registry.HT_HELLO_RETRY_REQUEST else _MIN_HELLO_BODY
    return min_body <= hello_len <= _MAX_HELLO_LEN \
        and registry.normalize_version(data[9] << 8 | data[10]) in _TLS_VERSIONS


def _plausible_client_start(r: Reader) -> bool:
    first = r.uint(1, "first byte")
    return _plausible_sslv2_client_hello(r, first) if first & 0x80 else _plausible_tls_hello(r)


def _plausible_server_start(r: Reader) -> bool:
    first = r.uint(1, "first byte")
    if first & 0x80:
        return _plausible_sslv2_server_hello(r, first)
    if first == registry.CT_ALERT:
        r.skip(4, "alert record header")
        return r.uint(1, "alert level") in _ALERT_LEVELS
    return _plausible_tls_hello(r)


def _plausible_tls_hello(r: Reader) -> bool:
    """``r`` is past the content type of a handshake record. The handshake header and hello version may be
    spread over several small records (a stack that fragments its hello into 1-byte records)."""
    prefix = b""
    while len(prefix) < _HELLO_PREFIX_LEN:
        if prefix and r.uint(1, "content type") != registry.CT_HANDSHAKE:
            return False
        version, length = r.uint(2, "version"), r.uint(2, "length")
        if version not in _TLS_VERSIONS or not 0 < length <= DEFAULT_MAX_RECORD_LEN:
            return False
        prefix += r.raw(min(length, _HELLO_PREFIX_LEN - len(prefix)), "fragment")
    hello = Reader(prefix)
    msg_type, hello_len = hello.uint(1, "handshake type"), hello.uint(3, "handshake length")
    min_body = _MIN_HRR_BODY if msg_type == registry.HT_HELLO_RETRY_REQUEST else _MIN_HELLO_BODY
    return (min_body <= hello_len <= _MAX_HELLO_LEN
            and registry.normalize_version(hello.uint(2, "hello version")) in _TLS_VERSIONS)


def _plausible_sslv2_client_hello(r: Reader, first: int) -> bool:
    length = (first & 0x7F) << 8 | r.uint(1, "length")
    r.skip(1, "msg_type")
    major = r.uint(1, "version")
    r.skip(1, "version")
    specs, session_id, challenge = r.uint(2, "specs"), r.uint(2, "session_id"), r.uint(2, "challenge")
    return (major in _SSL2_HELLO_MAJORS and specs > 0 and specs % 3 == 0
            and session_id in _SSL2_SESSION_ID_LENS and _SSL2_MIN_CHALLENGE <= challenge <= _SSL2_MAX_CHALLENGE
            and length == _SSL2_CLIENT_HELLO_FIXED + specs + session_id + challenge)


def _plausible_sslv2_server_hello(r: Reader, first: int) -> bool:
    length = (first & 0x7F) << 8 | r.uint(1, "length")
    r.skip(1, "msg_type")
    hit = r.uint(1, "session_id_hit")
    r.skip(1, "certificate_type")
    major = r.uint(1, "version")
    r.skip(1, "version")
    cert, specs, conn_id = r.uint(2, "certificate"), r.uint(2, "specs"), r.uint(2, "connection_id")
    return (hit in (0, 1) and major in _SSL2_HELLO_MAJORS and specs % 3 == 0
            and _SSL2_MIN_CHALLENGE <= conn_id <= _SSL2_MAX_CHALLENGE
            and length == _SSL2_SERVER_HELLO_FIXED + cert + specs + conn_id)


# ---- naming what came before TLS -----------------------------------------------------------------------

_PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
_POSTGRES_REQUESTS = (b"\x00\x00\x00\x08\x04\xd2\x16\x2f", b"\x00\x00\x00\x08\x04\xd2\x16\x30")  # SSL, GSSENC
_LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"
_XMPP_MARKERS = (b"<stream:stream", b"urn:ietf:params:xml:ns:xmpp-tls")
_MYSQL_SSL_REQUEST_LEN, _MYSQL_CLIENT_SSL, _MYSQL_PROTOCOL_V10 = 32, 0x0800, 10
_LDAP_EXTENDED_RESPONSE = b"\x78"          # [APPLICATION 24] ExtendedResponse
_SOCKS4, _SOCKS5 = 4, 5
_NNTP_COMMANDS = ("CAPABILITIES", "MODE READER")
_SMTP_GREETINGS = ("EHLO ", "HELO ", "LHLO ")


def _lines(data: bytes) -> list[str]:
    return [line.strip() for line in data.decode("latin-1").upper().split("\n") if line.strip()]


def _binary_upgrade(p: bytes) -> str | None:
    if p.startswith(_PROXY_V2_SIGNATURE):
        return "proxy-protocol-v2"
    if p.startswith(b"PROXY "):
        return "proxy-protocol-v1"
    if p.startswith(_POSTGRES_REQUESTS):
        return "postgres-ssl"
    if len(p) >= _MYSQL_SSL_REQUEST_LEN + 4 and int.from_bytes(p[:3], "little") == _MYSQL_SSL_REQUEST_LEN \
            and p[3] == 1 and int.from_bytes(p[4:8], "little") & _MYSQL_CLIENT_SSL:
        return "mysql-ssl"
    if len(p) >= 3 and p[0] == _SOCKS5 and 0 < p[1] <= len(p) - 2:
        return "socks5"
    if len(p) >= 9 and p[0] == _SOCKS4 and p[1] in (1, 2) and b"\x00" in p[8:]:
        return "socks4"
    if _LDAP_STARTTLS_OID in p:
        return "ldap-starttls"
    if any(marker in p for marker in _XMPP_MARKERS):
        return "xmpp-starttls"
    return None


def _text_upgrade(lines: list[str], server: list[str]) -> str | None:
    if any(line.startswith("CONNECT ") for line in lines[:1]):
        return "http-connect"
    if any(line.startswith(("AUTH TLS", "AUTH SSL")) for line in lines):
        return "ftp-auth-tls"
    if "STLS" in lines:
        return "pop3-stls"
    if any(len(line.split()) == 2 and line.split()[1] == "STARTTLS" for line in lines):
        return "imap-starttls"          # "<tag> STARTTLS"
    if "STARTTLS" not in lines:
        return None
    if any(line.startswith(_SMTP_GREETINGS) for line in lines) or server[:1] and server[0].startswith("220"):
        return "smtp-starttls"
    if any(line.startswith(_NNTP_COMMANDS) for line in lines) or server[:1] and server[0].startswith(("200", "201")):
        return "nntp-starttls"
    return "irc-starttls"               # a bare STARTTLS (IRC clients send it first), or IRC commands


def _server_upgrade(p: bytes, lines: list[str]) -> str | None:
    """The server's side alone: its reply to the upgrade request, or its greeting."""
    if p == b"S":
        return "postgres-ssl"
    if len(p) >= 5 and p[3] == 0 and p[4] == _MYSQL_PROTOCOL_V10:
        return "mysql-ssl"
    if p.startswith(b"\x00\x5a"):
        return "socks4"
    if p.startswith(b"\x05\x00"):
        return "socks5"
    if p[:1] == b"\x30" and _LDAP_EXTENDED_RESPONSE in p[:8]:
        return "ldap-starttls"
    starts = [line.split(" ", 1)[0] for line in lines]
    for code, name in (("234", "ftp-auth-tls"), ("382", "nntp-starttls"), ("670", "irc-starttls")):
        if code in starts or any(f" {code} " in line for line in lines):
            return name
    if lines and lines[0].startswith("HTTP/1.") and lines[0][9:12] == "200":
        return "http-connect"
    if "+OK" in starts:
        return "pop3-stls"
    if lines and lines[0].startswith("* OK"):
        return "imap-starttls"
    if lines and lines[0].startswith("220") and any(line.startswith("250") for line in lines):
        return "smtp-starttls"
    return None


def guess_upgrade(prefix: bytes, server_prefix: bytes = b"") -> str:
    """Name the protocol whose bytes (``prefix``, the client's bytes before its hello) preceded TLS.

    A guess from well-known openings: one of "smtp-starttls", "imap-starttls", "pop3-stls",
    "ftp-auth-tls", "xmpp-starttls", "ldap-starttls", "irc-starttls", "nntp-starttls", "http-connect",
    "socks4", "socks5", "proxy-protocol-v1", "proxy-protocol-v2", "mysql-ssl", "postgres-ssl", else
    "unknown". ``server_prefix`` (the server's bytes before its hello), if given, breaks ties such as a
    bare ``STARTTLS`` line (IRC or NNTP) and is read on its own when the client's bytes say nothing.
    """
    server_lines = _lines(server_prefix)
    return (_binary_upgrade(prefix) or _text_upgrade(_lines(prefix), server_lines)
            or _binary_upgrade(server_prefix) or _server_upgrade(server_prefix, server_lines) or "unknown")
