"""Track TCP connections. Owns: the flow table (both orientations of a 4-tuple map to one Flow), a new
connection on a reused 4-tuple (a fresh SYN after FIN/RST or with a new ISN), idle and size-based
eviction. Imports: tcp.reassembly.

It knows nothing about TLS: a consumer object rides along in ``Flow.session``.
"""
from __future__ import annotations

from typing import Any

from pcaptls.tcp.reassembly import StreamReassembler

FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


class Flow:
    """One TCP connection. Direction 0 is the sender of the first packet seen."""

    __slots__ = ("index", "key", "first_ts_ns", "last_ts_ns", "streams", "isn", "fin", "rst",
                 "packets", "payload_bytes", "session", "closed", "acked", "skip", "max_pending_bytes")

    def __init__(self, index: int, key: tuple, ts_ns: int, max_pending_bytes: int) -> None:
        self.index = index
        self.key = key                       # (src, sport, dst, dport) of direction 0
        self.first_ts_ns = ts_ns
        self.last_ts_ns = ts_ns
        # a direction's reassembler is made when it first carries data (``stream``): a SYN that is never
        # answered costs no buffers (a million half-open connections)
        self.streams: tuple[StreamReassembler | None, StreamReassembler | None] = (None, None)
        self.max_pending_bytes = max_pending_bytes
        self.isn: list[int | None] = [None, None]
        self.fin = [False, False]
        self.rst = False
        self.packets = [0, 0]
        self.payload_bytes = [0, 0]
        self.session: Any = None
        self.closed = False                  # finished and reported; kept as a tombstone for late packets
        self.acked: list[int | None] = [None, None]   # last ACK number sent by each direction
        self.skip: tuple | None = None       # (key, entry) per direction while its bulk is counted, not parsed

    def stream(self, d: int) -> StreamReassembler:
        """Direction ``d``'s reassembler, made on first use (starting after the SYN seen, if any)."""
        stream = self.streams[d]
        if stream is None:
            stream = StreamReassembler(max_pending_bytes=self.max_pending_bytes)
            if self.isn[d] is not None:
                stream.syn(self.isn[d])
            self.streams = (stream, self.streams[1]) if d == 0 else (self.streams[0], stream)
        return stream

    def is_new_connection(self, d: int, seq: int, flags: int) -> bool:
        """Does a SYN (no ACK) from direction ``d`` with ``seq`` start a new connection on this 4-tuple?"""
        if self.closed or self.rst or self.fin[0] or self.fin[1]:
            return True
        isn = self.isn[d]
        return isn is not None and isn != seq


class FlowTable:
    """4-tuple -> (Flow, direction). Bounded: ``evict_idle`` and ``evict_oldest`` keep it in limits."""

    def __init__(self, *, max_flows: int = 100_000, idle_timeout_ns: int = 600 * 10**9,
                 max_pending_bytes: int = 256 * 1024) -> None:
        if max_flows < 1:
            raise ValueError("max_flows must be at least 1")
        self.max_flows = max_flows
        self.idle_timeout_ns = idle_timeout_ns
        self.max_pending_bytes = max_pending_bytes
        self.map: dict[tuple, tuple[Flow, int]] = {}
        self.flows: dict[int, Flow] = {}
        self.created = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self.flows)

    def add(self, key: tuple, ts_ns: int) -> Flow:
        old = self.map.get(key)
        if old is not None:
            self.remove(old[0])
        flow = Flow(self.created, key, ts_ns, self.max_pending_bytes)
        self.created += 1
        src, sport, dst, dport = key
        self.map[key] = (flow, 0)
        self.map[(dst, dport, src, sport)] = (flow, 1)
        self.flows[flow.index] = flow
        return flow

    def remove(self, flow: Flow) -> None:
        src, sport, dst, dport = flow.key
        for k in (flow.key, (dst, dport, src, sport)):
            hit = self.map.get(k)
            if hit is not None and hit[0] is flow:
                del self.map[k]
        self.flows.pop(flow.index, None)

    def idle(self, now_ns: int) -> list[Flow]:
        """Flows with no packet for longer than the idle timeout, oldest first (not removed)."""
        limit = now_ns - self.idle_timeout_ns
        return [f for f in self.flows.values() if f.last_ts_ns < limit]

    def oldest(self, count: int) -> list[Flow]:
        """The ``count`` flows to evict first (not removed): those already finished (kept only to recognise
        late packets), then the least recently active."""
        return sorted(self.flows.values(), key=lambda f: (not f.closed, f.last_ts_ns))[:count]
