"""pcaptls.capture.decap / linktypes: every link type, encapsulation and tunnel; every skip reason counted once."""
from __future__ import annotations

import socket
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.contrib.geneve import GENEVE
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.contrib.mpls import MPLS
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
)
from scapy.layers.l2 import ARP, GRE, CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q, Ether
from scapy.layers.ppp import PPP, PPPoE
from scapy.layers.vxlan import VXLAN

from pcaptls.capture.decap import MAX_TUNNEL_DEPTH, decode_frame
from pcaptls.capture.linktypes import LINKTYPES

A4, B4 = "10.0.0.1", "10.0.0.2"
A6, B6 = "2001:db8::1", "2001:db8::2"
PAYLOAD = b"hello, tls"


def _a(addr: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET, addr)


def tcp4():  # type: ignore[no-untyped-def]
    return IP(src=A4, dst=B4) / TCP(sport=1234, dport=443, seq=100, ack=200, flags="PA") / PAYLOAD


def tcp6():  # type: ignore[no-untyped-def]
    return IPv6(src=A6, dst=B6) / TCP(sport=1234, dport=443, seq=100, ack=200, flags="PA") / PAYLOAD


def eth(etype: int | None = None):  # type: ignore[no-untyped-def]
    kw = {} if etype is None else {"type": etype}
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", **kw)


OUTER4 = IP(src="192.0.2.1", dst="192.0.2.2")
OUTER6 = IPv6(src="2001:db8:ffff::1", dst="2001:db8:ffff::2")
T4 = (6, _a(A4), _a(B4), 1234, 443, 100, 200, 0x18, PAYLOAD, 0)
T6 = (6, _a(A6), _a(B6), 1234, 443, 100, 200, 0x18, PAYLOAD, 0)


def decode(linktype: int, frame: bytes) -> tuple[tuple | None, dict[str, int]]:
    counters: dict[str, int] = {}
    return decode_frame(linktype, frame, counters), counters




CASES = {
    # link types
    "ethernet-ipv4": (1, eth() / tcp4(), T4),
    "ethernet-ipv6": (1, eth() / tcp6(), T6),
    "dot1q": (1, eth() / Dot1Q(vlan=10) / tcp4(), T4),
    "qinq-88a8": (1, eth() / Dot1AD(vlan=5) / Dot1Q(vlan=6) / tcp6(), T6),
    "qinq-9100": (1, eth(0x9100) / Dot1Q(vlan=5) / Dot1Q(vlan=6) / Dot1Q(vlan=7) / tcp4(), T4),
    "pppoe-ipv4": (1, eth() / PPPoE(sessionid=7) / PPP(proto=0x0021) / tcp4(), T4),
    "pppoe-ipv6": (1, eth() / Dot1Q(vlan=3) / PPPoE(sessionid=7) / PPP(proto=0x0057) / tcp6(), T6),
    "mpls-ipv4": (1, eth() / MPLS(label=16, s=0) / MPLS(label=17, s=1) / tcp4(), T4),
    "mpls-ipv6": (1, eth(0x8847) / MPLS(label=16, s=1) / tcp6(), T6),
    "llc-snap": (1, eth(0) / bytes.fromhex("aaaa03000000 0800") / tcp4(), T4),
    "sll": (113, CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, proto=0x0800) / tcp4(), T4),
    "sll-vlan": (113, CookedLinux(proto=0x8100) / Dot1Q(vlan=9) / tcp6(), T6),
    "sll2": (276, CookedLinuxV2(proto=0x86DD) / tcp6(), T6),
    "null-le-inet": (0, b"\x02\x00\x00\x00" + bytes(tcp4()), T4),
    "null-be-inet": (0, b"\x00\x00\x00\x02" + bytes(tcp4()), T4),
    "null-le-inet6-24": (0, b"\x18\x00\x00\x00" + bytes(tcp6()), T6),
    "null-be-inet6-28": (0, b"\x00\x00\x00\x1c" + bytes(tcp6()), T6),
    "null-le-inet6-30": (0, b"\x1e\x00\x00\x00" + bytes(tcp6()), T6),
    "loop-be-inet6-10": (108, b"\x00\x00\x00\x0a" + bytes(tcp6()), T6),
    "loop-inet": (108, b"\x00\x00\x00\x02" + bytes(tcp4()), T4),
    "raw-101-v4": (101, tcp4(), T4),
    "raw-101-v6": (101, tcp6(), T6),
    "raw-12": (12, tcp4(), T4),
    "raw-14": (14, tcp6(), T6),
    "ipv4-228": (228, tcp4(), T4),
    "ipv6-229": (229, tcp6(), T6),
    "ppp-hdlc": (9, b"\xff\x03\x00\x21" + bytes(tcp4()), T4),
    "ppp-bare-v6": (9, b"\x00\x57" + bytes(tcp6()), T6),
    "ppp-pfc": (9, b"\x21" + bytes(tcp4()), T4),
    "ppp-hdlc-50": (50, b"\xff\x03\x00\x57" + bytes(tcp6()), T6),
    "cisco-hdlc": (104, b"\x0f\x00\x08\x00" + bytes(tcp4()), T4),
    # IPv4 options and IPv6 extension headers
    "ipv4-options": (1, eth() / IP(src=A4, dst=B4, options=b"\x01\x01\x01\x00") / tcp4()[TCP], T4),
    "ipv6-ext": (1, eth() / IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting()
                 / IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(offset=0, m=0) / tcp6()[TCP], T6),
    "ipv6-ah": (229, IPv6(src=A6, dst=B6, nh=51)
                / (struct.pack("!BBHII", 6, 4, 0, 0x100, 1) + b"\x00" * 12) / tcp6()[TCP], T6),
    # tunnels
    "ipip": (1, eth() / OUTER4 / tcp4(), T4),
    "6in4": (1, eth() / OUTER4 / tcp6(), T6),
    "4in6": (229, OUTER6 / tcp4(), T4),
    "6in6": (229, OUTER6 / tcp6(), T6),
    "gre-ipv4": (1, eth() / OUTER4 / GRE(proto=0x0800) / tcp4(), T4),
    "gre-ipv6-key-seq-csum": (1, eth() / OUTER4 / GRE(proto=0x86DD, key_present=1, key=77, seqnum_present=1,
                                                       sequence_number=5, chksum_present=1) / tcp6(), T6),
    "gre-teb": (101, OUTER6 / GRE(proto=0x6558) / eth() / Dot1Q(vlan=1) / tcp4(), T4),
    "vxlan": (1, eth() / OUTER4 / UDP(sport=5555, dport=4789) / VXLAN(vni=42) / eth() / tcp4(), T4),
    "vxlan-v6-inner": (1, eth() / OUTER4 / UDP(sport=5555, dport=4789) / VXLAN(vni=42) / eth() / tcp6(), T6),
    "geneve-teb-opts": (1, eth() / OUTER4 / UDP(dport=6081)
                        / GENEVE(proto=0x6558, optionlen=2, options=b"\x01\x02\x03\x01\x00\x00\x00\x00")
                        / eth() / tcp4(), T4),
    "geneve-ipv6": (1, eth() / OUTER6 / UDP(dport=6081) / GENEVE(proto=0x86DD) / tcp6(), T6),
    "geneve-ipv4": (1, eth() / OUTER4 / UDP(dport=6081) / GENEVE(proto=0x0800) / tcp4(), T4),
    "gtpu": (1, eth() / OUTER4 / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=9) / tcp4(), T4),
    "gtpu-seq": (1, eth() / OUTER4 / UDP(sport=40000, dport=2152) / GTP_U_Header(teid=9, S=1, seq=3) / tcp6(), T6),
    "gtpu-ext": (1, eth() / OUTER4 / UDP(sport=2152, dport=40000) / GTP_U_Header(teid=9, E=1, next_ex=0x85)
                 / GTPPDUSessionContainer(QFI=5) / tcp4(), T4),
    "nested-4": (1, eth() / OUTER4 / GRE(proto=0x0800) / OUTER4 / UDP(dport=4789) / VXLAN() / eth() / OUTER6
                 / OUTER4 / tcp4(), T4),
    # UDP
    "udp": (1, eth() / IP(src=A4, dst=B4) / UDP(sport=5353, dport=53) / b"query",
            (17, _a(A4), _a(B4), 5353, 53, 0, 0, 0, b"query", 0)),
    "udp6-quic": (1, eth() / IPv6(src=A6, dst=B6) / UDP(sport=5000, dport=443) / (b"\xc0" * 30),
                  (17, _a(A6), _a(B6), 5000, 443, 0, 0, 0, b"\xc0" * 30, 0)),
    "vxlan-port-not-vxlan": (1, eth() / IP(src=A4, dst=B4) / UDP(sport=1, dport=4789) / (b"\x00" * 30),
                             (17, _a(A4), _a(B4), 1, 4789, 0, 0, 0, b"\x00" * 30, 0)),
    "geneve-port-unknown-proto": (1, eth() / IP(src=A4, dst=B4) / UDP(sport=1, dport=6081) / GENEVE(proto=0x1234)
                                  / b"x", (17, _a(A4), _a(B4), 1, 6081, 0, 0, 0,
                                           bytes(GENEVE(proto=0x1234) / b"x"), 0)),
    "gtpu-echo-is-plain-udp": (1, eth() / IP(src=A4, dst=B4) / UDP(sport=2152, dport=2152)
                               / GTP_U_Header(gtp_type=1, teid=0),
                               (17, _a(A4), _a(B4), 2152, 2152, 0, 0, 0, bytes(GTP_U_Header(gtp_type=1, teid=0)), 0)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_decodes(name: str) -> None:
    linktype, pkt, expected = CASES[name]
    result, counters = decode(linktype, bytes(pkt))
    assert result == expected
    assert counters == {}
    assert all(type(x) is bytes for x in result[1:3] + result[8:9])  # type: ignore[index]


def test_memoryview_input_gives_bytes() -> None:
    result, _ = decode(1, memoryview(bytes(eth() / tcp4())))
    assert result == T4 and type(result[8]) is bytes  # type: ignore[index]


def test_ethernet_padding_trimmed() -> None:
    frame = bytes(eth() / IP(src=A4, dst=B4) / TCP(sport=1, dport=2, flags="A") / b"ab")
    padded = frame + b"\x00" * (60 - len(frame)) + b"FCS!"
    result, _ = decode(1, padded)
    assert result is not None and result[8] == b"ab" and result[9] == 0


def test_pppoe_length_bounds_packet() -> None:
    # PPPoE says 42 bytes (PPP protocol + 40-byte IP), the IP header claims 46: the 6 bytes past PPPoE are padding
    ip = IP(src=A4, dst=B4, len=46) / TCP(sport=1, dport=2, flags="A")
    frame = bytes(eth() / PPPoE(sessionid=1, len=42) / PPP(proto=0x21) / ip) + b"\x00" * 6
    result, _ = decode(1, frame)
    assert result is not None and result[8] == b"" and result[9] == 0


@pytest.mark.parametrize("cut", [1, 5, 10])
def test_snaplen_truncated_frame_reports_missing(cut: int) -> None:
    frame = bytes(eth() / tcp4())
    result, counters = decode(1, frame[:-cut])
    assert result == T4[:8] + (PAYLOAD[:-cut], cut) and counters == {}
    result, _ = decode(1, bytes(eth() / OUTER4 / UDP(dport=4789) / VXLAN() / eth() / tcp6())[:-cut])
    assert result == T6[:8] + (PAYLOAD[:-cut], cut)
    result, _ = decode(1, bytes(eth() / IP(src=A4, dst=B4) / UDP(sport=1, dport=2) / PAYLOAD)[:-cut])
    assert result == (17, _a(A4), _a(B4), 1, 2, 0, 0, 0, PAYLOAD[:-cut], cut)


def test_tso_zero_total_length_uses_captured_length() -> None:
    frame = bytes(eth() / IP(src=A4, dst=B4, len=0) / TCP(sport=1, dport=2, seq=3, ack=4, flags="A") / (b"z" * 3000))
    result, _ = decode(1, frame)
    assert result is not None and result[8] == b"z" * 3000 and result[9] == 0
    frame6 = bytes(IPv6(src=A6, dst=B6, plen=0) / UDP(sport=1, dport=2) / b"jumbo")
    result, _ = decode(229, frame6)
    assert result is not None and result[8] == b"jumbo"


def test_udp_length_shorter_than_ip_trims() -> None:
    frame = bytes(IP(src=A4, dst=B4) / UDP(sport=1, dport=2, len=10) / b"abcdef")
    result, _ = decode(101, frame)
    assert result is not None and result[8] == b"ab"


def _tunnels(depth: int, inner):  # type: ignore[no-untyped-def]
    pkt = inner
    for _ in range(depth):
        pkt = IP(src="192.0.2.1", dst="192.0.2.2") / pkt
    return pkt


def test_tunnel_depth_limit() -> None:
    result, counters = decode(101, bytes(_tunnels(MAX_TUNNEL_DEPTH, tcp4())))
    assert result == T4 and counters == {}
    result, counters = decode(101, bytes(_tunnels(MAX_TUNNEL_DEPTH + 1, tcp4())))
    assert result is None and counters == {"tunnel_depth": 1}
    vxlan = UDP(dport=4789) / VXLAN() / eth() / tcp4()            # outer IP + 3 IP-in-IP + VXLAN = 4 tunnels
    assert decode(101, bytes(_tunnels(MAX_TUNNEL_DEPTH, vxlan))) == (T4, {})
    assert decode(101, bytes(_tunnels(MAX_TUNNEL_DEPTH + 1, vxlan))) == (None, {"tunnel_depth": 1})


SKIPS = {
    "unknown_linktype": [(147, bytes(tcp4())), (127, b"")],
    "non_ip": [(1, eth() / ARP()), (1, eth(0x88CC) / (b"\x00" * 40)), (1, eth(100) / (b"\x42" * 40)),
               (1, eth() / PPPoE() / PPP(proto=0xC021) / b"\x01\x01\x00\x04"), (0, b"\x07\x00\x00\x00" + bytes(tcp4())),
               (101, b"\x50" + bytes(19)), (1, eth() / MPLS(s=1) / (b"\x00" * 30)), (9, b"\xff\x03\xc0\x21\x01"),
               (1, eth() / OUTER4 / UDP(dport=4789) / VXLAN() / eth() / ARP()),
               (1, eth() / OUTER4 / GRE(proto=0x0806) / ARP())],
    "ip_fragment": [(1, eth() / IP(src=A4, dst=B4, flags="MF") / TCP()),
                    (1, eth() / IP(src=A4, dst=B4, frag=185) / b"x"),
                    (229, IPv6() / IPv6ExtHdrFragment(offset=0, m=1) / TCP()),
                    (229, IPv6() / IPv6ExtHdrFragment(offset=10, m=0) / b"x"),
                    (1, eth() / OUTER4 / IP(src=A4, dst=B4, flags="MF") / TCP())],
    "non_tcp_udp": [(1, eth() / IP() / ICMP()), (229, IPv6(nh=59)), (229, IPv6(nh=50) / (b"\x00" * 16)),
                    (229, IPv6() / IPv6ExtHdrHopByHop() / bytes(8)), (101, IP(proto=132) / b"sctp"),
                    (101, IP() / GRE(version=1, proto=0x880B) / b"pptp"), (101, IP() / GRE(routing_present=1))],
    "truncated_frame": [(1, bytes(eth() / tcp4())[:13]), (1, bytes(eth() / tcp4())[:30]),
                        (1, bytes(eth() / IP(options=b"\x01" * 8) / TCP())[:36]),
                        (1, bytes(eth() / tcp4())[:50]), (1, bytes(eth() / tcp6())[:70]),
                        (1, bytes(eth() / IP() / UDP())[:38]), (113, b"\x00" * 15), (276, b"\x00" * 19),
                        (0, b"\x02\x00"), (101, b""), (9, b"\xff\x03\x00"), (104, b"\x0f\x00"),
                        (1, bytes(eth() / Dot1Q() / tcp4())[:16]), (1, bytes(eth() / PPPoE() / PPP() / tcp4())[:20]),
                        (1, bytes(eth() / MPLS(s=0) / MPLS(s=1) / tcp4())[:20]),
                        (1, bytes(eth() / IPv6() / IPv6ExtHdrHopByHop() / TCP())[:58]),
                        (229, bytes(IPv6(nh=60) / (bytes([6, 3]) + bytes(30)) / TCP())[:60]),
                        (1, bytes(eth() / OUTER4 / GRE(key_present=1) / tcp4())[:40]),
                        (1, bytes(eth() / OUTER4 / tcp4())[:40])],
    "bad_ip_header": [(1, eth(0x0800) / tcp6()), (1, eth(0x86DD) / tcp4()), (101, b"\x44" + bytes(tcp4())[1:]),
                      (101, IP(len=19) / TCP()), (228, tcp6()),
                      (229, IPv6(plen=4) / IPv6ExtHdrHopByHop() / TCP()),
                      (229, IPv6(plen=4) / IPv6ExtHdrFragment() / TCP()),
                      (229, IPv6(plen=8, nh=51) / bytes([6, 4]) / bytes(30))],
    "bad_tcp_header": [(101, IP(src=A4, dst=B4) / TCP(dataofs=4)), (101, IP(len=30) / TCP()),
                       (101, IP(src=A4, dst=B4, len=42) / TCP(dataofs=6) / b"abcd")],
    "bad_udp_header": [(101, IP(len=24) / UDP())],
    "tunnel_depth": [(101, _tunnels(MAX_TUNNEL_DEPTH + 1, tcp6()))],
}


@pytest.mark.parametrize(("reason", "index"), [(r, i) for r, cases in sorted(SKIPS.items()) for i in range(len(cases))])
def test_skip_reason_counted_once(reason: str, index: int) -> None:
    linktype, pkt = SKIPS[reason][index]
    counters = {"already": 3}
    assert decode_frame(linktype, bytes(pkt), counters) is None
    assert counters == {"already": 3, reason: 1}
    decode_frame(linktype, bytes(pkt), counters)
    assert counters == {"already": 3, reason: 2}


def test_every_documented_reason_is_tested() -> None:
    from pcaptls.capture import decap

    documented = {line.split("``")[1] for line in decap.__doc__.splitlines() if line.startswith("* ``")}
    assert documented == set(SKIPS)


FRAMES_FOR_FUZZ = [(lt, bytes(pkt)) for lt, pkt, _ in CASES.values()]


@settings(max_examples=500)
@given(st.sampled_from(sorted(LINKTYPES) + [147]), st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(linktype: int, data: bytes) -> None:
    counters: dict[str, int] = {}
    result = decode_frame(linktype, data, counters)
    if result is None:
        assert sum(counters.values()) == 1
    else:
        assert counters == {} and len(result) == 10 and result[0] in (6, 17)


@settings(max_examples=500)
@given(st.sampled_from(FRAMES_FOR_FUZZ), st.integers(0, 400), st.lists(st.tuples(st.integers(0, 400),
                                                                               st.integers(0, 255)), max_size=3))
def test_truncated_and_mutated_frames_never_raise(case: tuple[int, bytes], cut: int, flips: list) -> None:
    linktype, frame = case
    buf = bytearray(frame[:cut])
    for pos, value in flips:
        if buf:
            buf[pos % len(buf)] = value
    counters: dict[str, int] = {}
    result = decode_frame(linktype, bytes(buf), counters)
    assert (result is None and sum(counters.values()) == 1) or (result is not None and not counters)
    if result is not None:
        assert 0 <= result[9] and len(result[1]) == len(result[2]) in (4, 16)
