"""Frame -> innermost TCP/UDP segment, or one counted skip reason. Owns: IPv4/IPv6/extension headers, tunnels, L4.
Imports: capture.linktypes.

``decode_frame(linktype, frame, counters)`` returns
``(proto, src, dst, sport, dport, seq, ack, flags, payload, missing)`` for TCP (proto 6) and UDP (proto 17):
``src``/``dst`` are packed addresses (4 or 16 bytes) of the innermost IP header, ``seq``/``ack``/``flags`` are 0 for
UDP, ``payload`` is ``bytes`` trimmed to the IP-declared length (Ethernet padding removed) and ``missing`` is the
number of payload bytes the IP header declares but the capture does not hold (snaplen truncation), else 0.
``decode_frame`` cannot see ``orig_len``: a frame whose IP length is bogus (larger than the frame although
``orig_len == len(frame)``) also reports ``missing``; callers may clamp it to ``orig_len - len(frame)``.
Otherwise it returns ``None`` after adding 1 to exactly one counter, ``counters[reason]``.

Skip reasons:

* ``unknown_linktype``  no decoder for the frame's DLT/LINKTYPE number.
* ``non_ip``            the link layer carries something other than IPv4/IPv6 (ARP, LLDP, STP, PPP LCP, MPLS
  pseudowires, ...), also inside a tunnel.
* ``ip_fragment``       IPv4 MF set or fragment offset != 0; IPv6 Fragment header other than an atomic fragment.
* ``non_tcp_udp``       IP protocol other than TCP/UDP or a supported tunnel (ICMP, ESP, IPv6 no-next-header 59,
  SCTP, ...), and GRE with routing present or version != 0 (PPTP).
* ``truncated_frame``   a link, IP, extension, tunnel or TCP/UDP header is cut off by the capture (snaplen).
* ``bad_ip_header``     IP version nibble wrong, IPv4 IHL < 5 or total length < header length, IPv6 extension
  header extending past the payload length.
* ``bad_tcp_header``    TCP header (20 bytes, or data offset) extends past the IP-declared length, data offset < 5.
* ``bad_udp_header``    fewer than 8 bytes of UDP header inside the IP-declared length.
* ``tunnel_depth``      more than ``MAX_TUNNEL_DEPTH`` (4) nested tunnels.

Tunnels decapsulated (each counts one level): IP-in-IP (protocol 4 and 41 in IPv4 or IPv6), GRE (protocol 47,
version 0, optional checksum/key/sequence fields, payload by ethertype incl. 0x6558 bridged Ethernet), VXLAN (UDP
dport 4789, I flag set), Geneve (UDP dport 6081, version 0, payload 0x6558/0x0800/0x86dd), GTP-U (UDP port 2152
either side, G-PDU with optional sequence/N-PDU/extension headers, then IPv4/IPv6). A UDP datagram to those ports
whose header does not parse as the tunnel is returned as plain UDP.

Lenient cases: an IPv4 total length or IPv6 payload length of 0 (TSO/GRO captures, jumbograms) means "the rest of
the captured frame"; a UDP length that disagrees with the IP length is ignored in favour of the IP length.
"""
from __future__ import annotations

import struct

from pcaptls.capture.linktypes import ETH_IPV4, ETH_IPV6, LINKTYPES, ethernet, ethertype_payload

MAX_TUNNEL_DEPTH = 4

_IP4 = struct.Struct("!BxHxxHxB")      # version/IHL, total length, flags/fragment offset, protocol
_IP6 = struct.Struct("!4xHB")          # payload length, next header
_TCP = struct.Struct("!HHIIBB")        # sport, dport, seq, ack, data offset, flags
_UDP = struct.Struct("!HHH")           # sport, dport, length
_U16 = struct.Struct("!H")
_GRE = struct.Struct("!HH")            # flags/version, protocol type
_fast_unpack = struct.Struct("!BxHxxHxBxx4s4sHHIIBB").unpack_from   # IPv4 without options + TCP, one call
_fast6_unpack = struct.Struct("!B3xHBx16s16sHHIIBB").unpack_from     # IPv6 without extension headers + TCP

_VXLAN_PORT = 4789
_GENEVE_PORT = 6081
_GTPU_PORT = 2152
_IPV6_EXT_OPTS = frozenset((0, 43, 60))  # hop-by-hop, routing, destination options: (len + 1) * 8 bytes


def decode_frame(linktype: int, frame: bytes, counters: dict[str, int]) -> tuple | None:
    """Decode one captured frame; see the module docstring for the result and the skip reasons."""
    if frame.__class__ is not bytes:
        frame = bytes(frame)
    end = len(frame)
    if linktype == 1 and end >= 54 and frame[12] == 8 and frame[13] == 0:   # fast path: Ethernet, IPv4
        vihl, total, frag, proto, src, dst, sport, dport, seq, ack, doff, flags = _fast_unpack(frame, 14)
        ip_end = 14 + total
        if vihl == 0x45 and proto == 6 and not frag & 0x3FFF and 54 <= ip_end <= end:   # plain TCP, complete
            doff = 34 + ((doff >> 4) << 2)
            if 54 <= doff <= ip_end:
                return 6, src, dst, sport, dport, seq, ack, flags, frame[doff:ip_end], 0
        result = _ipv4(frame, 14, end, 0)
    elif linktype == 1 and end >= 74 and frame[12] == 0x86 and frame[13] == 0xDD:   # fast path: Ethernet, IPv6
        vfc, plen, nh, src, dst, sport, dport, seq, ack, doff, flags = _fast6_unpack(frame, 14)
        ip_end = 54 + plen
        if vfc >> 4 == 6 and nh == 6 and ip_end <= end:     # plain TCP, complete (a length of 0, TSO: general path)
            doff = 54 + ((doff >> 4) << 2)
            if 74 <= doff <= ip_end:
                return 6, src, dst, sport, dport, seq, ack, flags, frame[doff:ip_end], 0
        result = _ipv6(frame, 14, end, 0)
    else:
        decoder = LINKTYPES.get(linktype)
        if decoder is None:
            result = "unknown_linktype"
        else:
            kind, off, link_end = decoder(frame, 0, end)
            if kind == ETH_IPV4:
                result = _ipv4(frame, off, link_end, 0)
            elif kind == ETH_IPV6:
                result = _ipv6(frame, off, link_end, 0)
            else:
                result = kind
    if result.__class__ is tuple:
        return result
    counters[result] = counters.get(result, 0) + 1
    return None


def _ipv4(frame: bytes, off: int, end: int, depth: int) -> tuple | str:
    if off + 20 > end:
        return "truncated_frame"
    vihl, total, frag, proto = _IP4.unpack_from(frame, off)
    hlen = (vihl & 15) << 2
    if vihl >> 4 != 4 or hlen < 20:
        return "bad_ip_header"
    if total == 0:                                   # TSO/GRO: length left for the NIC to fill in
        total = end - off
        if total < hlen:
            return "truncated_frame"
    elif total < hlen:
        return "bad_ip_header"
    if off + hlen > end:
        return "truncated_frame"
    if frag & 0x3FFF:                                # MF flag or a fragment offset
        return "ip_fragment"
    return _l4(frame, proto, off + hlen, off + total, end,
               frame[off + 12:off + 16], frame[off + 16:off + 20], depth)


def _ipv6(frame: bytes, off: int, end: int, depth: int) -> tuple | str:
    if off + 40 > end:
        return "truncated_frame"
    if frame[off] >> 4 != 6:
        return "bad_ip_header"
    plen, nh = _IP6.unpack_from(frame, off)
    p = off + 40
    ip_end = p + plen if plen else end               # 0: jumbogram or TSO/GRO
    while nh != 6 and nh != 17:
        if nh in _IPV6_EXT_OPTS:
            if p + 8 > ip_end:
                return "bad_ip_header"
            if p + 8 > end:
                return "truncated_frame"
            hlen = (frame[p + 1] + 1) << 3
        elif nh == 44:                               # fragment header
            if p + 8 > ip_end:
                return "bad_ip_header"
            if p + 8 > end:
                return "truncated_frame"
            if _U16.unpack_from(frame, p + 2)[0] & 0xFFF9:   # offset != 0 or M set: a real fragment
                return "ip_fragment"
            hlen = 8
        elif nh == 51:                               # AH: (len + 2) * 4 bytes
            if p + 8 > ip_end:
                return "bad_ip_header"
            if p + 8 > end:
                return "truncated_frame"
            hlen = (frame[p + 1] + 2) << 2
        else:
            break
        if p + hlen > ip_end:
            return "bad_ip_header"
        if p + hlen > end:
            return "truncated_frame"
        nh = frame[p]
        p += hlen
    return _l4(frame, nh, p, ip_end, end, frame[off + 8:off + 24], frame[off + 24:off + 40], depth)


def _l4(frame: bytes, proto: int, p: int, ip_end: int, end: int, src: bytes, dst: bytes, depth: int) -> tuple | str:
    """Transport header at ``p``; ``ip_end`` is where the IP header says the packet ends, ``end`` the capture."""
    if proto == 6:
        if p + 20 > ip_end:
            return "bad_tcp_header"
        if p + 20 > end:
            return "truncated_frame"
        sport, dport, seq, ack, doff, flags = _TCP.unpack_from(frame, p)
        doff = (doff >> 4) << 2
        if doff < 20 or p + doff > ip_end:
            return "bad_tcp_header"
        if ip_end <= end:
            return 6, src, dst, sport, dport, seq, ack, flags, frame[p + doff:ip_end], 0
        if p + doff > end:
            return "truncated_frame"
        return 6, src, dst, sport, dport, seq, ack, flags, frame[p + doff:end], _missing(frame, ip_end, end)
    if proto == 17:
        if p + 8 > ip_end:
            return "bad_udp_header"
        if p + 8 > end:
            return "truncated_frame"
        sport, dport, ulen = _UDP.unpack_from(frame, p)
        if ulen >= 8 and p + ulen < ip_end:          # UDP length trims further only when it is consistent
            ip_end = p + ulen
        if dport == _VXLAN_PORT or dport == _GENEVE_PORT or dport == _GTPU_PORT or sport == _GTPU_PORT:
            inner = _udp_tunnel(frame, p + 8, ip_end if ip_end < end else end, sport, dport, depth)
            if inner is not None:
                return inner
        if ip_end <= end:
            return 17, src, dst, sport, dport, 0, 0, 0, frame[p + 8:ip_end], 0
        return 17, src, dst, sport, dport, 0, 0, 0, frame[p + 8:end], _missing(frame, ip_end, end)
    if proto == 4 or proto == 41 or proto == 47:
        if depth >= MAX_TUNNEL_DEPTH:
            return "tunnel_depth"
        inner_end = ip_end if ip_end < end else end
        if proto == 4:
            return _ipv4(frame, p, inner_end, depth + 1)
        if proto == 41:
            return _ipv6(frame, p, inner_end, depth + 1)
        return _gre(frame, p, inner_end, depth + 1)
    return "non_tcp_udp"


def _missing(frame: bytes, ip_end: int, end: int) -> int:
    """Bytes declared past ``end``: only a capture (snaplen) cut when ``end`` is the frame's end; an IP length
    that overruns a shorter outer or link-declared length (PPPoE, outer IP of a tunnel) is clamped, missing 0."""
    return ip_end - end if end == len(frame) else 0


def _inner(frame: bytes, kind: int | str, off: int, end: int, depth: int) -> tuple | str:
    if kind == ETH_IPV4:
        return _ipv4(frame, off, end, depth)
    if kind == ETH_IPV6:
        return _ipv6(frame, off, end, depth)
    return kind


def _gre(frame: bytes, p: int, end: int, depth: int) -> tuple | str:
    if p + 4 > end:
        return "truncated_frame"
    flags, etype = _GRE.unpack_from(frame, p)
    if flags & 0x4007:                               # routing present (RFC 1701) or version != 0 (PPTP)
        return "non_tcp_udp"
    p += 4 + 4 * ((flags >> 15 & 1) + (flags >> 13 & 1) + (flags >> 12 & 1))   # checksum, key, sequence
    if p > end:
        return "truncated_frame"
    kind, off, end = ethertype_payload(frame, p, end, etype)
    return _inner(frame, kind, off, end, depth)


def _udp_tunnel(frame: bytes, p: int, end: int, sport: int, dport: int, depth: int) -> tuple | str | None:
    """Decapsulate VXLAN / Geneve / GTP-U starting at UDP payload ``p``; None if the header does not parse."""
    if dport == _VXLAN_PORT:
        if p + 8 + 14 > end or not frame[p] & 0x08:  # 8-byte header with the I flag, then Ethernet
            return None
        if depth >= MAX_TUNNEL_DEPTH:
            return "tunnel_depth"
        kind, off, end = ethernet(frame, p + 8, end)
        return _inner(frame, kind, off, end, depth + 1)
    if dport == _GENEVE_PORT:
        if p + 8 > end or frame[p] >> 6:             # version 0
            return None
        hlen = 8 + ((frame[p] & 0x3F) << 2)
        ptype = _U16.unpack_from(frame, p + 2)[0]
        if p + hlen > end or ptype not in (0x6558, ETH_IPV4, ETH_IPV6):
            return None
        if depth >= MAX_TUNNEL_DEPTH:
            return "tunnel_depth"
        kind, off, end = ethertype_payload(frame, p + hlen, end, ptype)
        return _inner(frame, kind, off, end, depth + 1)
    # GTP-U (port 2152 on either side): version 1, PT 1, message type 255 (G-PDU)
    if p + 8 > end or frame[p] >> 4 != 0x3 or frame[p + 1] != 255:
        return None
    flags = frame[p]
    hlen = 8
    if flags & 0x07:                                 # E, S or PN: sequence, N-PDU number, next extension type
        hlen = 12
        if p + hlen > end:
            return None
        if flags & 0x04:
            nxt = frame[p + 11]
            while nxt:
                if p + hlen >= end or not frame[p + hlen]:
                    return None
                hlen += frame[p + hlen] << 2         # extension length in 4-byte units, last byte = next type
                if p + hlen > end:
                    return None
                nxt = frame[p + hlen - 1]
    if p + hlen >= end:
        return None
    version = frame[p + hlen] >> 4
    if version != 4 and version != 6:
        return None
    if depth >= MAX_TUNNEL_DEPTH:
        return "tunnel_depth"
    if version == 4:
        return _ipv4(frame, p + hlen, end, depth + 1)
    return _ipv6(frame, p + hlen, end, depth + 1)
