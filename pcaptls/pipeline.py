"""Inspect one capture: capture -> tcp -> tls -> results. Owns: the per-packet loop (the hot path),
flow lifetime (close, evict, finish at end of capture), counters, and the error contract of
``inspect_file``, and the memory bound of the followed connections (max_state_bytes). Imports: capture,
tcp, session, results, model, errors.

Contract: ``inspect_file`` raises only ``CaptureError``, and only when the file cannot be opened at all.
Damage met later stops reading; every connection seen before it is still reported and the damage is in
``Report.error``. Any other exception is a bug.
"""
from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from pcaptls.capture.chain import open_chain
from pcaptls.capture.decap import decode_frame
from pcaptls.capture.files import open_capture
from pcaptls.dnsflow import DnsTcpSession
from pcaptls.enrich.dns import DEFAULT_GRACE_S, NameTable
from pcaptls.enrich.dnsmsg import parse_dns_message
from pcaptls.enrich.identity import Enrichment, Resolver
from pcaptls.errors import CaptureError, MalformedInput
from pcaptls.model import Endpoint, ip_from_packed
from pcaptls.results import Connection, FlowError, Report
from pcaptls.session import TlsSession
from pcaptls.tcp.flows import ACK, FIN, RST, SYN, Flow, FlowTable
from pcaptls.tcp.reassembly import SEGMENT_COST

_SWEEP_EVERY = 1 << 16      # packets between idle sweeps
_ADDRESS_CACHE = 4096       # addresses whose text is kept (a full cache starts over)
_NO_STREAMS = (None, None)  # a flow nobody here follows any more (or that another process follows)


class _NotYet:
    """A flow's session before its first byte: a SYN that is never answered costs no session."""

    __slots__ = ()
    done = False


_NOT_YET = _NotYet()
MAX_FLOW_ERRORS = 1000      # flow errors listed in the report (all are counted): those of the first connections
# Memory accounting of the connections being followed (tracemalloc, CPython 3.11): a followed flow's session,
# reassemblers and per-direction state cost about 1.5 KB before anything is buffered or parsed; each TCP
# segment adds its payload plus reassembly.SEGMENT_COST at most.
SESSION_COST = 1500


@dataclass(frozen=True, slots=True)
class InspectOptions:
    max_flows: int = 25_000              # flows tracked at once; finished ones, then the least recently active,
    #                                      are evicted beyond
    idle_timeout_s: float = 600.0        # capture time without a packet after which a flow is finished
    max_pending_bytes: int = 256 * 1024  # out-of-order bytes buffered per direction before a gap is declared
    max_state_bytes: int = 16 << 20      # memory of the connections being followed (buffers, parsed hellos);
    #                                      beyond it the least recently active are reported early (see docs)
    scan_limit: int = 16 * 1024          # bytes searched for the start of TLS in each direction
    max_handshake_len: int = 2 ** 17     # largest handshake message accepted
    capture_dns: bool = True             # learn server names from DNS answers in the capture
    max_dns_answers: int = 40_000        # DNS answers kept for naming (the oldest are dropped beyond)
    dns_grace_s: int = DEFAULT_GRACE_S   # an answer names its IPs for TTL + this long
    keep_raw: bool = False               # keep each hello's wire bytes (show --hex); costs memory per connection
    jobs: int | None = None              # processes for one capture (pcaptls.parallel); None: 2 for a large file


class Inspection:
    """Iterate over the connections of one capture as they finish; counters and errors afterwards."""

    def __init__(self, source: str | os.PathLike | BinaryIO, options: InspectOptions | None = None,
                 *, name: str | None = None, enrichment: Enrichment | None = None) -> None:
        self.options = options or InspectOptions()
        enrichment = enrichment or Enrichment()
        self._enrichment = enrichment
        self.names = NameTable(grace_s=self.options.dns_grace_s, max_answers=self.options.max_dns_answers) \
            if self.options.capture_dns else None
        self.resolver = Resolver(capture_dns=self.names, snapshots=enrichment.snapshots,
                                 ip_ranges=enrichment.ip_ranges,
                                 catalog=enrichment.catalog if enrichment.catalog is not None else _shipped_catalog())
        if name is None:
            first = source[0] if isinstance(source, (list, tuple)) and source else source
            name = first if isinstance(first, str) else str(getattr(first, "name", "-"))
        self.name = name
        self.counters: dict[str, int] = {}
        self.flow_errors: list[FlowError] = []       # the first MAX_FLOW_ERRORS by connection (all are counted)
        self._meter = [0]                            # bytes the followed connections may have added (upper bound)
        self.error: CaptureError | None = None
        self._source = source
        self._part: tuple[int, int] | None = None
        self._addresses: dict[bytes, tuple[object, str]] = {}
        self._position = 0                # index (fast-path frames included) of the packet at which flows finish
        self._phase = 0                   # where in that packet's processing a flow finishes (merge order)
        self._flow_files: dict[int, str] | None = None       # flow -> file of its first packet, for a rotation
        if isinstance(source, (list, tuple)):                  # the files of one rotation, read as one
            self._reader = open_chain(source, name=self.name)
            self._flow_files = {}
        else:
            self._reader = open_capture(source, name=self.name)   # raises CaptureError: nothing could be read
        self.format = self._reader.format
        self.compression = self._reader.compression

    def __iter__(self) -> Iterator[Connection]:
        for _order, conn in self._run():
            yield conn

    def _run(self, part: tuple[int, int] | None = None) -> Iterator[tuple[tuple[int, int, int], Connection]]:
        """((packet position, phase, conn), connection) as connections finish, in the order of that key.
        With ``part`` = (k, n) only the flows this process owns are followed (pcaptls.parallel); every
        process still sees and numbers every flow, so numbering and counters agree."""
        opts = self.options
        self._part = part
        table = FlowTable(max_flows=opts.max_flows, idle_timeout_ns=int(opts.idle_timeout_s * 1e9),
                          max_pending_bytes=opts.max_pending_bytes)
        counters = self.counters
        lookup = table.map.get
        self._ignore: dict[bytes, list[int]] = {}
        self._skipping: dict[int, Flow] = {}
        self.pending_peak = 0             # most out-of-order bytes one direction held at once
        self._reader.ignore = self._ignore
        packets = tcp_packets = 0
        next_sweep = _SWEEP_EVERY
        peak_flows = 0
        sweep_ns = max(table.idle_timeout_ns // 4, 1)   # idle flows are found within 1.25 x the timeout
        next_sweep_ns = 0
        ts_ns = 0
        meter = self._meter
        self._state_check = opts.max_state_bytes       # meter value at which followed state is measured again
        self.state_peak = 0
        try:
            with self._reader as reader:
                for ts_ns, linktype, frame, orig_len in reader:
                    packets += 1
                    if packets >= next_sweep or ts_ns >= next_sweep_ns:   # before this packet touches a flow
                        next_sweep = packets + _SWEEP_EVERY
                        next_sweep_ns = ts_ns + sweep_ns
                        self._position, self._phase = packets + reader.skipped, 0
                        yield from self._sweep(table, ts_ns)
                    seg = decode_frame(linktype, frame, counters)
                    if seg is None:
                        continue
                    proto, src, dst, sport, dport, seq, ack, flags, payload, missing = seg
                    if proto != 6:
                        counters["udp_packets"] = counters.get("udp_packets", 0) + 1
                        if (sport == 53 or dport == 53) and payload and self.names is not None:
                            self._dns_datagram(payload, ts_ns)
                        continue
                    tcp_packets += 1
                    if missing:     # headers can lie; only what the capture really cut counts as missing
                        missing = min(missing, max(orig_len - len(frame), 0))
                    hit = lookup((src, sport, dst, dport))
                    if hit is None:
                        flow, d = self._new_flow(table, (src, sport, dst, dport), ts_ns), 0
                        if len(table.flows) > table.max_flows:
                            self._position, self._phase = packets + reader.skipped, 1
                            yield from self._evict_oldest(table)
                        if len(table.flows) > peak_flows:
                            peak_flows = len(table.flows)
                    else:
                        flow, d = hit
                        if flags & SYN and not flags & ACK and flow.is_new_connection(d, seq, flags):
                            self._position, self._phase = packets + reader.skipped, 1
                            yield from self._finish(table, flow, remove=True)
                            flow, d = self._new_flow(table, (src, sport, dst, dport), ts_ns), 0
                    flow.last_ts_ns = ts_ns
                    flow.packets[d] += 1
                    if flags & SYN and flow.isn[d] is None:
                        flow.isn[d] = seq           # in every process, followed or not: it decides new connections
                    session = flow.session
                    if session is not None and not session.done:
                        session = self._segment(flow, d, session, seq, ack, flags, payload, missing, ts_ns)
                        if session.done and not flags & (FIN | RST):
                            self._skip(flow)
                        if meter[0] > self._state_check:   # followed connections may hold too much: measure
                            self._position, self._phase = packets + reader.skipped, 2
                            yield from self._trim_state(table)
                    elif payload:
                        flow.payload_bytes[d] += len(payload)
                    if flags & (FIN | RST) and not flow.closed:
                        if flags & RST:
                            flow.rst = True
                        else:
                            flow.fin[d] = True
                        if flow.rst or (flow.fin[0] and flow.fin[1]):
                            self._position, self._phase = packets + reader.skipped, 3
                            yield from self._finish(table, flow, remove=False)
        except CaptureError as exc:
            self.error = exc
        finally:
            counters["packets"] = packets
            counters["tcp_packets"] = tcp_packets
        self._position, self._phase = packets + self._reader.skipped + 1, 0
        for flow in sorted(table.flows.values(), key=lambda f: f.index):
            yield from self._finish(table, flow, remove=True)
        counters["packets"] += self._reader.skipped        # frames the reader counted for finished handshakes
        counters["tcp_packets"] += self._reader.skipped
        counters["flows"] = table.created
        counters["flows_peak"] = peak_flows
        counters["tcp_pending_peak_bytes"] = self.pending_peak
        counters["flows_evicted"] = table.evicted
        counters["flow_errors"] = counters.get("flow_errors", 0)
        self.flow_errors = _first_errors(self.flow_errors)
        for key, value in self._reader.counters.items():
            if value:
                counters[key] = value
        if self.names is not None:
            for key, value in self.names.counters.items():     # answers_evicted: the name table's bound
                if value:
                    counters[key if key.startswith("dns_") else f"dns_{key}"] = value

    def report(self, connections: list[Connection] | tuple[Connection, ...] = ()) -> Report:
        """A Report of this (finished) inspection holding ``connections``."""
        return Report(capture=self.name, connections=tuple(connections),
                      counters=dict(sorted(self.counters.items())),
                      flow_errors=tuple(sorted(self.flow_errors, key=lambda e: e.conn)),
                      error=self.error, format=self.format, compression=self.compression)

    # ---- per flow --------------------------------------------------------------------------------

    def _new_flow(self, table: FlowTable, key: tuple, ts_ns: int) -> Flow:
        flow = table.add(key, ts_ns)
        if self._flow_files is not None:
            self._flow_files[flow.index] = self._reader.current_path
        dns = key[1] == 53 or key[3] == 53
        if self._part is not None and not dns and flow_owner(key, self._part[1]) != self._part[0]:
            self._skip(flow)              # another process follows it; here its packets are only counted
            return flow
        if dns and self.names is not None:
            flow.session = DnsTcpSession(flow.index, self.names, self.counters)
            self._meter[0] += SESSION_COST
        else:
            flow.session = _NOT_YET       # made when the first byte arrives (_segment)
        return flow

    def _tls_session(self, flow: Flow) -> TlsSession:
        opts = self.options
        self._meter[0] += SESSION_COST
        return TlsSession(flow.index, scan_limit=opts.scan_limit, max_handshake_len=opts.max_handshake_len,
                          keep_raw=opts.keep_raw, meter=self._meter)

    def _dns_datagram(self, payload: bytes, ts_ns: int) -> None:
        counters = self.counters
        if len(payload) > 2 and not payload[2] & 0x80:   # a query (QR clear): names come from responses only
            counters["dns_queries"] = counters.get("dns_queries", 0) + 1
            return
        try:
            msg = parse_dns_message(payload, trailing_ok=True)
        except MalformedInput:
            counters["dns_malformed"] = counters.get("dns_malformed", 0) + 1
            return
        if msg.trailing:
            counters["dns_trailing_bytes"] = counters.get("dns_trailing_bytes", 0) + 1
        if msg.is_response:
            counters["dns_responses"] = counters.get("dns_responses", 0) + 1
            self.names.add_message(msg, ts_ns)

    def _segment(self, flow: Flow, d: int, session: TlsSession, seq: int, ack: int, flags: int, payload: bytes,
                 missing: int, ts_ns: int) -> TlsSession:
        """Reassemble one segment and feed the session; returns the flow's session (made on the first byte)."""
        if flags & ACK:
            flow.acked[d] = ack
        stream = flow.streams[d]
        if flags & SYN:
            if flow.isn[d] is None:
                flow.isn[d] = seq
            if stream is not None:
                stream.syn(seq)
        if not payload and not missing:
            return session                  # nothing for reassembly or the session
        if session is _NOT_YET:
            session = flow.session = self._tls_session(flow)
        if stream is None:
            stream = flow.stream(d)
        if payload:
            flow.payload_bytes[d] += len(payload)
            self._meter[0] += len(payload) + SEGMENT_COST
            if flow.acked[1 - d] == seq and not flags & SYN:
                stream.resync(seq)          # the peer acknowledged this ISN, not the first SYN-ACK's
            data = stream.add((seq + 1) & 0xFFFFFFFF if flags & SYN else seq, payload)   # SYN data (TFO) follows the SYN
            if stream.pending_bytes > self.pending_peak:
                self.pending_peak = stream.pending_bytes
            if data:
                session.data(d, data, ts_ns)
        if missing:
            stream.skip(missing)
            session.gap(d, missing, stream.offset)
        while stream.over_limit and not session.done:
            skipped, data = stream.skip_gap()
            session.gap(d, skipped, stream.offset - len(data))
            if data:
                session.data(d, data, ts_ns)
        return session

    def _skip(self, flow: Flow) -> None:
        """The flow needs no more parsing: let the capture reader count its bulk packets itself."""
        src, sport, dst, dport = flow.key
        if len(src) not in (4, 16):
            return
        ports = (sport.to_bytes(2, "big"), dport.to_bytes(2, "big"))
        keys = (src + dst + ports[0] + ports[1], dst + src + ports[1] + ports[0])
        if keys[0] in self._ignore or keys[1] in self._ignore:
            return
        entries = ([0, 0, 0], [0, 0, 0])
        self._ignore[keys[0]], self._ignore[keys[1]] = entries
        flow.skip = (keys, entries)
        self._skipping[flow.index] = flow

    def _unskip(self, flow: Flow) -> None:
        """Fold what the reader counted for ``flow`` back into it and stop skipping its packets."""
        keys, entries = flow.skip
        flow.skip = None
        self._skipping.pop(flow.index, None)
        for d in (0, 1):
            self._ignore.pop(keys[d], None)
            packets, last_ts, payload = entries[d]
            flow.packets[d] += packets
            flow.payload_bytes[d] += payload
            flow.last_ts_ns = max(flow.last_ts_ns, last_ts)

    def _finish(self, table: FlowTable, flow: Flow, *, remove: bool) -> Iterator[Connection]:
        if flow.skip is not None:
            self._unskip(flow)
        if remove:
            table.remove(flow)
        if flow.closed:
            return
        flow.closed = True
        yield from self._report(flow)

    def _trim_state(self, table: FlowTable) -> Iterator[Connection]:
        """The meter says the followed connections may hold more than ``max_state_bytes``: measure them; if
        they do, report the least recently active ones now and follow them no further (their packets are
        still counted, as for a flow another process follows, but not by the reader's fast path: its entries
        would cost memory again), down to three quarters of the bound."""
        budget = self.options.max_state_bytes
        held = {flow: self._held(flow) for flow in table.flows.values()
                if flow.session is not None and flow.session is not _NOT_YET}
        total = sum(held.values())
        self.state_peak = max(self.state_peak, total)
        if total > budget:
            self._refresh_activity()
            victims = []
            for flow in sorted(held, key=lambda f: (f.last_ts_ns, f.index)):
                if total <= budget * 3 // 4:
                    break
                total -= held[flow]
                victims.append(flow)
            self.counters["flows_reported_early"] = self.counters.get("flows_reported_early", 0) + len(victims)
            for flow in sorted(victims, key=lambda f: f.index):   # in flow order, as everywhere (the merge key)
                yield from self._report(flow)       # no longer followed: its packets are only counted
        self._state_check = self._meter[0] + budget - total

    def _held(self, flow: Flow) -> int:
        """Estimated bytes a followed flow holds (its session, reassembly buffers, what was parsed)."""
        s0, s1 = flow.streams
        return SESSION_COST + (s0.held() if s0 is not None else 0) + (s1.held() if s1 is not None else 0) \
            + flow.session.held()

    def _report(self, flow: Flow) -> Iterator[Connection]:
        """End the flow's session and yield its connection (if it was TLS), with what was seen so far."""
        if flow.skip is not None:
            self._unskip(flow)
        capture_file = self._flow_files.pop(flow.index, None) if self._flow_files is not None else None
        session = flow.session
        flow.session = None
        if session is None or session is _NOT_YET:   # nobody follows it here, or it never carried a byte
            return
        for d in (0, 1):
            stream = flow.streams[d]
            while stream is not None and stream.has_pending and not session.done:
                skipped, data = stream.skip_gap()
                session.gap(d, skipped, stream.offset - len(data))
                if data:
                    session.data(d, data, flow.last_ts_ns)
            session.end(d)
        counters = self.counters
        conflicts = 0
        for stream in flow.streams:
            if stream is None:
                continue
            if stream.retransmitted_bytes:
                counters["tcp_retransmitted_bytes"] = counters.get("tcp_retransmitted_bytes", 0) + stream.retransmitted_bytes
            if stream.gap_bytes:
                counters["tcp_gap_bytes"] = counters.get("tcp_gap_bytes", 0) + stream.gap_bytes
            conflicts += stream.inconsistent_overlaps
        if conflicts:
            self.counters["tcp_overlap_conflicts"] = self.counters.get("tcp_overlap_conflicts", 0) + conflicts
            session.note(f"{conflicts} overlapping TCP segment(s) carried different bytes; the first copy was used")
        flow.streams = _NO_STREAMS
        if session.midstream_tls and not session.is_tls:
            self.counters["tls_without_handshake"] = self.counters.get("tls_without_handshake", 0) + 1
        errors = session.all_errors()
        if errors:
            self.counters["flow_errors"] = self.counters.get("flow_errors", 0) + len(errors)
            self.flow_errors.extend(errors)
            if len(self.flow_errors) > 2 * MAX_FLOW_ERRORS:
                self.flow_errors = _first_errors(self.flow_errors)
        if not session.is_tls:
            return
        self.counters["tls_connections"] = self.counters.get("tls_connections", 0) + 1
        src, sport, dst, dport = flow.key
        (src_ip, src_text), (dst_ip, dst_text) = self._address(src), self._address(dst)
        endpoints = (Endpoint(src_ip, sport), Endpoint(dst_ip, dport))
        closed_by = "rst" if flow.rst else ("fin" if flow.fin[0] or flow.fin[1] else None)
        server_text = dst_text if session.client in (0, None) else src_text
        sni = session.client_hello.server_name if session.client_hello is not None else None
        identity = self.resolver.identify(sni.decode("utf-8", "backslashreplace") if sni else None,
                                          server_text, flow.first_ts_ns)
        yield (self._position, self._phase, flow.index), session.result(capture=self.name, ts_ns=flow.first_ts_ns, last_ts_ns=flow.last_ts_ns,
                             endpoints=endpoints, closed_by=closed_by, packets=(flow.packets[0], flow.packets[1]),
                             payload_bytes=(flow.payload_bytes[0], flow.payload_bytes[1]), identity=identity,
                             capture_file=capture_file)

    def _address(self, packed: bytes) -> tuple[object, str]:
        """The ipaddress object of a packed address and its text, from a bounded cache (servers recur)."""
        hit = self._addresses.get(packed)
        if hit is None:
            if len(self._addresses) >= _ADDRESS_CACHE:
                self._addresses.clear()
            ip = ip_from_packed(packed)
            hit = self._addresses[packed] = (ip, str(ip))
        return hit

    def _refresh_activity(self) -> None:
        """Packets the capture reader counted for skipped flows are activity too."""
        for flow in self._skipping.values():
            entries = flow.skip[1]
            flow.last_ts_ns = max(flow.last_ts_ns, entries[0][1], entries[1][1])

    def _sweep(self, table: FlowTable, now_ns: int) -> Iterator[Connection]:
        """Finish flows idle for longer than the timeout (closed ones are simply dropped)."""
        self._refresh_activity()
        for flow in table.idle(now_ns):
            if not flow.closed and flow.session is not None:     # another process's flow is its to count
                table.evicted += 1
            yield from self._finish(table, flow, remove=True)

    def _evict_oldest(self, table: FlowTable) -> Iterator[Connection]:
        """Over max_flows: finish the least recently active tenth (sorting once per tenth keeps it cheap)."""
        self._refresh_activity()
        victims = table.oldest(len(table) - table.max_flows + max(table.max_flows // 10, 1))
        for flow in sorted(victims, key=lambda f: f.index):     # finish order = flow order, as everywhere
            if not flow.closed and flow.session is not None:
                table.evicted += 1
            yield from self._finish(table, flow, remove=True)


# Process 0 (the parent) also starts up before the others exist, merges their results and writes the
# output: it follows this fraction of its equal share of the flows (bench/: 1 GB on 2 cores).
PARENT_SHARE = 0.9


def _first_errors(errors: list[FlowError]) -> list[FlowError]:
    """The errors of the lowest-numbered connections, at most MAX_FLOW_ERRORS (in connection order; each
    connection's own errors in their order): the same whichever processes found them."""
    return sorted(errors, key=lambda e: e.conn)[:MAX_FLOW_ERRORS]


def flow_owner(key: tuple, n: int) -> int:
    """Which of ``n`` processes follows the flow with this 4-tuple, in whichever direction it is seen:
    process 0 a ``PARENT_SHARE`` of an equal share, the others the rest in equal parts."""
    src, sport, dst, dport = key
    a, b = src + sport.to_bytes(2, "big"), dst + dport.to_bytes(2, "big")
    if n <= 1:
        return 0
    h = zlib.crc32(min(a, b) + max(a, b))                  # uniform over [0, 2**32)
    first = int((1 << 32) * PARENT_SHARE / n)
    return 0 if h < first else 1 + (h - first) * (n - 1) // ((1 << 32) - first)


def _shipped_catalog():
    from pcaptls.enrich.aws import load_shipped_catalog   # 0.15 s to index: only when a capture is read
    return load_shipped_catalog()


def iter_connections(source: str | os.PathLike | BinaryIO, options: InspectOptions | None = None,
                     *, name: str | None = None, enrichment: Enrichment | None = None) -> Inspection:
    """Connections of one capture, as they finish; ``.counters``/``.error``/``.names`` are complete after
    iteration."""
    return Inspection(source, options, name=name, enrichment=enrichment)


def _order(conn: Connection) -> tuple:
    return (conn.ts_ns, conn.client.ip.version, conn.client.ip.packed, conn.client.port,
            conn.server.ip.packed, conn.server.port, conn.conn)


def inspect_file(source: str | os.PathLike | BinaryIO, options: InspectOptions | None = None,
                 *, name: str | None = None, enrichment: Enrichment | None = None) -> Report:
    """All TLS connections of one capture, sorted by first packet. Raises only CaptureError."""
    insp = Inspection(source, options, name=name, enrichment=enrichment)
    return insp.report(sorted(insp, key=_order))
