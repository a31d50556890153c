"""decode_frame's shortcuts for Ethernet + IPv4 / IPv6 + TCP give what the general decoders give, for
well-formed frames and for every header field moved to an edge (version, header length, next header,
payload length 0 or past the frame, data offset, fragments, truncation)."""
from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.capture import decap
from pcaptls.capture.linktypes import ETH_IPV4, ETH_IPV6, LINKTYPES


def general(frame: bytes) -> tuple | str:
    """decode_frame without its shortcuts: the link-type decoder, then the IP decoders."""
    kind, off, link_end = LINKTYPES[1](frame, 0, len(frame))
    if kind == ETH_IPV4:
        return decap._ipv4(frame, off, link_end, 0)
    if kind == ETH_IPV6:
        return decap._ipv6(frame, off, link_end, 0)
    return kind


def fast(frame: bytes) -> tuple | str:
    counters: dict[str, int] = {}
    got = decap.decode_frame(1, frame, counters)
    return got if got is not None else next(iter(counters))


def tcp(doff: int, payload: bytes) -> bytes:
    return struct.pack("!HHIIBBHHH", 40000, 443, 1, 2, doff << 4, 0x18, 100, 0, 0) + bytes(4 * max(doff - 5, 0)) + payload


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    payload = draw(st.binary(max_size=40))
    doff = draw(st.sampled_from([5, 5, 5, 8, 4, 15]))
    seg = tcp(doff, payload)
    if draw(st.booleans()):                                   # IPv6
        plen = draw(st.sampled_from([len(seg), len(seg), 0, len(seg) + 7, max(len(seg) - 3, 0), 19]))
        nh = draw(st.sampled_from([6, 6, 17, 0, 44]))
        vfc = draw(st.sampled_from([0x60, 0x60, 0x40, 0x6F]))
        ip = struct.pack("!B3xHBB16s16s", vfc, plen, nh, 64, bytes(range(16)), bytes(range(16, 32)))
        eth = b"\x02" * 12 + b"\x86\xdd"
    else:
        total = draw(st.sampled_from([20 + len(seg), 20 + len(seg), 0, 25 + len(seg), 30]))
        vihl = draw(st.sampled_from([0x45, 0x45, 0x46, 0x44, 0x65]))
        frag = draw(st.sampled_from([0x4000, 0x4000, 0x2000, 0x0001]))
        proto = draw(st.sampled_from([6, 6, 17]))
        ip = struct.pack("!BBHHHBBH4s4s", vihl, 0, total, 1, frag, 64, proto, 0, b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02")
        ip += bytes(4 * max((vihl & 15) - 5, 0))
        eth = b"\x02" * 12 + b"\x08\x00"
    frame = eth + ip + seg + draw(st.sampled_from([b"", b"", bytes(6)]))      # Ethernet padding sometimes
    cut = draw(st.integers(0, 12))
    return frame[: len(frame) - cut] if cut else frame


@settings(max_examples=3000, deadline=None)
@given(frames())
def test_shortcuts_agree_with_the_general_decoders(frame: bytes) -> None:
    assert fast(frame) == general(frame)


def test_the_ipv6_shortcut_is_taken() -> None:
    frame = b"\x02" * 12 + b"\x86\xdd" + struct.pack("!B3xHBB16s16s", 0x60, 25, 6, 64, bytes(16), bytes(16)) \
        + tcp(5, b"hello")
    assert fast(frame) == general(frame) == (6, bytes(16), bytes(16), 40000, 443, 1, 2, 0x18, b"hello", 0)
