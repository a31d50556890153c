"""``find_tls_start``'s shortcut for a hello in the first record gives the answer of the general search."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.tls import start

# A plausible hello start, then one field moved to a boundary or to something else.
FIELDS = {
    "content_type": (22, [20, 21, 23, 0x80, 0x16]),
    "major": (3, [2, 4, 3]),
    "minor": (3, [0, 1, 4, 5, 6]),
    "length": (512, [0, 1, 5, 6, 7, 0x4800, 0x4801]),
    "msg_type": (1, [1, 2, 6, 11, 0]),
    "hello_len": (508, [0, 5, 6, 37, 38, 39, 0x20000, 0x20001]),
    "hello_version": (0x0303, [0x0300, 0x0301, 0x0304, 0x7F1C, 0x0305, 0x0200, 0xFEFD]),
}


@st.composite
def starts(draw: st.DrawFn) -> bytes:
    v = {name: base for name, (base, _) in FIELDS.items()}
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=2, unique=True)):
        v[name] = draw(st.sampled_from(FIELDS[name][1]))
    return (bytes([v["content_type"], v["major"], v["minor"]]) + v["length"].to_bytes(2, "big")
            + bytes([v["msg_type"]]) + v["hello_len"].to_bytes(3, "big") + v["hello_version"].to_bytes(2, "big")
            + draw(st.one_of(st.binary(max_size=40), st.just(b"\x16\x03\x03\x00\x05\x00\x00\x00\x00\x00"))))


@settings(max_examples=1500, deadline=None)
@given(starts(), st.booleans(), st.sampled_from([0, 1, 16384]), st.integers(0, 12))
def test_shortcut_agrees_with_the_search(data: bytes, client: bool, limit: int, cut: int) -> None:
    data = data[:len(data) - cut] if cut else data
    fast = start.find_tls_start(data, client=client, limit=limit)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(start, "_hello_at_start", lambda *_a: False)
        slow = start.find_tls_start(data, client=client, limit=limit)
    assert fast == slow


def _boundary_reference(data: bytes, limit: int = 16384) -> int | None:
    """find_record_boundary as it was: every offset tried in Python (the C regex now finds candidates)."""
    from pcaptls.tls.start import _TLS_HEADER_LEN, _plausible_header
    end = min(len(data), limit)
    for pos in range(end):
        length = _plausible_header(data, pos)
        if length is None:
            continue
        nxt = pos + _TLS_HEADER_LEN + length
        if nxt == len(data) or (nxt + _TLS_HEADER_LEN <= len(data) and _plausible_header(data, nxt) is not None):
            return pos
    return None


_HEADERISH = st.lists(st.one_of(st.binary(max_size=40), st.sampled_from([
    b"\x17\x03\x03\x00\x05", b"\x16\x03\x01\x00\x02", b"\x14\x03\x03\x00\x01\x01", b"\x15\x03\x03\x00\x02\x02\x28",
    b"\x18\x03\x03\x00\x01", b"\x17\x03\x05\x00\x01", b"\x17\x03\x03\x00\x00", b"\x17\x03\x03\x48\x01",
    b"\x03\x17\x03\x03", b"\x17\x17\x03\x03\x00\x01"])), max_size=30).map(b"".join)


@given(_HEADERISH, st.integers(0, 400))
def test_record_boundary_finds_what_the_byte_loop_found(data: bytes, limit: int) -> None:
    from pcaptls.tls.start import find_record_boundary
    assert find_record_boundary(data, limit=limit) == _boundary_reference(data, limit)
    assert find_record_boundary(data) == _boundary_reference(data)
