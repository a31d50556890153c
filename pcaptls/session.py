"""Follow TLS through one TCP connection. Owns: finding TLS by content in each direction, deciding which
side is the client, feeding records to the tls layer, and the per-connection facts (hellos, alerts,
encryption, outcome). Imports: model, tls, results, enrich.identity (type only), errors.

Sans-IO: the pipeline hands it the in-order bytes of each direction (index 0 or 1, as the flow table
numbers them) and tells it about gaps and the end; ``done`` says when it needs no more bytes, which is
what lets the hot path drop a connection's bulk packets at the cost of one attribute check.
"""
from __future__ import annotations

import dataclasses

from pcaptls.enrich.identity import ServerIdentity
from pcaptls.errors import MalformedInput, MalformedRecord, ResourceLimitExceeded
from pcaptls.model import Endpoint
from pcaptls.results import ESTABLISHED, FAILED, INCOMPLETE, AlertInfo, Connection, FlowError
from pcaptls.tls import registry
from pcaptls.tls.handshake import (
    Alert, ChangeCipherSpec, EncryptedAlert, EncryptedData, HandshakeMessage, HandshakeReader, SSLv2Message,
)
from pcaptls.tls.hello import (
    parse_client_hello, parse_hello_retry_request_draft, parse_server_hello, parse_sslv2_client_hello,
    parse_sslv2_server_hello,
)
from pcaptls.tls.records import EOF, NEED_DATA, RecordSplitter
from pcaptls.tls.start import find_record_boundary, find_tls_start, guess_upgrade

# Memory accounting of what a connection keeps (tracemalloc, CPython 3.11): a parsed hello is about 600
# bytes plus 220-280 per extension (Extension objects, decoded values, an error for a duplicate) and ~30 per
# cipher suite; the wire bytes are counted on top where they are kept (show --hex).
_HELLO_COST, _EXTENSION_COST, _ITEM_COST, _ERROR_COST = 600, 250, 30, 200
MAX_KEPT = 64                # alerts, and errors, kept per connection

_HELLO_TYPES = frozenset({registry.HT_CLIENT_HELLO, registry.HT_SERVER_HELLO, registry.HT_HELLO_RETRY_REQUEST})

# Direction modes. _RESYNC: after a gap that followed this direction's hello, records are looked for
# again, and only what tells the outcome is read from them (ChangeCipherSpec, encrypted data, alerts).
_SCAN, _TLS, _SSL2_AFTER, _DONE, _FAILED, _RESYNC = range(6)


def _raw(hello, raw: bytes):
    return dataclasses.replace(hello, raw=raw) if raw else hello


class _Direction:
    __slots__ = ("mode", "scan", "scanned", "reader", "hello", "encrypted", "tls_offset", "compat_ccs",
                 "splitter")

    def __init__(self) -> None:
        self.mode = _SCAN
        self.scan = bytearray()
        self.scanned = 0          # stream offset of scan[0]
        self.reader: HandshakeReader | None = None
        self.hello = False        # this direction's hello was parsed
        self.encrypted = False
        self.tls_offset: int | None = None
        self.compat_ccs = False   # sent TLS 1.3's compatibility ChangeCipherSpec
        self.splitter: RecordSplitter | None = None   # records found again after a gap (_RESYNC)


class TlsSession:
    """The TLS view of one TCP connection (both directions)."""

    __slots__ = ("conn", "meter", "kept", "alerts_dropped", "errors_dropped", "keep_raw", "scan_limit",
                 "max_handshake_len", "dirs", "client", "client_hello", "client_record_version",
                 "retry_client_hello", "server_hello", "server_record_version", "hello_retry_request",
                 "sslv2_server_hello", "alerts", "errors", "upgrade", "gaps", "done", "midstream_tls", "_ts_ns")

    def __init__(self, conn: int, *, scan_limit: int = 16384, max_handshake_len: int = 2 ** 17,
                 keep_raw: bool = False, meter: list[int] | None = None) -> None:
        self.conn = conn
        self.meter = meter if meter is not None else [0]   # the pipeline's memory meter: what parsing adds
        self.kept = 0                        # estimated bytes of the parsed hellos, alerts and errors kept
        self.alerts_dropped = self.errors_dropped = 0   # beyond MAX_KEPT: counted, not kept
        self.keep_raw = keep_raw             # keep each hello's wire bytes (for show --hex)
        self.scan_limit = scan_limit
        self.max_handshake_len = max_handshake_len
        self.dirs = (_Direction(), _Direction())
        self.client: int | None = None       # direction index of the client, once known
        self.client_hello = None
        self.client_record_version: int | None = None
        self.retry_client_hello = None
        self.server_hello = None
        self.server_record_version: int | None = None
        self.hello_retry_request = None
        self.sslv2_server_hello = None
        self.alerts: list[AlertInfo] = []
        self.errors: list[FlowError] = []
        self.upgrade: str | None = None
        self.gaps = 0
        self.done = False
        self.midstream_tls = False           # a direction began with TLS records but no hello (capture started late)
        self._ts_ns = 0

    # ---- memory ----------------------------------------------------------------------------------

    def held(self) -> int:
        """Estimated bytes this connection holds beyond its fixed cost: buffers and what was parsed."""
        n = self.kept
        for st in self.dirs:
            n += len(st.scan)
            if st.reader is not None:
                n += st.reader.held()
            if st.splitter is not None:
                n += st.splitter.held()
        return n

    def _keep(self, hello) -> None:
        """Account for a parsed hello (its objects take several times its wire size: 10,000 extensions are
        about 2 MB) and tell the pipeline's meter."""
        cost = _HELLO_COST + len(getattr(hello, "raw", b"") or b"")
        for name in ("cipher_suites", "sslv2_cipher_specs", "cipher_specs"):
            cost += _ITEM_COST * len(getattr(hello, name, ()) or ())
        for ext in getattr(hello, "extensions", None) or ():
            cost += _EXTENSION_COST + len(ext.data)
        cost += _ERROR_COST * len(getattr(hello, "extension_errors", ()) or ())
        self.kept += cost
        self.meter[0] += cost

    # ---- input -----------------------------------------------------------------------------------

    def data(self, d: int, data: bytes, ts_ns: int) -> None:
        """In-order bytes of direction ``d``."""
        st = self.dirs[d]
        self._ts_ns = ts_ns
        mode = st.mode
        if mode == _TLS:
            st.reader.feed(data)
            self._drain(d)
        elif mode == _SCAN:
            st.scan += data
            self._scan(d)
        elif mode == _SSL2_AFTER:
            st.encrypted = True
            st.mode = _DONE
            self._check_done()
        elif mode == _RESYNC:
            st.scan += data
            self._resync(d)

    def gap(self, d: int, missing: int, offset: int) -> None:
        """``missing`` bytes of direction ``d`` were not captured, ending at stream ``offset``."""
        self.gaps += 1
        st = self.dirs[d]
        if st.mode == _SCAN:
            st.scan.clear()
            st.scanned = offset
        elif st.mode in (_TLS, _RESYNC):
            st.reader = None
            if not st.hello:
                self._error(d, "gap", offset - missing, f"{missing} bytes missing from the capture before the hello was complete")
                st.mode = _FAILED
                self._check_done()
            else:                       # the hello is in: look for records again after the hole
                st.mode, st.scan, st.scanned, st.splitter = _RESYNC, bytearray(), offset, None

    def end(self, d: int) -> None:
        """Direction ``d`` ended (FIN/RST seen or the capture ended)."""
        st = self.dirs[d]
        if st.mode == _TLS and st.reader is not None:
            try:
                st.reader.feed(b"")
                while st.mode == _TLS and st.reader.next_event() not in (NEED_DATA, EOF):
                    pass        # nothing is left but the end: events were drained as data came
            except MalformedInput as exc:
                if not st.hello:   # cut by the end of the capture (or of the connection) before the hello
                    self._error(d, "truncated", exc.offset, str(exc), stop=False)
        if st.mode in (_SCAN, _TLS, _SSL2_AFTER, _RESYNC):
            st.mode = _DONE
        st.scan = bytearray()
        self._check_done()

    # ---- finding TLS -----------------------------------------------------------------------------

    def _resync(self, d: int) -> None:
        """Records again after a gap: ChangeCipherSpec or encrypted data ends the direction, an alert is
        recorded; handshake records (the rest of a Certificate, say) are stepped over."""
        st = self.dirs[d]
        if st.splitter is None:
            pos = find_record_boundary(bytes(st.scan), limit=self.scan_limit)
            if pos is None:
                if len(st.scan) >= self.scan_limit:
                    st.mode, st.scan = _DONE, bytearray()
                    self._check_done()
                return
            st.splitter = RecordSplitter(base_offset=st.scanned + pos, allow_sslv2=False)
            st.splitter.feed(bytes(st.scan[pos:]))
        else:
            st.splitter.feed(bytes(st.scan))
        st.scan = bytearray()
        try:
            while st.mode == _RESYNC:
                record = st.splitter.next_record()
                if record is NEED_DATA or record is EOF:
                    return
                if record.content_type == registry.CT_ALERT and len(record.fragment) == 2 and not st.encrypted:
                    level, description = record.fragment[0], record.fragment[1]
                    self._append(self.alerts, AlertInfo(level, description, "client" if d == self.client else "server",
                                                 self._ts_ns))
                    if level == 2:
                        st.mode = _DONE
                elif record.content_type in (registry.CT_CHANGE_CIPHER_SPEC, registry.CT_APPLICATION_DATA):
                    st.encrypted = True
                    st.mode = _DONE
        except MalformedInput:
            st.mode = _DONE                 # lost again: nothing more can be said about this direction
        if st.mode != _RESYNC:
            st.splitter = None
            self._check_done()

    def _scan(self, d: int) -> None:
        st = self.dirs[d]
        buf = bytes(st.scan)
        client_side = self.client is None or self.client == d
        pos = find_tls_start(buf, client=True, limit=self.scan_limit) if client_side else None
        if pos is not None:
            self.client = d
        elif self.client is None or self.client != d:
            pos = find_tls_start(buf, client=False, limit=self.scan_limit)
            if pos is not None and self.client is None:
                self.client = 1 - d
        if pos is None:
            if buf[:2] == b"\x17\x03" and len(buf) >= 5 and buf[2] <= 4:
                self.midstream_tls = True
            if len(buf) >= self.scan_limit:
                st.mode = _DONE
                st.scan = bytearray()
                self._check_done()
            return
        st.tls_offset = st.scanned + pos
        if pos and self.client == d:
            self.upgrade = guess_upgrade(buf[:pos])
        st.reader = HandshakeReader(base_offset=st.tls_offset, max_handshake_len=self.max_handshake_len,
                                    keep_types=_HELLO_TYPES)
        if self.client == d and self.server_hello is None:
            # A TLS <= 1.2 client sends ChangeCipherSpec only after the ServerHello; one sent before it is
            # TLS 1.3's compatibility CCS (after an HRR that may not be in the capture).
            st.reader.mark_compat_ccs()
        st.mode = _TLS
        st.scan = bytearray()
        st.reader.feed(buf[pos:])
        self._drain(d)
        other = 1 - d
        if self.dirs[other].mode == _SCAN and self.dirs[other].scan:
            self._scan(other)

    # ---- events ----------------------------------------------------------------------------------

    def _drain(self, d: int) -> None:
        st = self.dirs[d]
        reader = st.reader
        try:
            while st.mode == _TLS:
                ev = reader.next_event()
                if ev is NEED_DATA or ev is EOF:
                    return
                self._event(d, ev)
        except ResourceLimitExceeded as exc:
            self._error(d, "resource_limit", None, str(exc))
        except MalformedInput as exc:
            kind = "malformed_record" if isinstance(exc, MalformedRecord) else "malformed_handshake"
            self._error(d, kind, exc.offset, str(exc))

    def _event(self, d: int, ev: object) -> None:
        st = self.dirs[d]
        is_client = d == self.client
        if isinstance(ev, HandshakeMessage):
            raw = bytes([ev.msg_type]) + len(ev.body).to_bytes(3, "big") + ev.body if self.keep_raw else b""
            if is_client and ev.msg_type == registry.HT_CLIENT_HELLO:
                self._client_hello(_raw(parse_client_hello(ev.body, ev.body_offset), raw), ev.record_version)
            elif not is_client and ev.msg_type == registry.HT_SERVER_HELLO:
                self._server_hello(d, _raw(parse_server_hello(ev.body, ev.body_offset), raw), ev.record_version)
            elif not is_client and ev.msg_type == registry.HT_HELLO_RETRY_REQUEST:
                self._server_hello(d, _raw(parse_hello_retry_request_draft(ev.body, ev.body_offset), raw),
                                   ev.record_version)
        elif isinstance(ev, SSLv2Message):
            raw = bytes([ev.msg_type]) + ev.body if self.keep_raw else b""
            if is_client and ev.msg_type == registry.SSL2_MT_CLIENT_HELLO:
                self._client_hello(_raw(parse_sslv2_client_hello(ev.body, ev.body_offset), raw), registry.SSL2)
                st.mode = _SSL2_AFTER
            elif not is_client and ev.msg_type == registry.SSL2_MT_SERVER_HELLO:
                self.sslv2_server_hello = _raw(parse_sslv2_server_hello(ev.body, ev.body_offset), raw)
                self._keep(self.sslv2_server_hello)
                self.server_record_version = registry.SSL2
                st.hello = True
                st.mode = _SSL2_AFTER
            else:
                st.encrypted = True
                st.mode = _DONE
        elif isinstance(ev, Alert):
            self._append(self.alerts, AlertInfo(ev.level, ev.description, "client" if is_client else "server",
                                                self._ts_ns))
            if ev.level == 2:
                st.mode = _DONE
        elif isinstance(ev, (ChangeCipherSpec, EncryptedData, EncryptedAlert)):
            if isinstance(ev, ChangeCipherSpec) and self.server_hello is None and \
                    (is_client or self.hello_retry_request is not None):
                st.compat_ccs = True
                return          # TLS 1.3 middlebox compatibility CCS (RFC 8446 D.4), not encryption
            st.encrypted = True
        self._direction_progress(d)

    def _client_hello(self, hello, record_version: int) -> None:
        self._keep(hello)
        st = self.dirs[self.client]
        if self.client_hello is None:
            self.client_hello = hello
            self.client_record_version = record_version
        elif self.retry_client_hello is None and (self.hello_retry_request is not None or st.compat_ccs):
            self.retry_client_hello = hello     # after an HRR (seen, or implied by the compatibility CCS)
        else:
            self._error(self.client, "unexpected_message", hello.offset,
                        "another ClientHello without a HelloRetryRequest before it", stop=False)
        st.hello = True
        self._extension_errors(self.client, hello)

    def _server_hello(self, d: int, hello, record_version: int) -> None:
        self._keep(hello)
        st = self.dirs[d]
        if hello.is_hello_retry_request:
            if self.hello_retry_request is None:
                self.hello_retry_request = hello
                for st_ in self.dirs:       # RFC 8446 D.4: CCS is a dummy; ServerHello / ClientHello2 follow
                    if st_.reader is not None:
                        st_.reader.mark_compat_ccs()
        elif self.server_hello is None:
            self.server_hello = hello
            self.server_record_version = record_version
            st.hello = True
            version = hello.selected_version if hello.selected_version is not None else hello.legacy_version
            client_reader = self.dirs[self.client].reader if self.client is not None else None
            if registry.normalize_version(version) == registry.TLS1_3:
                st.reader.mark_encrypted()
            elif client_reader is not None:
                client_reader.mark_compat_ccs(False)
        self._extension_errors(d, hello)

    def _extension_errors(self, d: int, hello) -> None:
        for err in hello.extension_errors:
            name = registry.name(registry.EXTENSIONS, err.ext_type)
            self._error(d, "malformed_extension", err.offset, f"extension {name}: {err.detail}", stop=False)
        if hello.malformed is not None:     # a damaged extension block: the hello is kept and the damage recorded;
            # the direction goes on, as the handshake header framed the hello (the next message is where it says)
            self._error(d, "malformed_handshake", hello.malformed_offset, hello.malformed, stop=False)

    def _direction_progress(self, d: int) -> None:
        st = self.dirs[d]
        if st.mode != _TLS:
            self._check_done()
            return
        waiting_retry = d == self.client and self.hello_retry_request is not None and self.retry_client_hello is None
        if st.hello and st.encrypted and not waiting_retry:
            st.mode = _DONE
            st.reader = None
            self._check_done()

    def _error(self, d: int, kind: str, offset: int | None, detail: str, *, stop: bool = True) -> None:
        side = "client" if d == self.client else "server"
        self._append(self.errors, FlowError(self.conn, kind, side, offset, detail))
        if stop:
            st = self.dirs[d]
            st.mode = _FAILED
            st.reader = None
            self._check_done()

    def note(self, detail: str) -> None:
        """Record something the capture did that the reader of the result should know (does not stop parsing)."""
        self._append(self.errors, FlowError(self.conn, "tcp_anomaly", "both", None, detail))

    def _append(self, kept: list, item: object) -> None:
        """Alerts and errors are kept up to MAX_KEPT each (a stream of a million warning alerts, or of
        ClientHellos, would otherwise fill memory); the rest are counted, and the result says so."""
        if len(kept) < MAX_KEPT:
            kept.append(item)
            self.kept += _ERROR_COST
            self.meter[0] += _ERROR_COST
        elif kept is self.alerts:
            self.alerts_dropped += 1
        else:
            self.errors_dropped += 1

    def _check_done(self) -> None:
        a, b = self.dirs[0].mode, self.dirs[1].mode
        self.done = (a == _DONE or a == _FAILED) and (b == _DONE or b == _FAILED)

    # ---- result ----------------------------------------------------------------------------------

    def all_errors(self) -> list[FlowError]:
        errors = list(self.errors)
        if self.alerts_dropped or self.errors_dropped:
            errors.append(FlowError(self.conn, "resource_limit", "both", None,
                                    f"{self.alerts_dropped} more alerts and {self.errors_dropped} more errors "
                                    f"not kept (at most {MAX_KEPT} of each)"))
        return errors

    @property
    def is_tls(self) -> bool:
        """TLS was found: a hello was parsed, or a direction started TLS (even if what followed was malformed)."""
        return any(st.tls_offset is not None for st in self.dirs)

    def outcome(self, closed: bool, packets: tuple[int, int] = (1, 1)) -> str:
        fatal = any(a.level == 2 for a in self.alerts)
        if fatal:
            return FAILED
        if self.client is None:
            return INCOMPLETE
        client, server = self.dirs[self.client], self.dirs[1 - self.client]
        have_server = self.server_hello is not None or self.sslv2_server_hello is not None
        if have_server and client.encrypted and server.encrypted:
            return ESTABLISHED
        server_seen = packets[1 - self.client] > 0
        if closed and server_seen and self.client_hello is not None and not any(e.kind == "gap" for e in self.errors):
            return FAILED          # closed before the handshake completed; not when a side or its hello is missing
        return INCOMPLETE

    def result(self, *, capture: str, ts_ns: int, last_ts_ns: int, endpoints: tuple[Endpoint, Endpoint],
               closed_by: str | None, packets: tuple[int, int], payload_bytes: tuple[int, int],
               identity: ServerIdentity | None = None, capture_file: str | None = None) -> Connection:
        c = self.client if self.client is not None else 0
        cdir = self.dirs[c]
        return Connection(
            capture=capture, conn=self.conn, ts_ns=ts_ns, last_ts_ns=last_ts_ns, transport="tcp",
            client=endpoints[c], server=endpoints[1 - c],
            client_hello=self.client_hello, client_record_version=self.client_record_version,
            server_hello=self.server_hello, server_record_version=self.server_record_version,
            hello_retry_request=self.hello_retry_request, retry_client_hello=self.retry_client_hello,
            sslv2_server_hello=self.sslv2_server_hello, alerts=tuple(self.alerts),
            client_encrypted=cdir.encrypted, server_encrypted=self.dirs[1 - c].encrypted,
            closed_by=closed_by, outcome=self.outcome(closed_by is not None, packets),
            tls_offset=cdir.tls_offset, upgrade=self.upgrade, gaps=self.gaps, packets=packets[0] + packets[1],
            client_payload_bytes=payload_bytes[c], server_payload_bytes=payload_bytes[1 - c],
            errors=tuple(self.all_errors()), identity=identity, capture_file=capture_file,
        )
