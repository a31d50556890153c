"""tcp/reassembly.py: order, retransmission, overlap, gaps, wraparound, bounds."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.tcp.reassembly import StreamReassembler

DATA = bytes(range(256)) * 4


def _segments(data: bytes, cuts: list[int], isn: int) -> list[tuple[int, bytes]]:
    bounds = sorted({0, len(data), *[c % (len(data) + 1) for c in cuts]})
    return [((isn + 1 + a) & 0xFFFFFFFF, data[a:b]) for a, b in zip(bounds, bounds[1:])]


def _run(segs: list[tuple[int, bytes]], isn: int) -> bytes:
    r = StreamReassembler()
    r.syn(isn)
    out = bytearray()
    for seq, payload in segs:
        out += r.add(seq, payload)
    return bytes(out)


def test_in_order_after_syn() -> None:
    r = StreamReassembler()
    r.syn(1000)
    assert r.add(1001, b"abc") == b"abc"
    assert r.add(1004, b"def") == b"def"
    assert r.offset == 6


def test_out_of_order_is_held_then_released() -> None:
    r = StreamReassembler()
    r.syn(0)
    assert r.add(4, b"def") == b""
    assert r.pending_bytes == 3
    assert r.add(1, b"abc") == b"abcdef"
    assert r.pending_bytes == 0


def test_retransmission_and_superset_retransmission() -> None:
    r = StreamReassembler()
    r.syn(0)
    assert r.add(1, b"abc") == b"abc"
    assert r.add(1, b"abc") == b""
    assert r.add(1, b"abcdef") == b"def"          # superset: only the new tail is delivered
    assert r.retransmitted_bytes == 6


def test_overlap_first_seen_wins_and_is_counted() -> None:
    r = StreamReassembler()
    r.syn(0)
    assert r.add(1, b"abcd") == b"abcd"
    assert r.add(3, b"XXef") == b"ef"             # "cd" already delivered: the different copy loses
    assert r.inconsistent_overlaps == 1


def test_sequence_wraparound() -> None:
    r = StreamReassembler()
    r.syn(0xFFFFFFFD)
    assert r.add(0xFFFFFFFE, b"ab") == b"ab"      # next_seq wraps to 0
    assert r.add(0x00000000, b"cd") == b"cd"
    assert r.offset == 4


def test_midstream_locks_on_first_segment() -> None:
    r = StreamReassembler()
    assert r.add(5000, b"xyz") == b"xyz"
    assert r.add(5003, b"!") == b"!"


def test_gap_is_skipped_on_request_and_counted() -> None:
    r = StreamReassembler()
    r.syn(0)
    assert r.add(1, b"ab") == b"ab"
    assert r.add(10, b"zz") == b""
    skipped, data = r.skip_gap()
    assert (skipped, data) == (7, b"zz")
    assert (r.gaps, r.gap_bytes, r.offset) == (1, 7, 11)
    assert r.skip_gap() == (0, b"")


def test_snaplen_missing_bytes_advance_stream() -> None:
    r = StreamReassembler()
    r.syn(0)
    assert r.add(1, b"ab") == b"ab"
    r.skip(3)                                     # 3 bytes declared but not captured
    assert r.add(6, b"cd") == b"cd"
    assert r.gap_bytes == 3


def test_pending_is_bounded() -> None:
    r = StreamReassembler(max_pending_bytes=10)
    r.syn(0)
    r.add(100, b"x" * 8)
    assert not r.over_limit
    r.add(200, b"y" * 8)
    assert r.over_limit


@settings(max_examples=200)
@given(cuts=st.lists(st.integers(0, len(DATA)), max_size=20), seed=st.integers(0, 2**32 - 1),
       isn=st.integers(0, 2**32 - 1), dup=st.integers(0, 5))
def test_any_order_and_duplication_gives_the_same_stream(cuts: list[int], seed: int, isn: int, dup: int) -> None:
    segs = _segments(DATA, cuts, isn)
    rng = random.Random(seed)
    segs = segs + [rng.choice(segs) for _ in range(dup)]
    rng.shuffle(segs)
    assert _run(segs, isn) == DATA


@settings(max_examples=100)
@given(cuts=st.lists(st.integers(0, len(DATA)), min_size=2, max_size=20), seed=st.integers(0, 2**32 - 1))
def test_overlapping_resegmentation_gives_the_same_stream(cuts: list[int], seed: int) -> None:
    # Two different segmentations of the same bytes, interleaved: every byte arrives at least twice,
    # in overlapping pieces of different sizes.
    isn = 123456
    rng = random.Random(seed)
    a = _segments(DATA, cuts, isn)
    b = _segments(DATA, [c + 7 for c in cuts], isn)
    segs = a + b
    rng.shuffle(segs)
    assert _run(segs, isn) == DATA
