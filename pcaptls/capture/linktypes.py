"""Link-layer decoders keyed by DLT/LINKTYPE number. Owns: finding where the IP header starts in a frame.
Imports: nothing (struct only).

Every decoder has the signature ``decoder(frame: bytes, off: int, end: int) -> (kind, offset, end)`` and never
slices: it only reads header fields with precompiled ``struct.Struct.unpack_from`` / indexing.  ``kind`` is

* ``ETH_IPV4`` (0x0800) or ``ETH_IPV6`` (0x86dd): an IP header starts at ``offset``; the returned ``end`` is the
  input ``end``, or less when a link header declares a shorter length (PPPoE, 802.3 length field);
* a ``str`` skip reason (``"non_ip"``, ``"truncated_frame"``): nothing to decode (offset and end are 0).

``LINKTYPES`` maps the DLT number to its decoder; a number missing from it is ``"unknown_linktype"`` (the caller
counts that).  ``ethertype_payload`` is also used by ``decap`` for GRE and Geneve payloads (an ethertype value
followed by the bytes it describes), and ``ethernet`` for VXLAN / Geneve / GRE transparent Ethernet bridging.

Supported link types: 0 NULL and 108 LOOP (4-byte address family, either byte order), 1 Ethernet, 9 and 50 PPP
(HDLC-framed 0xff03 or bare protocol, 1- or 2-byte protocol field), 104 Cisco HDLC, 113 Linux SLL, 276 Linux SLL2,
12 / 14 / 101 raw IP (version nibble), 228 raw IPv4, 229 raw IPv6.
Ethernet payloads: ethertypes IPv4, IPv6, VLAN tags 0x8100 / 0x88a8 / 0x9100 / 0x9200 (any depth), PPPoE session
0x8864, MPLS 0x8847 / 0x8848 (label stack, then IPv4/IPv6 guessed from the version nibble), transparent Ethernet
bridging 0x6558, and 802.3 LLC/SNAP frames carrying one of those ethertypes.
"""
from __future__ import annotations

import struct
from collections.abc import Callable

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_TEB = 0x6558            # transparent Ethernet bridging (GRE, Geneve): an Ethernet header follows
_VLAN_TAGS = frozenset((0x8100, 0x88A8, 0x9100, 0x9200))
_PPPOE_SESSION = 0x8864
_MPLS = frozenset((0x8847, 0x8848))
_PPP_IPV4 = 0x0021
_PPP_IPV6 = 0x0057

_U16 = struct.Struct("!H")
_U16_LE = struct.Struct("<H")
_U32_LE = struct.Struct("<I")
_U32 = struct.Struct("!I")

_AF_INET = 2
_AF_INET6 = frozenset((10, 24, 28, 30))   # Linux, NetBSD/OpenBSD, FreeBSD/DragonFly, macOS
_MAX_LAYERS = 64                          # bound on VLAN/MPLS/bridged-Ethernet layers inside one frame

Decoder = Callable[[bytes, int, int], tuple]


def ethertype_payload(frame: bytes, off: int, end: int, etype: int) -> tuple:
    """Resolve ``etype`` whose payload starts at ``off``: unwrap VLAN tags, PPPoE, MPLS, bridged Ethernet, SNAP."""
    u16 = _U16.unpack_from
    for _ in range(_MAX_LAYERS):
        if etype == ETH_IPV4 or etype == ETH_IPV6:
            return etype, off, end
        if etype in _VLAN_TAGS:                       # 2 bytes TCI, then the next ethertype
            if off + 4 > end:
                return "truncated_frame", 0, 0
            etype = u16(frame, off + 2)[0]
            off += 4
        elif etype == _PPPOE_SESSION:                 # ver/type, code, session id, length, then PPP protocol
            if off + 8 > end:
                return "truncated_frame", 0, 0
            length = u16(frame, off + 4)[0]           # PPP protocol + payload; bounds the packet (padding)
            if 2 <= length and off + 6 + length < end:
                end = off + 6 + length
            return _ppp_proto(u16(frame, off + 6)[0], off + 8, end)
        elif etype in _MPLS:
            while True:                               # label stack entries until the bottom-of-stack bit
                if off + 4 > end:
                    return "truncated_frame", 0, 0
                bos = frame[off + 2] & 1
                off += 4
                if bos:
                    break
            return raw_ip(frame, off, end)               # "non_ip": pseudowire control word, Ethernet over MPLS
        elif etype == ETH_TEB:
            if off + 14 > end:
                return "truncated_frame", 0, 0
            etype = u16(frame, off + 12)[0]
            off += 14
        elif etype <= 1500:                           # 802.3 length field: LLC, maybe SNAP with an ethertype
            if 8 <= etype and off + etype < end:
                end = off + etype
            if off + 8 > end:
                return "truncated_frame", 0, 0
            if frame[off] != 0xAA or frame[off + 1] != 0xAA or frame[off + 2] != 0x03:
                return "non_ip", 0, 0
            etype = u16(frame, off + 6)[0]
            off += 8
            if etype <= 1500:
                return "non_ip", 0, 0
        else:
            return "non_ip", 0, 0                        # ARP, LLDP, MACsec, ...
    return "truncated_frame", 0, 0                       # pathological stack of tags; cannot be a real frame


def ethernet(frame: bytes, off: int, end: int) -> tuple:
    """DLT 1: 6 dst, 6 src, 2 ethertype/length."""
    if off + 14 > end:
        return "truncated_frame", 0, 0
    return ethertype_payload(frame, off + 14, end, _U16.unpack_from(frame, off + 12)[0])


def _ppp_proto(proto: int, off: int, end: int) -> tuple:
    if proto == _PPP_IPV4:
        return ETH_IPV4, off, end
    if proto == _PPP_IPV6:
        return ETH_IPV6, off, end
    return "non_ip", 0, 0


def ppp(frame: bytes, off: int, end: int) -> tuple:
    """DLT 9 / 50: optional 0xff 0x03 address/control, then a 1-byte (odd first byte, PFC) or 2-byte protocol."""
    if off + 2 <= end and frame[off] == 0xFF and frame[off + 1] == 0x03:
        off += 2
    if off >= end:
        return "truncated_frame", 0, 0
    if frame[off] & 1:                                # protocol-field compression: one byte
        return _ppp_proto(frame[off], off + 1, end)
    if off + 2 > end:
        return "truncated_frame", 0, 0
    return _ppp_proto(_U16.unpack_from(frame, off)[0], off + 2, end)


def cisco_hdlc(frame: bytes, off: int, end: int) -> tuple:
    """DLT 104: address, control, 2-byte ethertype."""
    if off + 4 > end:
        return "truncated_frame", 0, 0
    return ethertype_payload(frame, off + 4, end, _U16.unpack_from(frame, off + 2)[0])


def linux_sll(frame: bytes, off: int, end: int) -> tuple:
    """DLT 113: packet type, ARPHRD type, address length, 8-byte address, protocol (an ethertype)."""
    if off + 16 > end:
        return "truncated_frame", 0, 0
    return ethertype_payload(frame, off + 16, end, _U16.unpack_from(frame, off + 14)[0])


def linux_sll2(frame: bytes, off: int, end: int) -> tuple:
    """DLT 276: protocol (ethertype), reserved, interface index, ARPHRD type, packet type, address length, address."""
    if off + 20 > end:
        return "truncated_frame", 0, 0
    return ethertype_payload(frame, off + 20, end, _U16.unpack_from(frame, off)[0])


def bsd_loopback(frame: bytes, off: int, end: int) -> tuple:
    """DLT 0 / 108: 4-byte address family in the capturing host's byte order (either order accepted)."""
    if off + 4 > end:
        return "truncated_frame", 0, 0
    family = _U32_LE.unpack_from(frame, off)[0]
    if family > 0xFFFF:
        family = _U32.unpack_from(frame, off)[0]
    if family == _AF_INET:
        return ETH_IPV4, off + 4, end
    if family in _AF_INET6:
        return ETH_IPV6, off + 4, end
    return "non_ip", 0, 0


def raw_ip(frame: bytes, off: int, end: int) -> tuple:
    """DLT 12 / 14 / 101: an IP header, version from the first nibble."""
    if off >= end:
        return "truncated_frame", 0, 0
    version = frame[off] >> 4
    if version == 4:
        return ETH_IPV4, off, end
    if version == 6:
        return ETH_IPV6, off, end
    return "non_ip", 0, 0


def raw_ipv4(frame: bytes, off: int, end: int) -> tuple:
    """DLT 228."""
    return ETH_IPV4, off, end


def raw_ipv6(frame: bytes, off: int, end: int) -> tuple:
    """DLT 229."""
    return ETH_IPV6, off, end


LINKTYPES: dict[int, Decoder] = {
    0: bsd_loopback,
    1: ethernet,
    9: ppp,
    12: raw_ip,
    14: raw_ip,
    50: ppp,
    101: raw_ip,
    104: cisco_hdlc,
    108: bsd_loopback,
    113: linux_sll,
    228: raw_ipv4,
    229: raw_ipv6,
    276: linux_sll2,
}
