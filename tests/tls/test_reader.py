"""Tests for pcaptls/tls/reader.py: the bounds-checked cursor."""
from __future__ import annotations

import array
import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.errors import MalformedExtension, MalformedHandshake, MalformedRecord
from pcaptls.tls.reader import Reader

BASE = 1000

# A small nested structure, tlslite-ng style: one field per line.
MSG = (
    b"\x03\x03"                 # uint16 - 0x0303
    + b"\x00\x04"               # uint16 list length - 4 bytes (2 items)
    + b"\x13\x01\xc0\x2f"       # items - 0x1301, 0xc02f
    + b"\x00\x07"               # vector length - 7 bytes
    + b"\x03"                   #   inner vector length - 3 bytes
    + b"abc"                    #   inner vector
    + b"\x02"                   #   inner list length - 2 one-byte items
    + b"\x00\x01"               #   items - 0, 1
)
assert len(MSG) == 2 + 2 + 4 + 2 + 7


def test_reads_fields_and_tracks_absolute_offsets() -> None:
    r = Reader(MSG, base=BASE)
    assert (r.offset, r.remaining) == (BASE, len(MSG))
    assert r.uint(2, "version") == 0x0303
    assert r.uints(2, 2, "suites") == (0x1301, 0xC02F)
    inner = r.vector(2, "block")
    assert r.at_end() and r.offset == BASE + len(MSG)
    assert inner.offset == BASE + 10
    assert inner.vector(1, "name").rest() == b"abc"
    assert inner.uints(1, 1, "bytes") == (0, 1)
    inner.expect_end("block")
    r.expect_end("msg")


def test_raw_skip_sub_rest_and_lookahead() -> None:
    r = Reader(b"\x01\x02\x03\x04\x05\x06", base=BASE)
    assert r.raw(2, "two") == b"\x01\x02"
    ahead = r.lookahead()
    assert ahead.uint(2, "peek") == 0x0304 and r.offset == BASE + 2      # lookahead does not move r
    r.skip(1, "one")
    sub = r.sub(2, "sub")
    assert (sub.offset, sub.rest(), sub.at_end()) == (BASE + 3, b"\x04\x05", True)
    assert r.rest() == b"\x06" and r.rest() == b""


def test_short_read_reports_field_offset_and_sizes() -> None:
    r = Reader(b"\x00\x05abc", base=BASE)
    with pytest.raises(MalformedHandshake) as info:
        r.vector(2, "host_name")
    assert (info.value.what, info.value.offset, info.value.detail) == ("host_name", BASE + 2, "need 5 bytes, 3 left")


def test_errors_inside_nested_vectors_keep_absolute_offsets() -> None:
    r = Reader(b"\xff\x00\x04\x00\x03ab", base=BASE)       # inner vector claims 3 bytes, has 2
    r.skip(1, "pad")
    outer = r.vector(2, "outer")
    with pytest.raises(MalformedHandshake) as info:
        outer.vector(2, "inner")
    assert info.value.offset == BASE + 5


def test_uints_checks_whole_items_at_the_length_field() -> None:
    r = Reader(b"\x00\x00\x03\x00\x01\x02", base=BASE)
    r.skip(1, "pad")
    with pytest.raises(MalformedHandshake) as info:
        r.uints(2, 2, "cipher_suites")
    assert (info.value.offset, info.value.detail) == (BASE + 1, "length 3 is not a multiple of 2")


def test_expect_end_rejects_trailing_bytes() -> None:
    r = Reader(b"\x01\x02\x03", base=BASE)
    r.uint(1, "one")
    with pytest.raises(MalformedHandshake) as info:
        r.expect_end("thing")
    assert (info.value.what, info.value.offset, info.value.detail) == ("thing", BASE + 1, "2 unexpected trailing bytes")


def test_error_type_is_chosen_by_the_caller() -> None:
    with pytest.raises(MalformedRecord):
        Reader(b"", error=MalformedRecord).uint(1, "x")
    ext_error = functools.partial(MalformedExtension, ext_type=16)
    with pytest.raises(MalformedExtension) as info:
        Reader(b"\x05", base=7, error=ext_error).vector(1, "alpn").uint(1, "y")
    assert (info.value.ext_type, info.value.offset) == (16, 8)
    sub = Reader(b"\x01\x00", error=MalformedRecord).vector(1, "v")
    assert isinstance(sub.fail("v", "bad"), MalformedRecord)
    assert sub.fail("v", "bad", offset=99).offset == 99


def test_accepts_memoryview_of_any_format_and_bytearray() -> None:
    words = memoryview(array.array("H", [0x0102, 0x0304]))
    r = Reader(words)
    assert r.remaining == 4 and r.raw(4, "all") == bytes(words)
    assert Reader(bytearray(b"\x07")).uint(1, "b") == 7


def test_negative_size_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        Reader(b"abc").raw(-1, "x")


@given(st.binary(max_size=64), st.lists(st.tuples(st.sampled_from("uraskvlx"), st.integers(0, 4)), max_size=12))
def test_any_sequence_of_reads_succeeds_or_raises_malformed(data: bytes, ops: list[tuple[str, int]]) -> None:
    r = Reader(data, base=BASE)
    try:
        for op, n in ops:
            before = r.offset
            if op == "u":
                r.uint(n or 1, "u")
            elif op == "r":
                r.raw(n, "r")
            elif op == "a":
                r.rest()
            elif op == "s":
                r.skip(n, "s")
            elif op == "k":
                r = r.sub(n, "k")
            elif op == "v":
                r = r.vector(n or 1, "v")
            elif op == "l":
                r.uints(n or 1, 2, "l")
            else:
                r.expect_end("x")
            assert BASE <= before <= r.offset <= BASE + len(data)
    except MalformedHandshake as exc:
        assert BASE <= exc.offset <= BASE + len(data)
