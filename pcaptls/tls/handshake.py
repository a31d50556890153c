"""Turn one direction's records into handshake events. Owns: handshake-message defragmentation, the
per-direction state table (cleartext / mid-message / encrypted), the events the session layer consumes.
Imports: tls.records, tls.reader, tls.registry, errors.

One ``HandshakeReader`` per TCP direction (Zeek's up/down flows). Sans-IO like ``RecordSplitter``:
``feed(data)`` (``b""`` = end), ``next_event()`` -> event | ``NEED_DATA`` | ``EOF``. A handshake message
may span records and a record may hold several messages (tlslite-ng's ``Defragmenter``); another content
type arriving in the middle of a message is ``MalformedHandshake``, as is a stream ending inside one
("truncated handshake message"). A message longer than ``max_handshake_len`` raises
``ResourceLimitExceeded``, unless ``keep_types`` is given and the message type is not in it: such bodies
are skipped without buffering and reported as a ``HandshakeMessage`` with an empty body. Record errors are ``MalformedRecord``. After any error every call raises it again.

Encryption: after this direction's ChangeCipherSpec, handshake records are ``EncryptedData``. Two calls
let the session layer say what only it can know, applying to records not yet read:
``mark_encrypted()`` (TLS 1.3 after the ServerHello: everything that follows is protected) and
``mark_compat_ccs()`` (TLS 1.3 middlebox compatibility, RFC 8446 D.4: a ChangeCipherSpec is a dummy and
cleartext handshake records may follow it, e.g. HRR, CCS, ServerHello or ClientHello1, CCS, ClientHello2).

Events are slotted dataclasses but not frozen (one or more per record on the hot path, STYLE §4's exception:
a frozen one costs three times as much to build): treat them as immutable.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pcaptls.errors import MalformedHandshake, MalformedInput, PcapTlsError, ResourceLimitExceeded
from pcaptls.tls import registry
from pcaptls.tls.reader import Reader
from pcaptls.tls.records import DEFAULT_MAX_RECORD_LEN, EOF, NEED_DATA, Record, RecordSplitter, Sentinel, SSLv2Record

__all__ = [
    "EOF", "NEED_DATA", "TRANSITIONS", "Alert", "ChangeCipherSpec", "EncryptedAlert", "EncryptedData",
    "HandshakeMessage", "HandshakeReader", "Heartbeat", "Input", "SSLv2Message", "State", "advance",
]

DEFAULT_MAX_HANDSHAKE_LEN = 2 ** 17
_HEADER_LEN = 4                 # msg_type(1) + length(3)
_CCS_BODY = b"\x01"
_ALERT_LEN = 2
_T = TypeVar("_T")


@dataclass(slots=True)
class HandshakeMessage:
    msg_type: int
    body: bytes
    offset: int             # absolute offset of the 4-byte handshake header
    record_version: int     # version of the record in which the message started

    @property
    def body_offset(self) -> int:
        return self.offset + _HEADER_LEN


@dataclass(slots=True)
class ChangeCipherSpec:
    offset: int             # of the record


@dataclass(slots=True)
class Alert:
    level: int
    description: int
    offset: int             # of the record


@dataclass(slots=True)
class EncryptedAlert:
    offset: int             # of the record
    length: int             # of the record's fragment (not 2, so it is protected)


@dataclass(slots=True)
class EncryptedData:
    content_type: int       # application_data, or handshake after this direction's CCS / mark_encrypted()
    offset: int             # of the record
    length: int             # of the record's fragment


@dataclass(slots=True)
class SSLv2Message:
    msg_type: int
    body: bytes             # after the msg_type byte
    offset: int             # of the SSLv2 record header
    header_len: int = 2

    @property
    def body_offset(self) -> int:
        return self.offset + self.header_len + 1


@dataclass(slots=True)
class Heartbeat:
    offset: int             # of the record


Event = HandshakeMessage | ChangeCipherSpec | Alert | EncryptedAlert | EncryptedData | SSLv2Message | Heartbeat


class State(enum.Enum):
    CLEARTEXT = "cleartext"         # between handshake messages, records readable
    FRAGMENT = "fragment"           # part of a handshake message is buffered
    ENCRYPTED = "encrypted"         # handshake records are protected
    CLOSED = "closed"               # end of stream seen

    __hash__ = object.__hash__      # members are singletons; Enum's name hash costs a Python call per lookup


class Input(enum.Enum):
    HANDSHAKE_WHOLE = "handshake record ending on a message boundary"
    HANDSHAKE_PARTIAL = "handshake record ending inside a message"
    CHANGE_CIPHER_SPEC = "change_cipher_spec"
    COMPAT_CCS = "change_cipher_spec (compatibility)"
    ALERT = "alert"
    APPLICATION_DATA = "application_data"
    HEARTBEAT = "heartbeat"
    SSLV2 = "SSLv2 record"
    MARK_ENCRYPTED = "mark_encrypted()"
    END = "end of stream"

    __hash__ = object.__hash__


_S, _I = State, Input
# (state, input) -> next state (h2 style). A pair that is absent is a protocol violation.
TRANSITIONS: dict[tuple[State, Input], State] = {
    (_S.CLEARTEXT, _I.HANDSHAKE_WHOLE): _S.CLEARTEXT,
    (_S.CLEARTEXT, _I.HANDSHAKE_PARTIAL): _S.FRAGMENT,
    (_S.CLEARTEXT, _I.CHANGE_CIPHER_SPEC): _S.ENCRYPTED,
    (_S.CLEARTEXT, _I.COMPAT_CCS): _S.CLEARTEXT,
    (_S.CLEARTEXT, _I.ALERT): _S.CLEARTEXT,
    (_S.CLEARTEXT, _I.APPLICATION_DATA): _S.CLEARTEXT,      # 0-RTT data, or TLS 1.3 records before mark_encrypted()
    (_S.CLEARTEXT, _I.HEARTBEAT): _S.CLEARTEXT,
    (_S.CLEARTEXT, _I.SSLV2): _S.CLEARTEXT,
    (_S.CLEARTEXT, _I.MARK_ENCRYPTED): _S.ENCRYPTED,
    (_S.CLEARTEXT, _I.END): _S.CLOSED,
    (_S.FRAGMENT, _I.HANDSHAKE_WHOLE): _S.CLEARTEXT,
    (_S.FRAGMENT, _I.HANDSHAKE_PARTIAL): _S.FRAGMENT,
    (_S.ENCRYPTED, _I.HANDSHAKE_WHOLE): _S.ENCRYPTED,        # an encrypted record is an opaque whole
    (_S.ENCRYPTED, _I.CHANGE_CIPHER_SPEC): _S.ENCRYPTED,     # renegotiation
    (_S.ENCRYPTED, _I.COMPAT_CCS): _S.ENCRYPTED,
    (_S.ENCRYPTED, _I.ALERT): _S.ENCRYPTED,
    (_S.ENCRYPTED, _I.APPLICATION_DATA): _S.ENCRYPTED,
    (_S.ENCRYPTED, _I.HEARTBEAT): _S.ENCRYPTED,
    (_S.ENCRYPTED, _I.SSLV2): _S.ENCRYPTED,
    (_S.ENCRYPTED, _I.MARK_ENCRYPTED): _S.ENCRYPTED,
    (_S.ENCRYPTED, _I.END): _S.CLOSED,
    (_S.CLOSED, _I.MARK_ENCRYPTED): _S.CLOSED,
}


def advance(state: State, inp: Input, offset: int) -> State:
    """The state after ``inp`` in ``state``; ``MalformedHandshake`` at ``offset`` if the pair is not allowed."""
    nxt = TRANSITIONS.get((state, inp))
    if nxt is None:
        where = "inside a fragmented handshake message" if state is State.FRAGMENT else f"in state {state.value}"
        what = "truncated handshake message" if inp is Input.END else "handshake"
        raise MalformedHandshake(what, offset, f"unexpected {inp.value} {where}")
    return nxt


_CONTENT_INPUTS = {
    registry.CT_ALERT: Input.ALERT, registry.CT_APPLICATION_DATA: Input.APPLICATION_DATA,
    registry.CT_HEARTBEAT: Input.HEARTBEAT,
}


class HandshakeReader:
    """Handshake events of one direction of a TLS connection."""

    def __init__(self, *, base_offset: int = 0, max_handshake_len: int = DEFAULT_MAX_HANDSHAKE_LEN,
                 max_record_len: int = DEFAULT_MAX_RECORD_LEN, allow_sslv2: bool = True,
                 keep_types: frozenset[int] | None = None) -> None:
        self._records = RecordSplitter(base_offset=base_offset, max_record_len=max_record_len,
                                       allow_sslv2=allow_sslv2)
        self._max_handshake_len = max_handshake_len
        self._keep = keep_types             # None: every body; else bodies of other types are skipped unbuffered
        self._skipped = -1                  # bytes skipped of the current message, -1 when not skipping
        self._state = State.CLEARTEXT
        self._compat_ccs = False
        self._queue: list[Event] = []       # events of the last record not yet returned, reversed
        # The handshake message in progress: header bytes so far, then type/length and body bytes so far.
        self._header = bytearray()
        self._msg_type = 0
        self._msg_len: int | None = None
        self._body = bytearray()
        self._msg_offset = 0
        self._msg_version = 0
        self._error: PcapTlsError | None = None

    @property
    def state(self) -> State:
        return self._state

    def held(self) -> int:
        """Bytes buffered: records not yet split, and the handshake message being put together."""
        return self._records.held() + len(self._header) + len(self._body)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append bytes of this direction; ``b""`` marks its end."""
        self._guard(self._records.feed, data)

    def mark_encrypted(self) -> None:
        """From the next record on, handshake records are encrypted (TLS 1.3 after the ServerHello)."""
        self._guard(self._transition, Input.MARK_ENCRYPTED, self._msg_offset)

    def mark_compat_ccs(self, enabled: bool = True) -> None:
        """From now on a ChangeCipherSpec is TLS 1.3's compatibility dummy and does not start encryption
        (``enabled=False`` undoes it, when the ServerHello shows TLS 1.2 or below)."""
        self._compat_ccs = enabled

    def next_event(self) -> Event | Sentinel:
        if self._error is not None:
            raise self._error
        queue = self._queue
        if queue:
            return queue.pop()
        try:
            while not self._queue:
                if self._state is State.CLOSED:
                    return EOF
                record = self._records.next_record()
                if record is NEED_DATA:
                    return NEED_DATA
                if record is EOF:
                    self._transition(Input.END, self._msg_offset)
                else:
                    self._on_record(record)
        except (MalformedInput, ResourceLimitExceeded) as exc:
            self._error = exc           # every later call raises it again
            raise
        return self._queue.pop()

    # ---- internals -------------------------------------------------------------------------------

    def _guard(self, func: Callable[..., _T], *args: object) -> _T:
        """Call ``func``; remember an input error so that every later call raises it again."""
        if self._error is not None:
            raise self._error
        try:
            return func(*args)
        except (MalformedInput, ResourceLimitExceeded) as exc:
            self._error = exc
            raise

    def _transition(self, inp: Input, offset: int) -> None:
        self._state = advance(self._state, inp, offset)

    def _on_record(self, record: Record | SSLv2Record) -> None:
        if isinstance(record, SSLv2Record):
            self._transition(Input.SSLV2, record.offset)
            self._queue = [SSLv2Message(record.msg_type, record.body, record.offset, record.header_len)]
            return
        ctype, offset, length = record.content_type, record.offset, len(record.fragment)
        encrypted = self._state is State.ENCRYPTED
        events: list[Event]
        if ctype == registry.CT_HANDSHAKE and encrypted:
            self._transition(Input.HANDSHAKE_WHOLE, offset)
            events = [EncryptedData(ctype, offset, length)]
        elif ctype == registry.CT_HANDSHAKE:
            events = self._defragment(record)
            inp = Input.HANDSHAKE_WHOLE if self._msg_len is None and not self._header else Input.HANDSHAKE_PARTIAL
            nxt = TRANSITIONS.get((self._state, inp))      # _transition inlined: the per-record hot spot
            self._state = nxt if nxt is not None else advance(self._state, inp, offset)
        elif ctype == registry.CT_CHANGE_CIPHER_SPEC:
            self._transition(Input.COMPAT_CCS if self._compat_ccs else Input.CHANGE_CIPHER_SPEC, offset)
            if not length if encrypted else record.fragment != _CCS_BODY:
                raise MalformedHandshake("change_cipher_spec", record.fragment_offset,
                                         f"body {record.fragment[:8].hex() or 'empty'} is not 01")
            events = [ChangeCipherSpec(offset)]
        else:
            self._transition(_CONTENT_INPUTS[ctype], offset)
            if ctype == registry.CT_ALERT and length == _ALERT_LEN:
                alert = Reader(record.fragment, base=record.fragment_offset)
                events = [Alert(alert.uint(1, "alert level"), alert.uint(1, "alert description"), offset)]
            elif ctype == registry.CT_ALERT:
                events = [EncryptedAlert(offset, length)]
            elif ctype == registry.CT_HEARTBEAT:
                events = [Heartbeat(offset)]
            else:
                events = [EncryptedData(ctype, offset, length)]
        events.reverse()
        self._queue = events

    def _defragment(self, record: Record) -> list[Event]:
        """Complete messages from the bytes held back plus this record; hold back an incomplete tail.
        A message left incomplete by a record that completed none takes the whole handshake records
        already fed that continue it at once (``RecordSplitter.continue_fragments``), so a hello cut into
        1-byte records costs one pass. Events come out as record by record: no event falls between the
        records taken, so nothing the session says in reply to an event (``mark_*``) could have applied
        to them."""
        out: list[Event] = []
        fragment = record.fragment
        pos, end = 0, len(fragment)
        base = record.offset + 5                     # the fragment's absolute offset
        while pos < end:
            if self._msg_len is None:
                if not self._header and end - pos >= _HEADER_LEN:      # the whole header is here
                    self._msg_offset, self._msg_version = base + pos, record.version
                    self._msg_type = fragment[pos]
                    self._msg_len = fragment[pos + 1] << 16 | fragment[pos + 2] << 8 | fragment[pos + 3]
                    pos += _HEADER_LEN
                else:                                                   # a header split across records
                    if not self._header:
                        self._msg_offset, self._msg_version = base + pos, record.version
                    take = min(_HEADER_LEN - len(self._header), end - pos)
                    self._header += fragment[pos:pos + take]
                    pos += take
                    if len(self._header) < _HEADER_LEN:
                        break
                    header = self._header
                    self._msg_type, self._msg_len = header[0], header[1] << 16 | header[2] << 8 | header[3]
                    self._header.clear()
                if self._keep is not None and self._msg_type not in self._keep:
                    self._skipped = 0
                elif self._msg_len > self._max_handshake_len:
                    raise ResourceLimitExceeded("handshake message", self._max_handshake_len,
                                                f"type {self._msg_type} of length {self._msg_len} "
                                                f"at offset {self._msg_offset}")
            msg_len = self._msg_len
            if self._skipped >= 0:          # a body nobody needs (a 300 KB Certificate): count, don't buffer
                take = min(msg_len - self._skipped, end - pos)
                pos += take
                self._skipped += take
                if self._skipped < msg_len and not out:
                    self._skipped += len(self._records.continue_fragments(record.content_type,
                                                                          msg_len - self._skipped))
                if self._skipped < msg_len:
                    break
                self._skipped = -1
                body = b""
            elif not self._body and end - pos >= msg_len:   # the whole body is in this record
                body = fragment[pos:pos + msg_len] if pos or msg_len != end else fragment
                pos += msg_len
            else:
                take = min(msg_len - len(self._body), end - pos)
                self._body += fragment[pos:pos + take]
                pos += take
                if len(self._body) < msg_len and not out:
                    self._body += self._records.continue_fragments(record.content_type, msg_len - len(self._body))
                if len(self._body) < msg_len:
                    break
                body = bytes(self._body)
                self._body.clear()
            out.append(HandshakeMessage(self._msg_type, body, self._msg_offset, self._msg_version))
            self._msg_len = None
        return out
