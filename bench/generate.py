"""Deterministic generator of large benchmark captures. Owns: planning thousands of TLS connections
(addresses, timing, sizes, impairments), writing them interleaved in time as a classic Ethernet pcap (µs),
and the expected list ``<out>.expected.json``. Imports: bench.templates (the real hellos of the fixtures).

    python -m bench.generate --size 1G --out /tmp/bench-1g.pcap [--seed N]

Every connection: 3-way handshake, a fixture connection's client/server flights with the SNI's first label
rewritten (same length, so every length field stays valid), bulk application data records in 1460-byte
segments, FIN teardown. Impairments touch bulk data segments only (never a hello), so the expected
handshakes stay exact: adjacent segments swapped, a segment lost, a segment retransmitted. Some connections
reuse the 4-tuple of a finished one with a new ISN. The same size and seed give byte-identical files.
"""
from __future__ import annotations

import argparse
import bisect
import heapq
import ipaddress
import json
import math
import random
import struct
import sys
import time
from collections import Counter
from dataclasses import dataclass

from bench.profiles import (PROFILES, RESOLVER4, TTL, Profile, ServerName, dns_query, dns_response, udp4_frame,
                            with_sni)
from bench.templates import SOURCES, Template, load_templates, templates_digest

MSS = 1460
START_S = 1_700_000_000                       # 2023-11-14T22:13:20Z, like the crafted fixtures
CATEGORY_WEIGHTS = {"TLSv1.3": 45, "TLSv1.2": 40, "TLSv1.0": 5, "TLSv1.1": 3, "hrr": 3, "alert": 4}
REUSE_SHARE = 0.02                            # arrival rate, IPv6 and upload shares: bench/profiles.py
P_REORDER, P_LOSS, P_DUP = 0.004, 0.001, 0.003    # per bulk data segment
ACK, PSH, SYN, FIN = 0x10, 0x08, 0x02, 0x01
CLIENT_MAC, GATEWAY_MAC = bytes.fromhex("020000000001"), bytes.fromhex("0200000000fe")
SYN_OPTIONS = bytes.fromhex("020405b4" "01030307" "0402" "0101")   # MSS 1460, NOP, WS 7, SACK-permitted, NOP NOP
KERNEL_MSS = 1448                                 # 1460 less the timestamp option Linux puts on every segment
MAX_DNS_LEAD_US = 60_000                          # a lookup starts at most this long before its SYN
P_SYN_RETX, P_HELLO_RETX = 0.003, 0.005           # kernel profiles: per connection
DNS_GRACE_US = 300_000_000                        # pcaptls's default --dns-grace (an answer names for TTL + this)
REC_HDR = struct.Struct("<IIII")
ETH_IP4_TCP = struct.Struct("!6s6sHBBHHHBBH4s4sHHIIBBHHH")            # 54 bytes
ETH_IP6_TCP = struct.Struct("!6s6sHIHBB16s16sHHIIBBHHH")              # 74 bytes
KERNEL_SYN = struct.Struct("!BBHBBBBIIBBBB")    # MSS, SACK-permitted, timestamps, NOP, window scale: Linux's order
KERNEL_TS = struct.Struct("!BBBBII")
LABEL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def parse_size(text: str) -> int:
    """'100M' -> 100_000_000 (decimal units: K, M, G)."""
    scale = {"K": 10**3, "M": 10**6, "G": 10**9}.get(text[-1:].upper(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


@dataclass
class Plan:
    """One connection, decided before any packet is written."""
    idx: int
    start_us: int
    client: bytes                 # packed IPv4/IPv6 address
    cport: int
    server: bytes
    sport: int
    template: Template
    sni: bytes | None             # the server name, its first label rewritten where it is contiguous in the hello
    isn: tuple[int, int]
    rtt_us: int
    bulk: int                     # application data bytes after the handshake (0 after an alert)
    bulk_dir: int                 # 1 = server -> client (download), 0 = upload
    gap_us: float                 # spacing of bulk segments
    idle_us: int                  # keep-alive idle before the FIN
    seed: int                     # per-connection impairment decisions
    end_bound_us: int = 0         # no packet of this connection is later than this
    kernel: bool = False          # kernel-like TCP (bench/profiles.py)
    mss: int = MSS
    flights: tuple | None = None  # the template's ((direction, bytes), cuts) with the hello rebuilt for ``sni``
    lookup: ServerName | None = None   # the A+AAAA lookup before the SYN
    dns_rtt_us: int = 0
    client4: bytes = b""          # the address the client asks the resolver from
    retx: int = 0                 # 1: the SYN is retransmitted, 2: the first ClientHello segment is
    request: int = 0              # bytes of the request before a download (kernel profiles)
    names: ServerName | None = None    # whose addresses the server has


def _bulk_size(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.85:                                   # most: a few KB
        return max(64, min(64_000, int(rng.lognormvariate(math.log(4000), 0.8))))
    if roll < 0.985:                                  # some: tens to hundreds of KB
        return int(math.exp(rng.uniform(math.log(32_000), math.log(640_000))))
    return int(math.exp(rng.uniform(math.log(1_000_000), math.log(6_000_000))))   # a few: MBs


def _segments(size: int) -> int:
    return -(-size // MSS)


class Planner:
    """Draws connections one after another; each is independent of how packets are later interleaved."""

    def __init__(self, rng: random.Random, templates: list[Template], profile: Profile = PROFILES["bulk"]) -> None:
        self.rng = rng
        self.profile = profile
        self.by_category: dict[str, list[Template]] = {}
        for t in templates:
            self.by_category.setdefault(t.category, []).append(t)
        self.categories = [c for c in CATEGORY_WEIGHTS if c in self.by_category]
        self.weights = [CATEGORY_WEIGHTS[c] for c in self.categories]
        n4, n6 = profile.clients4, profile.clients6
        self.clients4 = [bytes([10, 1 + i // 250, i % 250 + 1, 1 + (i * 7) % 250]) for i in range(n4)]
        self.clients6 = [ipaddress.IPv6Address(f"2001:db8:c1::{i:x}").packed for i in range(1, n6 + 1)]
        self.owner: dict[bytes, ServerName] = {}
        if profile.names:
            for entry in profile.names:
                self.owner.update(dict.fromkeys(entry.v4 + entry.v6, entry))
            self.servers4 = [a for e in profile.names for a in e.v4]
            self.servers6 = [a for e in profile.names for a in e.v6]
        else:
            self.servers4 = [bytes(net + (h,)) for net in ((192, 0, 2), (198, 51, 100), (203, 0, 113)) for h in range(1, 65)]
            self.servers6 = [ipaddress.IPv6Address(f"2001:db8:5e::{i:x}").packed for i in range(1, 129)]
        self.used: set[tuple] = set()
        self.history: list[tuple] = []                # 4-tuples in creation order (reuse candidates)
        self.busy_until: dict[tuple, int] = {}
        self.t_us = 0
        self.reused = 0

    def _tuple(self, v6: bool, start: int) -> tuple:
        rng = self.rng
        if self.history and rng.random() < REUSE_SHARE:
            for _ in range(10):
                key = self.history[rng.randrange(len(self.history))]
                if len(key[0]) == (16 if v6 else 4) and self.busy_until[key] + 1_000_000 < start:
                    self.reused += 1
                    return key
        while True:
            client = rng.choice(self.clients6 if v6 else self.clients4)
            server = rng.choice(self.servers6 if v6 else self.servers4)
            key = (client, rng.randrange(32768, 61000), server, 443)
            if key not in self.used:
                self.used.add(key)
                self.history.append(key)
                return key

    def next(self, idx: int) -> Plan:
        rng = self.rng
        prof = self.profile
        self.t_us += max(1, int(rng.expovariate(prof.arrivals_per_s) * 1e6))   # distinct start times: unambiguous order
        category = rng.choices(self.categories, self.weights)[0]
        tpl = rng.choice(self.by_category[category])
        sni = tpl.sni
        if sni is not None and sum(data.count(sni) for d, data in tpl.messages if d == 0) == 1 + tpl.hrr:
            label = sni.split(b".")[0]                     # contiguous in every ClientHello: rewrite it
            sni = "".join(rng.choice(LABEL_CHARS) for _ in label).encode() + sni[len(label):]
        v6 = rng.random() < prof.v6_share
        client, cport, server, sport = self._tuple(v6, self.t_us)
        bulk = ((prof.bulk or _bulk_size)(rng)) if tpl.negotiated else 0
        rate = math.exp(rng.uniform(math.log(1.0), math.log(50.0)))       # MB/s = bytes/µs
        plan = Plan(idx, self.t_us, client, cport, server, sport, tpl, sni,
                    (rng.getrandbits(32), rng.getrandbits(32)), rng.randrange(1000, 80_000), bulk,
                    0 if rng.random() < prof.upload_share else 1, MSS / rate, 0, rng.getrandbits(64))
        plan.idle_us = 2 * plan.rtt_us + rng.randrange(0, prof.idle_max_us)
        if prof.kernel:
            self._kernel(plan, rng)
        handshake = sum(plan.rtt_us + 2000 + 20 * (len(cut) + len(data) // MSS + 1)
                        for (_d, data), cut in zip(tpl.messages, tpl.cuts))
        if plan.kernel:
            handshake += 1_000_000 * (plan.retx == 1) + (400_000 + plan.rtt_us) * (plan.retx == 2) + 3 * plan.rtt_us
        plan.end_bound_us = (plan.start_us + 2 * plan.rtt_us + handshake + 3 * plan.rtt_us
                             + int(_segments(bulk) * plan.gap_us * 1.25) + plan.idle_us + 3 * plan.rtt_us + 1000)
        self.busy_until[(client, cport, server, sport)] = plan.end_bound_us
        return plan

    def _kernel(self, plan: Plan, rng: random.Random) -> None:
        """The kernel profiles' extra decisions: name and lookup, hello rebuilt, retransmissions, request."""
        prof, tpl = self.profile, plan.template
        plan.kernel, plan.mss = True, KERNEL_MSS
        plan.gap_us = KERNEL_MSS / (MSS / plan.gap_us)
        entry = plan.names = self.owner[plan.server]
        if rng.random() < prof.dns_share:
            plan.lookup = entry
            plan.dns_rtt_us = rng.randrange(300, 20_000)
        plan.client4 = plan.client if len(plan.client) == 4 else self.clients4[plan.seed % len(self.clients4)]
        roll = rng.random()
        plan.retx = 1 if roll < P_SYN_RETX else 2 if roll < P_SYN_RETX + P_HELLO_RETX else 0
        plan.request = rng.randrange(300, 1500)
        if tpl.sni is None:
            return
        flights, rebuilt = [], 0
        for (d, data), cuts in zip(tpl.messages, tpl.cuts):
            new = with_sni(data, entry.name) if d == 0 and len(cuts) == 1 else None
            if new is not None:
                data, cuts, rebuilt = new, (len(new),), rebuilt + 1
            flights.append(((d, data), cuts))
        if rebuilt == 1 + tpl.hrr:                       # every ClientHello names the server
            plan.flights, plan.sni = tuple(flights), entry.name


def estimate_bytes(plan: Plan) -> int:
    """Bytes this connection adds to the file (pcap record headers included), closely."""
    hdr = 16 + (74 if len(plan.client) == 16 else 54)
    payload = sum(len(data) for _d, data in plan.template.messages) + plan.bulk
    packets = 3 + 4 + sum(len(c) + 1 for c in plan.template.cuts) + _segments(plan.bulk) * 3 // 2
    if not plan.kernel:
        return payload + packets * hdr + 24
    packets += len(plan.template.cuts) // 2 + _segments(plan.bulk) // 32 + 1
    dns = 4 * 58 + 4 * len(plan.lookup.name) + 60 + 16 * len(plan.lookup.v4) + 28 * len(plan.lookup.v6) \
        + 40 * len(plan.lookup.chain) if plan.lookup else 0
    return payload + plan.request + packets * (hdr + 12) + dns + 24


def record_stream(size: int, version: int, blob: bytes, rng: random.Random) -> bytes:
    """``size`` bytes of application data records (type 23); the bodies come from ``blob``."""
    out, rem = [], size
    while rem > 0:
        body = min(16401, rem - 5) if rem - 5 - 16401 >= 6 or rem - 5 <= 16401 else (rem - 5) // 2
        off = rng.randrange(len(blob) - body)
        out += (struct.pack("!BHH", 23, version, body), blob[off:off + body])
        rem -= 5 + body
    return b"".join(out)


class Framer:
    """Ethernet + IP + TCP headers of one connection, packed with one struct call per packet."""

    def __init__(self, plan: Plan) -> None:
        self.v6 = len(plan.client) == 16
        self.addr = ((plan.client, plan.server), (plan.server, plan.client))
        self.ports = ((plan.cport, plan.sport), (plan.sport, plan.cport))
        self.macs = ((GATEWAY_MAC, CLIENT_MAC), (CLIENT_MAC, GATEWAY_MAC))     # (dst, src) per direction
        self.ttl = (64, 57)
        self.ip_id = [plan.seed & 0xFFFF, (plan.seed >> 16) & 0xFFFF]
        addrs = plan.client + plan.server
        words = 0x4500 + 0x4000 + 6 + sum(struct.unpack(f"!{len(addrs) // 2}H", addrs))
        self.csum_base = (words + (64 << 8), words + (57 << 8))
        self.kernel = plan.kernel
        self.win = [1024, 1024]
        self.ts_base = (plan.seed >> 32 & 0xFFFFFFF, plan.seed >> 4 & 0xFFFFFFF)
        self.rtt_ms = plan.rtt_us // 1000

    def timestamps(self, d: int, ts: float) -> bytes:
        """NOP NOP TS(val, ecr): Linux's option on every segment after the SYNs (RFC 7323)."""
        ms = int(ts) // 1000
        return KERNEL_TS.pack(1, 1, 8, 10, (self.ts_base[d] + ms) & 0xFFFFFFFF,
                              (self.ts_base[1 - d] + ms - (self.rtt_ms if d == 0 else 0)) & 0xFFFFFFFF)

    def frame(self, d: int, seq: int, ack: int, flags: int, payload: bytes = b"", options: bytes = b"",
              ts: float = 0.0) -> bytes:
        (dmac, smac), (src, dst), (sp, dp) = self.macs[d], self.addr[d], self.ports[d]
        window = self.win[d]
        if self.kernel:
            if flags & SYN:
                options, window = KERNEL_SYN.pack(2, 4, KERNEL_MSS + 12, 4, 2, 8, 10,
                                                  (self.ts_base[d] + int(ts) // 1000) & 0xFFFFFFFF,
                                                  0 if d == 0 else (self.ts_base[0] + int(ts) // 1000 - self.rtt_ms) & 0xFFFFFFFF,
                                                  1, 3, 3, 7), 64240
            else:
                options = self.timestamps(d, ts)
        tcp_len = 20 + len(options)
        doff = (tcp_len // 4) << 4
        if self.v6:
            hdr = ETH_IP6_TCP.pack(dmac, smac, 0x86DD, 0x60000000, tcp_len + len(payload), 6, self.ttl[d],
                                   src, dst, sp, dp, seq, ack, doff, flags, window, 0, 0)
        else:
            total, ident = 20 + tcp_len + len(payload), self.ip_id[d]
            self.ip_id[d] = (ident + 1) & 0xFFFF
            s = self.csum_base[d] + total + ident
            s = (s & 0xFFFF) + (s >> 16)
            s = (s & 0xFFFF) + (s >> 16)
            hdr = ETH_IP4_TCP.pack(dmac, smac, 0x0800, 0x45, 0, total, ident, 0x4000, self.ttl[d], 6, ~s & 0xFFFF,
                                   src, dst, sp, dp, seq, ack, doff, flags, window, 0, 0)
        return hdr + options + payload


def connection_packets(plan: Plan, blob: bytes) -> list[tuple[int, bytes]]:
    """Every packet of one connection as (timestamp µs, frame), in time order."""
    rng = random.Random(plan.seed)
    fr, tpl, rtt, mss = Framer(plan), plan.template, plan.rtt_us, plan.mss
    nxt = [plan.isn[0], plan.isn[1]]                      # next sequence number per direction
    out: list[tuple[float, int, bytes]] = []

    def emit(ts: float, d: int, flags: int, payload: bytes = b"", options: bytes = b"") -> None:
        out.append((ts, len(out), fr.frame(d, nxt[d], nxt[1 - d] if flags & ACK else 0, flags, payload, options, ts)))
        nxt[d] = (nxt[d] + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF

    t = float(plan.start_us)
    if plan.lookup is not None:
        _lookup(plan, out, t)
    emit(t, 0, SYN, options=SYN_OPTIONS)
    if plan.retx == 1:                                    # the first SYN went unanswered: RTO 1 s
        t += 1_000_000
        nxt[0] = plan.isn[0]
        emit(t, 0, SYN, options=SYN_OPTIONS)
    t += rtt                                              # the capture point is at the client
    emit(t, 1, SYN | ACK, options=SYN_OPTIONS)
    t += 20
    emit(t, 0, ACK)
    if plan.kernel:
        fr.win = [502, 509]                               # 64,256 and 65,152 bytes at window scale 7
    old = tpl.sni
    messages = list(plan.flights or zip(tpl.messages, tpl.cuts))
    head, tail = messages[:len(messages) - tpl.tail], messages[len(messages) - tpl.tail:]
    rewrite = plan.flights is None and old is not None and old != plan.sni
    first_hello = [plan.retx == 2]

    def flight(d: int, data: bytes, cuts: tuple[int, ...], t: float) -> float:
        t += (rtt + rng.randrange(100, 2000)) if d == 1 else rng.randrange(50, 500)
        if d == 0 and rewrite:
            data = data.replace(old, plan.sni)
        pos, sent = 0, 0
        for cut in cuts:
            for i in range(pos, pos + cut, mss):
                piece = data[i:min(i + mss, pos + cut)]
                if first_hello[0] and d == 0:             # lost beyond the capture point: resent after the RTO
                    first_hello[0] = False
                    seq = nxt[0]
                    emit(t, d, ACK | PSH, piece)
                    t += 200_000 + rtt
                    nxt[0] = seq
                emit(t, d, ACK | (PSH if i + mss >= pos + cut else 0), piece)
                t += 12
                sent += 1
            pos += cut
        if plan.kernel and sent >= 2:                     # the peer's quick ACK of a flight of two or more
            t += rng.randrange(40, 1000)
            emit(t, 1 - d, ACK)
        return t

    for (d, data), cuts in head:
        t = flight(d, data, cuts, t)
    if plan.kernel and plan.bulk and plan.bulk_dir == 1:  # an API call: the request, then the response
        t = flight(0, record_stream(plan.request, tpl.record_version, blob, rng), (plan.request,), t)
    if plan.bulk:
        t = _bulk(plan, rng, fr, nxt, out, blob, t)
    for (d, data), cuts in tail:
        t = flight(d, data, cuts, t)
    t += plan.idle_us
    emit(t, 0, FIN | ACK)
    emit(t + rtt, 1, FIN | ACK)
    emit(t + rtt + 20, 0, ACK)
    out.sort()
    return [(int(ts), frame) for ts, _i, frame in out]


def _answer_at(plan: Plan) -> int:
    """When the resolver's A answer reaches the client: 150-549 µs before the SYN."""
    return plan.start_us - 150 - (plan.seed >> 40) % 400


def _lookup(plan: Plan, out: list, t: float) -> None:
    """The A and AAAA queries (one socket, as glibc sends them) and the resolver's answers before the SYN."""
    entry, rtt = plan.lookup, plan.dns_rtt_us
    q0 = _answer_at(plan) - rtt
    port, qid = 32768 + (plan.seed >> 8) % 28000, plan.seed >> 24 & 0xFFFF
    up, down = (GATEWAY_MAC, CLIENT_MAC), (CLIENT_MAC, GATEWAY_MAC)
    ident = plan.seed >> 48
    for k, (qtype, when) in enumerate(((1, q0), (28, q0 + 35))):
        out.append((when, len(out), udp4_frame(up, plan.client4, RESOLVER4, port, 53, (ident + k) & 0xFFFF,
                                               dns_query((qid + k) & 0xFFFF, entry.name, qtype))))
        out.append((when + rtt + 40 * k, len(out), udp4_frame(down, RESOLVER4, plan.client4, 53, port,
                                                              (ident + 7 + k) & 0xFFFF,
                                                              dns_response((qid + k) & 0xFFFF, entry, qtype))))


def _bulk(plan: Plan, rng: random.Random, fr: Framer, nxt: list[int], out: list, blob: bytes, t: float) -> float:
    """Application data in MSS segments, the receiver's delayed ACKs, impairments; returns the last time."""
    d, rtt = plan.bulk_dir, plan.rtt_us
    stream = record_stream(plan.bulk, plan.template.record_version, blob, rng)
    t += rtt if d == 1 else 200
    sent = []                                             # [capture time or None, stream offset, payload]
    mss = plan.mss
    for off in range(0, len(stream), mss):
        sent.append([t, off, stream[off:off + mss]])
        t += plan.gap_us * rng.uniform(0.8, 1.2)
    times = [s[0] for s in sent]                          # when each was really sent (ACK timing)
    extra = []
    for k in range(len(sent) - 1):                        # impairments: bulk data only, never a hello
        roll = rng.random()
        if roll < P_REORDER:
            if sent[k][0] is not None and sent[k + 1][0] is not None:
                sent[k][0], sent[k + 1][0] = sent[k + 1][0], sent[k][0]
        elif roll < P_REORDER + P_LOSS:
            sent[k][0] = None                             # the capture lost it (the receiver did not)
        elif roll < P_REORDER + P_LOSS + P_DUP and sent[k][0] is not None:
            extra.append((sent[k][0] + rtt, sent[k][1], sent[k][2]))   # retransmitted one RTT later
    base, peer = nxt[d], nxt[1 - d]
    for ts, off, payload in sent + extra:
        if ts is not None:
            out.append((ts, len(out), fr.frame(d, (base + off) & 0xFFFFFFFF, peer, ACK | PSH, payload, ts=ts)))
    delay = 30 if d == 1 else rtt                         # the capture point is at the client
    arrived = 0.0
    acks = 0
    for k, seg in enumerate(sent):                        # delayed ACK every second segment, after it arrived
        arrived = max(arrived, times[k] if seg[0] is None else seg[0])
        if k % 2 == 1 or k == len(sent) - 1:
            acked = (base + seg[1] + len(seg[2])) & 0xFFFFFFFF
            if plan.kernel:                               # receive-buffer autotuning: the window grows
                fr.win[1 - d] = min(24_576, fr.win[1 - d] + fr.win[1 - d] // 12 + 1)
            out.append((arrived + delay, len(out), fr.frame(1 - d, peer, acked, ACK, ts=arrived + delay)))
            acks += 1
            if plan.kernel and acks % 16 == 0:            # the reader drained the buffer: a window update
                fr.win[1 - d] = min(24_576, fr.win[1 - d] + 64)
                out.append((arrived + delay + 900, len(out), fr.frame(1 - d, peer, acked, ACK, ts=arrived + delay + 900)))
    nxt[d] = (base + len(stream)) & 0xFFFFFFFF
    return max(t, arrived + delay, *(e[0] for e in extra))


def _expected(plan: Plan, answered: dict[bytes, list[int]] | None = None) -> dict:
    row = {"client_ip": str(ipaddress.ip_address(plan.client)), "client_port": plan.cport,
           "server_ip": str(ipaddress.ip_address(plan.server)), "server_port": plan.sport,
           "sni": plan.sni.decode() if plan.sni is not None else None,
           "negotiated_version": plan.template.negotiated, "hello_retry": plan.template.hrr,
           "outcome": "established" if plan.template.negotiated else "failed",
           "ts_us": plan.start_us, "template": plan.template.name}
    if answered is not None:                  # kernel profiles: who names the server (SNI, else a DNS answer)
        entry = plan.names
        times = answered.get(entry.name, ())
        k = bisect.bisect_right(times, plan.start_us)
        by_dns = k > 0 and times[k - 1] > plan.start_us - TTL * 1_000_000 - DNS_GRACE_US
        name = row["sni"] or (entry.name.decode() if by_dns else None)
        row.update(server_name=name, name_source="sni" if row["sni"] else "dns" if by_dns else None,
                   aws_region=entry.region if name == entry.name.decode() else None)
    return row


def _answer_times(plans: list[Plan]) -> dict[bytes, list[int]]:
    """Per name, when the resolver's answers (A and AAAA, which carry all its addresses) reached the client."""
    times: dict[bytes, list[int]] = {}
    for p in plans:
        if p.lookup is not None:
            times.setdefault(p.lookup.name, []).append(_answer_at(p))
    for v in times.values():
        v.sort()
    return times


def generate(size: int, out_path: str, seed: int = 1, profile: str = "bulk") -> dict:
    """Write the capture and ``<out_path>.expected.json``; return the summary that the JSON holds."""
    rng = random.Random(seed)
    prof = PROFILES[profile]
    templates = load_templates(sources=tuple(s for s in SOURCES if s.startswith("live/"))) if prof.live_only \
        else load_templates()
    planner = Planner(rng, templates, prof)
    lead = MAX_DNS_LEAD_US + 400 if prof.dns_share else 0
    blob = rng.randbytes(1 << 20).replace(b"\x16", b"\x17")   # no 0x16: nothing in the bulk looks like a hello
    plans, budget = [], size - len(PCAP_HEADER)
    while budget > 0:
        plan = planner.next(len(plans))
        plans.append(plan)
        budget -= estimate_bytes(plan)
    heap: list[tuple[int, int, int]] = []
    live: dict[int, list[tuple[int, bytes]]] = {}
    packets = written = max_open = 0
    pending = iter(plans)
    upcoming = next(pending, None)
    with open(out_path, "wb", buffering=1 << 20) as f:
        f.write(PCAP_HEADER)
        written = len(PCAP_HEADER)
        while heap or upcoming is not None:
            if upcoming is not None and (not heap or upcoming.start_us - lead <= heap[0][0]):
                live[upcoming.idx] = pkts = connection_packets(upcoming, blob)
                heapq.heappush(heap, (pkts[0][0], upcoming.idx, 0))
                max_open = max(max_open, len(live))
                upcoming = next(pending, None)
                continue
            ts, idx, k = heapq.heappop(heap)
            pkts = live[idx]
            frame = pkts[k][1]
            f.write(REC_HDR.pack(ts // 1_000_000 + START_S, ts % 1_000_000, len(frame), len(frame)))
            f.write(frame)
            packets += 1
            written += 16 + len(frame)
            if k + 1 < len(pkts):
                heapq.heappush(heap, (pkts[k + 1][0], idx, k + 1))
            else:
                del live[idx]
    versions = Counter(p.template.category for p in plans)
    summary = {
        "seed": seed, "size_requested": size, "bytes": written, "packets": packets, "connections": len(plans),
        "ipv6_connections": sum(len(p.client) == 16 for p in plans), "reused_4tuples": planner.reused,
        "max_open_connections": max_open, "categories": dict(sorted(versions.items())),
        "templates": sorted({p.template.name for p in plans}), "templates_sha256": templates_digest(templates),
        "bulk_bytes": sum(p.bulk for p in plans), "duration_s": round(plans[-1].end_bound_us / 1e6, 3),
    }
    answered = None
    if prof.kernel:
        answered = _answer_times(plans)
        summary.update(profile=profile, dns_responses=2 * sum(p.lookup is not None for p in plans),
                       clients=len({p.client for p in plans}), syn_retransmitted=sum(p.retx == 1 for p in plans),
                       hello_retransmitted=sum(p.retx == 2 for p in plans))
    with open(out_path + ".expected.json", "w", encoding="utf-8") as f:
        f.write('{"summary": ' + json.dumps(summary) + ',\n "expected": [\n')     # one connection per line
        f.write(",\n".join(json.dumps(_expected(p, answered)) for p in plans) + "\n]}\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", required=True, help="target file size: 100M, 500M, 1G (decimal units)")
    ap.add_argument("--out", required=True, help="output pcap (put it under /tmp, not in the repository)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--profile", default="bulk", choices=sorted(PROFILES), help="traffic profile (default bulk)")
    args = ap.parse_args(argv)
    began = time.perf_counter()
    summary = generate(parse_size(args.size), args.out, args.seed, args.profile)
    print(f"{args.out}: {summary['bytes']:,} bytes, {summary['packets']:,} packets, "
          f"{summary['connections']:,} connections ({summary['ipv6_connections']:,} IPv6, "
          f"{summary['reused_4tuples']} reused 4-tuples, up to {summary['max_open_connections']} open at once), "
          f"{summary['categories']}, in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
