"""Split one TCP direction into TLS (or SSLv2) records. Owns: record framing, the NEED_DATA/EOF contract,
the non-TLS early reject. Imports: tls.reader, tls.registry, errors. (Where TLS starts: tls.start.)

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
from dataclasses import dataclass

from pcaptls.errors import MalformedInput, MalformedRecord
from pcaptls.tls import registry
from pcaptls.tls.reader import Reader

DEFAULT_MAX_RECORD_LEN = 2 ** 14 + 2048     # TLSCiphertext.length limit (RFC 5246 §6.2.3)
_TLS_HEADER_LEN = 5                         # content type, version, length
_COMPACT_AT = 1 << 16                       # drop consumed bytes from the buffer once this many piled up

_TLS_CONTENT_TYPES = frozenset({registry.CT_CHANGE_CIPHER_SPEC, registry.CT_ALERT, registry.CT_HANDSHAKE,
                                registry.CT_APPLICATION_DATA, registry.CT_HEARTBEAT})
_TLS_MAJOR = registry.SSL3 >> 8
# First byte of the version in an SSLv2-framed hello: 0x0002 (SSL 2.0), 0x02.. (byte-swapped), 0x03.. (SSL 3/TLS).
_SSL2_HELLO_MAJORS = frozenset({registry.SSL2 >> 8, registry.SSL2 & 0xFF, _TLS_MAJOR})


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

    def held(self) -> int:
        """Bytes buffered, not yet split into records (memory accounting)."""
        return len(self._buf) - self._start

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
                fragment = bytes(memoryview(buf)[start + _TLS_HEADER_LEN:end])   # the views die here: buf may resize
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
