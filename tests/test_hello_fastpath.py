"""The fast paths of pcaptls/tls/hello.py and pcaptls/tls/extensions.py give what the Reader paths give.

A ``bytes`` body takes the fast path; the same bytes as a ``memoryview`` (or an extension body as a
``bytearray``) take the ``Reader`` path, which is the reference. Results must be equal field for field and
errors must have the same type, offset and message.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.errors import MalformedHandshake
from pcaptls.tls import registry
from pcaptls.tls.extensions import (
    CLIENT_HELLO, DECODERS, FAST_DECODERS, HELLO_RETRY_REQUEST, SERVER_HELLO, Extension, ExtensionError,
    decode_extensions, parse_extensions, read_extension_block,
)
from pcaptls.tls.hello import parse_client_hello, parse_server_hello
from pcaptls.tls.reader import Reader
from tests.tls.test_hello import (
    BASE, DAMAGED_HELLOS, DRAFT18_SERVER_HELLO, DRAFT22_HELLO_RETRY_REQUEST, HELLO_RETRY_REQUEST as HRR_BODY,
    TLS12_CLIENT_HELLO, TLS13_CLIENT_HELLO, TLS13_SERVER_HELLO, _mutated,
)

AT = 500            # absolute offset of an extension's type field in the decoder tests


def _outcome(parse: Callable[[Any, int], Any], body: Any) -> tuple[str, Any]:
    try:
        return "ok", parse(body, BASE)
    except MalformedHandshake as exc:
        return type(exc).__name__, (exc.what, exc.offset, exc.detail, str(exc))


def _assert_same_on_both_paths(parse: Callable[[Any, int], Any], body: bytes) -> tuple[str, Any]:
    fast, careful = _outcome(parse, body), _outcome(parse, memoryview(body))
    assert fast == careful
    if fast[0] == "ok":
        assert type(fast[1].random) is bytes and type(fast[1].session_id) is bytes
        for ext in fast[1].extensions or ():
            assert type(ext.data) is bytes
    return fast


CLIENT_HELLOS = [TLS12_CLIENT_HELLO, TLS13_CLIENT_HELLO]
SERVER_HELLOS = [TLS13_SERVER_HELLO, HRR_BODY, DRAFT18_SERVER_HELLO, DRAFT22_HELLO_RETRY_REQUEST]
CASES = [(parse_client_hello, body) for body in CLIENT_HELLOS] + [(parse_server_hello, body) for body in SERVER_HELLOS]
DAMAGED = [(parse, body) for parse, body, *_ in DAMAGED_HELLOS.values()]     # extension blocks kept in part


@pytest.mark.parametrize(("parse", "body"), CASES)
def test_every_truncation_and_extension_gives_the_same_on_both_paths(parse: Callable[[Any, int], Any],
                                                                     body: bytes) -> None:
    for cut in range(len(body) + 1):
        _assert_same_on_both_paths(parse, body[:cut])
    _assert_same_on_both_paths(parse, body + b"\x00")


@pytest.mark.parametrize(("parse", "body"), DAMAGED, ids=list(DAMAGED_HELLOS))
def test_a_damaged_extension_block_gives_the_same_malformed_hello_on_both_paths(parse: Callable[[Any, int], Any],
                                                                                 body: bytes) -> None:
    """The fast path reads no damaged block itself: it leaves it to the Reader path, so the kept fields, the
    extensions that frame and the malformed mark are the same whichever path the body takes."""
    kind, hello = _assert_same_on_both_paths(parse, body)
    assert kind == "ok" and hello.malformed is not None
    for cut in range(len(body) + 1):
        _assert_same_on_both_paths(parse, body[:cut])


@given(st.sampled_from(CASES + DAMAGED).flatmap(lambda case: st.tuples(st.just(case[0]), _mutated(case[1]))))
def test_mutated_hellos_give_the_same_on_both_paths(case: tuple[Callable[[Any, int], Any], bytes]) -> None:
    parse, body = case
    _assert_same_on_both_paths(parse, body)


@given(st.sampled_from([parse_client_hello, parse_server_hello]), st.binary(max_size=200))
def test_arbitrary_bytes_give_the_same_on_both_paths(parse: Callable[[Any, int], Any], data: bytes) -> None:
    _assert_same_on_both_paths(parse, data)


# ---- extension decoders ---------------------------------------------------------------------------------

def _vectors() -> st.SearchStrategy[bytes]:
    """Extension bodies made of length-prefixed parts whose lengths are often right, sometimes off by one."""
    part = st.binary(max_size=6).flatmap(lambda payload: st.sampled_from([0, 0, 0, 1, -1]).map(
        lambda delta: max(len(payload) + delta, 0).to_bytes(1, "big") + payload))
    entry = st.one_of(part, st.binary(min_size=1, max_size=3).flatmap(
        lambda head: part.map(lambda tail: head + b"\x00" + tail)))
    inner = st.lists(entry, max_size=4).map(b"".join)
    return st.tuples(inner, st.sampled_from([0, 0, 0, 1, -1]), st.sampled_from([1, 2, 2]), st.binary(max_size=1)).map(
        lambda t: max(len(t[0]) + t[1], 0).to_bytes(t[2], "big") + t[0] + t[3])


@given(st.sampled_from(sorted(DECODERS)), st.one_of(st.binary(max_size=40), _vectors()))
def test_fast_decoders_match_the_reader_decoders(key: tuple[str, int], data: bytes) -> None:
    context, ext_type = key
    fast = decode_extensions(context, (Extension(ext_type, data, AT),))
    as_bytearray = Extension(ext_type, bytearray(data), AT)     # type: ignore[arg-type]  # not bytes: Reader path
    careful = decode_extensions(context, (as_bytearray,))
    assert fast == careful
    assert all(type(value) is not bytearray for value in fast[0].values())


def test_fast_decoders_have_a_reader_twin() -> None:
    assert set(FAST_DECODERS) <= set(DECODERS)


def test_has_ech_relies_on_a_client_hello_ech_decoder() -> None:
    # _client_hello infers has_ech from the decoded values and errors, so the decoder must exist
    assert (CLIENT_HELLO, registry.EXT_ENCRYPTED_CLIENT_HELLO) in DECODERS


@pytest.mark.parametrize("ech", [
    b"\xfe\x0d\x00\x01\x01",                            # inner ECH: decoded
    b"\xfe\x0d\x00\x01\x00",                            # outer ECH cut short: an extension error
    b"\xfe\x0d\x00\x01\x01" + b"\xfe\x0d\x00\x00",      # inner, then a duplicate that is malformed
])
def test_has_ech_whether_decoded_or_not(ech: bytes) -> None:
    body = TLS12_CLIENT_HELLO[:43] + len(ech).to_bytes(2, "big") + ech
    hello = parse_client_hello(body, BASE)
    assert hello.has_ech and hello == parse_client_hello(memoryview(body), BASE)     # type: ignore[arg-type]


def test_read_extension_block_is_parse_then_decode() -> None:
    block = (
        b"\x00\x16"                             # extensions length - 22
        + b"\x00\x0a\x00\x04\x00\x02\x00\x17"   # supported_groups: secp256r1
        + b"\x00\x0a\x00\x00"                   # supported_groups again: duplicate
        + b"\x00\x2b\x00\x02\x03\x04"           # supported_versions: list length 3, odd
        + b"\xaa\xaa\x00\x00"                   # GREASE, empty
    )
    assert len(block) == 2 + 22
    extensions = parse_extensions(Reader(block, base=AT))
    values = {registry.EXT_SUPPORTED_GROUPS: (0x17,)}
    errors = (ExtensionError(registry.EXT_SUPPORTED_GROUPS, AT + 10, "duplicate extension"),
              ExtensionError(registry.EXT_SUPPORTED_VERSIONS, AT + 18, "versions: length 3 is not a multiple of 2"))
    assert decode_extensions(CLIENT_HELLO, extensions) == (values, errors)
    assert read_extension_block(CLIENT_HELLO, block, 0, AT) == (extensions, values, errors)


@pytest.mark.parametrize("block", [b"", b"\x00", b"\x00\x05\x00\x17\x00\x02\x00", b"\x00\x03\x00\x17\x00",
                                   b"\x00\x00\x00"])
def test_read_extension_block_leaves_bad_framing_to_the_reader(block: bytes) -> None:
    assert read_extension_block(SERVER_HELLO, block, 0, AT) is None
    assert read_extension_block(HELLO_RETRY_REQUEST, block, 0, AT) is None
