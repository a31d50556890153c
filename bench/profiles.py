"""Traffic profiles of the benchmark generator. Owns: what distinguishes the profiles (`bulk`, `client`,
`dense`): arrival rate, clients, transfer sizes, the names servers have and the DNS lookups before
connections, and the kernel-like TCP of `client` and `dense` (timestamps on every segment, MSS 1448,
receive windows that grow and window updates, quick ACKs of handshake flights, SYN and ClientHello
retransmissions). Also the DNS messages (as a resolver writes them: compressed names, CNAME chains, EDNS,
NODATA with an SOA) and the rebuilt ClientHello that carries a server's name. Imports: nothing of pcaptls.

The TCP of `client` and `dense` is modelled on what Linux 6.x sends with offloads off (what
`fixtures/live/` shows on loopback, and RFC 7323/1122 behaviour): SYN options in Linux's order (MSS,
SACK-permitted, timestamps, NOP, window scale 7), a 12-byte timestamp option on every later segment
(TSval in ms), data in 1448-byte segments, a delayed ACK every second full segment, a quick ACK after
each handshake flight, a window update after every 16th ACK of a download, the SYN retransmitted after
1 s for 0.3% of connections, the first ClientHello segment retransmitted after 200 ms+RTT for 0.5%.
"""
from __future__ import annotations

import ipaddress
import math
import random
import struct
from dataclasses import dataclass, field
from typing import Callable

RESOLVER4 = bytes([10, 0, 0, 2])                  # the VPC resolver (.2 of the VPC's range)
SERVICES = ("sts", "sqs", "dynamodb", "kms", "logs", "monitoring", "ec2", "lambda", "secretsmanager", "ssm",
            "sns", "events", "kinesis", "api.ecr", "elasticloadbalancing", "cloudformation", "states", "athena")
REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1",
           "sa-east-1", "ca-central-1", "eu-north-1", "ap-south-1", "us-west-1")
TTL = 60


@dataclass(frozen=True)
class ServerName:
    """One name that clients look up, with the addresses only it answers (so an address names one name)."""
    name: bytes
    region: str
    chain: tuple[bytes, ...]      # CNAME targets, in order
    v4: tuple[bytes, ...]
    v6: tuple[bytes, ...]         # empty: the name has no AAAA (NODATA)


@dataclass(frozen=True)
class Profile:
    name: str
    arrivals_per_s: float
    live_only: bool               # draw hellos from the recorded real stacks (fixtures/captures/live/) only
    clients4: int
    clients6: int
    bulk: Callable[[random.Random], int] | None    # None: the bulk profile's own distribution
    upload_share: float
    dns_share: float              # share of connections preceded by an A+AAAA lookup
    kernel: bool
    idle_max_us: int
    v6_share: float = 0.20
    names: tuple[ServerName, ...] = field(default=())


def _client_bulk(rng: random.Random) -> int:
    """An API response: lognormal around 60 KB; 0.5% are long downloads of 5-40 MB."""
    if rng.random() < 0.005:
        return int(math.exp(rng.uniform(math.log(5e6), math.log(40e6))))
    return max(200, min(2_000_000, int(rng.lognormvariate(math.log(60_000), 0.7))))


def _dense_bulk(rng: random.Random) -> int:
    return rng.randrange(2000, 5001)


def server_names(count: int, seed: int = 7) -> tuple[ServerName, ...]:
    """``count`` AWS-like API names (service.region.amazonaws.com), each with its own addresses."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        svc, region = SERVICES[k % len(SERVICES)], REGIONS[(k // len(SERVICES)) % len(REGIONS)]
        host = f"{svc}.{region}.amazonaws.com" if k < len(SERVICES) * len(REGIONS) else f"{svc}-{k}.{region}.amazonaws.com"
        hops = rng.choice((0, 1, 1, 2))
        chain = tuple(f"{svc}-{k}-{h}.{('r' if h else 'e')}.{region}.elb.example.net".encode() for h in range(hops))
        v4 = tuple(bytes([52 + k // 4096 % 60, (k >> 4) & 255, (k & 15) * 16 + 1, 1 + i]) for i in range(rng.randrange(1, 9)))
        v6 = tuple(ipaddress.IPv6Address((0x2600_1F18 << 96) | (k << 16) | (i + 1)).packed
                   for i in range(rng.randrange(1, 4))) if rng.random() < 0.5 else ()
        out.append(ServerName(host.encode(), region, chain, v4, v6))
    return tuple(out)


def _profiles() -> dict[str, Profile]:
    names = server_names(216)
    return {
        "bulk": Profile("bulk", 100, False, 4000, 1000, None, 0.15, 0.0, False, 3_000_000),
        "client": Profile("client", 40, True, 1, 1, _client_bulk, 0.05, 1.0, True, 3_000_000, 0.20, names),
        "dense": Profile("dense", 2500, True, 3000, 500, _dense_bulk, 0.10, 0.7, True, 200_000, 0.10, names),
    }


PROFILES = _profiles()


# -- DNS messages ---------------------------------------------------------------------------------------

def _labels(name: bytes) -> bytes:
    return b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\x00"


def dns_query(qid: int, name: bytes, qtype: int) -> bytes:
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) + _labels(name) + struct.pack("!HH", qtype, 1) + opt


def dns_response(qid: int, entry: ServerName, qtype: int) -> bytes:
    """The resolver's answer: the CNAME chain, then the addresses of ``qtype`` (or NODATA with an SOA)."""
    addrs = entry.v4 if qtype == 1 else entry.v6
    chain = entry.chain
    head = struct.pack("!HHHHHH", qid, 0x8180, 1, len(chain) + len(addrs), 0 if addrs else 1, 1)
    body = bytearray(head + _labels(entry.name) + struct.pack("!HH", qtype, 1))
    owner = 12                                            # offset of the current owner name (compression)
    for target in chain:
        rdata = _labels(target)
        body += struct.pack("!HHHIH", 0xC000 | owner, 5, 1, TTL, len(rdata))
        owner = len(body)
        body += rdata
    for a in addrs:
        body += struct.pack("!HHHIH", 0xC000 | owner, qtype, 1, TTL, len(a)) + a
    if not addrs:                                         # NODATA: the zone's SOA in the authority section
        zone = _labels(b"example.net" if chain else b"amazonaws.com")
        rdata = _labels(b"ns1." + (b"example.net" if chain else b"amazonaws.com")) + _labels(b"hostmaster.example.net") \
            + struct.pack("!IIIII", 2026120601, 7200, 900, 1209600, 60)
        body += zone + struct.pack("!HHIH", 6, 1, TTL, len(rdata)) + rdata
    body += b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    return bytes(body)


ETH_IP4_UDP = struct.Struct("!6s6sHBBHHHBBH4s4sHHHH")               # 42 bytes


def udp4_frame(macs: tuple[bytes, bytes], src: bytes, dst: bytes, sport: int, dport: int, ident: int,
               payload: bytes) -> bytes:
    total = 28 + len(payload)
    words = 0x4500 + total + ident + (64 << 8) + 17 + sum(struct.unpack("!4H", src + dst))
    while words >> 16:
        words = (words & 0xFFFF) + (words >> 16)
    return ETH_IP4_UDP.pack(macs[0], macs[1], 0x0800, 0x45, 0, total, ident, 0, 64, 17, ~words & 0xFFFF,
                            src, dst, sport, dport, 8 + len(payload), 0) + payload


# -- a ClientHello that carries another server name --------------------------------------------------

def _sni_extension(name: bytes) -> bytes:
    entry = b"\x00" + struct.pack("!H", len(name)) + name
    return struct.pack("!HHH", 0, len(entry) + 2, len(entry)) + entry


def with_sni(flight: bytes, name: bytes) -> bytes | None:
    """``flight`` with its first record's ClientHello naming ``name``; the padding extension (if any)
    absorbs the change where it can. None when the hello is not one whole record or has no SNI."""
    if len(flight) < 9 or flight[0] != 22 or flight[5] != 1:
        return None
    rlen, hlen = int.from_bytes(flight[3:5], "big"), int.from_bytes(flight[6:9], "big")
    if hlen + 4 != rlen or len(flight) < 5 + rlen:
        return None
    body = flight[9:5 + rlen]
    p = 34
    p += 1 + body[p]
    p += 2 + int.from_bytes(body[p:p + 2], "big")
    p += 1 + body[p]
    end = p + 2 + int.from_bytes(body[p:p + 2], "big")
    exts, q, found = [], p + 2, False
    while q + 4 <= end:
        etype, elen = struct.unpack("!HH", body[q:q + 4])
        if etype == 0:
            exts.append(_sni_extension(name))
            found = True
        else:
            exts.append(body[q:q + 4 + elen])
        q += 4 + elen
    if not found or q != end:
        return None
    delta = sum(map(len, exts)) - (end - p - 2)
    for i, ext in enumerate(exts):                        # keep the hello's size: shrink or grow the padding
        if ext[:2] == b"\x00\x15" and len(ext) - 4 - delta >= 0:
            exts[i] = struct.pack("!HH", 21, len(ext) - 4 - delta) + bytes(len(ext) - 4 - delta)
            break
    blob = b"".join(exts)
    new_body = body[:p] + struct.pack("!H", len(blob)) + blob
    hs = b"\x01" + len(new_body).to_bytes(3, "big") + new_body
    return flight[:3] + struct.pack("!H", len(hs)) + hs + flight[5 + rlen:]
