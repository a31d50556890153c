"""pcaptls/enrich/_dnsfast.c, the optional C twin of the DNS parser: every message it reads gives exactly what the
pure-Python parser gives, and it reads the plain responses real resolvers send (so the fast path is used)."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.capture.decap import decode_frame
from pcaptls.capture.files import open_capture
from pcaptls.enrich import dnsmsg
from pcaptls.errors import MalformedInput
from tests.conftest import CAPTURES, ROOT
from tests.enrich.test_dnsmsg import A_RESPONSE, CNAME_CHAIN, VALID, _pointer_heavy, mutated

fast = pytest.importorskip("pcaptls.enrich._dnsfast")


def _python(data: bytes) -> object:
    real = dnsmsg._c_answers
    dnsmsg._c_answers = None
    try:
        return dnsmsg.parse_dns_message(data, trailing_ok=True)
    except MalformedInput as exc:
        return ("error", exc.what, exc.offset)
    finally:
        dnsmsg._c_answers = real


def _check(data: bytes) -> bool:
    """True when C read it; then it must equal Python's reading (C declines everything Python rejects)."""
    got = fast.answers(data)
    if got is None:
        return False
    want = _python(data)
    assert not isinstance(want, tuple), f"C read what Python rejects: {want}"
    assert dnsmsg.parse_dns_message(data) == want
    assert want.trailing == 0 and len(want.questions) == 1 and want.is_response
    return True


def _payloads() -> list[bytes]:
    """UDP port-53 payloads of the fixture captures (dnsmasq, dig, crafted) and of a dense bench slice."""
    out = []
    paths = [p for p in CAPTURES.rglob("*.pcap*") if "reliability" not in str(p)]
    for path in paths:
        try:
            with open_capture(str(path)) as reader:
                for _ts, linktype, frame, _orig in reader:
                    seg = decode_frame(linktype, frame, {})
                    if seg is not None and seg[0] == 17 and 53 in (seg[3], seg[4]) and seg[8]:
                        out.append(bytes(seg[8]))
        except Exception:           # a capture damaged on purpose: its good part was read
            continue
    return out


@pytest.fixture(scope="module")
def payloads(tmp_path_factory) -> list[bytes]:
    from bench.generate import generate
    got = _payloads()
    path = tmp_path_factory.mktemp("dense") / "dense.pcap"
    generate(3_000_000, str(path), seed=4, profile="dense")
    with open_capture(str(path)) as reader:
        for _ts, linktype, frame, _orig in reader:
            seg = decode_frame(linktype, frame, {})
            if seg is not None and seg[0] == 17 and seg[3] == 53:
                got.append(bytes(seg[8]))
    return got


def test_real_responses_are_read_in_c_and_equal_pythons(payloads) -> None:
    responses = [p for p in payloads if len(p) > 2 and p[2] & 0x80]
    assert len(responses) > 200
    read = sum(_check(p) for p in responses)
    assert read >= 0.9 * len(responses), f"the C path read {read} of {len(responses)} responses"
    for p in payloads:
        if not p[2] & 0x80:
            assert fast.answers(p) is None          # queries: Python's (the pipeline does not parse them)


def test_every_buffer_type() -> None:
    for kind in (bytes, bytearray, memoryview):
        assert dnsmsg.parse_dns_message(kind(CNAME_CHAIN)) == _python(CNAME_CHAIN)
        assert fast.answers(kind(A_RESPONSE)) is not None


@settings(max_examples=1500)
@given(st.integers(0, 10**9), st.integers(0, 600))
def test_pointer_heavy_messages_and_their_truncations(seed: int, cut: int) -> None:
    data = _pointer_heavy(seed)
    _check(data)
    _check(data[:cut % (len(data) + 1)])


@settings(max_examples=1500)
@given(st.sampled_from(VALID), st.lists(st.tuples(st.integers(0, 300), st.integers(0, 255)), min_size=1, max_size=5))
def test_mutated_messages(msg: bytes, edits: list[tuple[int, int]]) -> None:
    data = mutated(msg, edits)
    data[2] |= 0x80
    _check(bytes(data))


@settings(max_examples=800)
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


def test_mutations_of_real_responses(payloads) -> None:
    rng = random.Random(7)
    responses = [p for p in payloads if len(p) > 12 and p[2] & 0x80]
    for _ in range(6000):
        data = bytearray(rng.choice(responses))
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[:rng.randrange(len(data) + 1)]
        _check(bytes(data))


def test_names_that_need_escaping_and_dotted_aaaa_are_left_to_python() -> None:
    escaped = A_RESPONSE.replace(b"\x03api", b"\x03a.i")
    mapped = (b"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01v\x00\x00\x1c\x00\x01"
              b"\xc0\x0c\x00\x1c\x00\x01\x00\x00\x00\x3c\x00\x10" + bytes(10) + b"\xff\xff\x01\x02\x03\x04")
    for data in (escaped, mapped):
        assert fast.answers(data) is None
        assert dnsmsg.parse_dns_message(data) == _python(data)
    assert _python(mapped).answers[0].value == "::ffff:102:304"


def test_source_is_small_and_says_what_it_owns() -> None:
    source = (ROOT / "pcaptls" / "enrich" / "_dnsfast.c").read_text()
    assert len(source.splitlines()) < 250 and "twin" in source.split("*/")[0]
