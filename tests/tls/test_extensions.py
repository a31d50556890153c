"""Tests for pcaptls/tls/extensions.py: framing of the block and the (context, type) decoders."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.errors import MalformedHandshake
from pcaptls.tls import registry
from pcaptls.tls.extensions import (
    CLIENT_HELLO, DECODERS, HELLO_RETRY_REQUEST, SERVER_HELLO, Extension, ExtensionError, decode_extensions,
    parse_extensions,
)
from pcaptls.tls.reader import Reader

AT = 2000        # absolute offset of the extension's type field in every test below
DATA_AT = AT + 4


def decode(context: str, ext_type: int, data: bytes) -> tuple[object, tuple[ExtensionError, ...]]:
    values, errors = decode_extensions(context, (Extension(ext_type, data, AT),))
    return values.get(ext_type), errors


def test_parse_extensions_frames_the_block() -> None:
    block = (
        b"\x00\x0e"                 # extensions length - 14
        + b"\x00\x17\x00\x00"       # extended_master_secret, empty
        + b"\xfe\x0d\x00\x01\x01"   # encrypted_client_hello, 1 byte
        + b"\xaa\xaa\x00\x01\x00"   # GREASE, 1 byte
    )
    assert parse_extensions(Reader(block, base=AT)) == (
        Extension(23, b"", AT + 2), Extension(0xFE0D, b"\x01", AT + 6), Extension(0xAAAA, b"\x00", AT + 11))


@pytest.mark.parametrize(("block", "offset"), [
    (b"\x00\x05\x00\x17\x00\x02\x00", AT + 6),      # extension body runs past the block
    (b"\x00\x03\x00\x17\x00", AT + 4),              # extension header cut by the block end
])
def test_parse_extensions_framing_errors_are_fatal(block: bytes, offset: int) -> None:
    with pytest.raises(MalformedHandshake) as info:
        parse_extensions(Reader(block, base=AT))
    assert info.value.offset == offset


# ---- server_name ------------------------------------------------------------------------------------

def test_sni_takes_the_first_host_name() -> None:
    data = (
        b"\x00\x11"                 # server_name_list length - 17
        + b"\x05\x00\x02ab"         # an unknown name type (5), 2 bytes: skipped
        + b"\x00\x00\x03one"        # host_name "one"
        + b"\x00\x00\x03two"        # host_name "two": not the first
    )
    assert len(data) == 2 + 17
    assert decode(CLIENT_HELLO, registry.EXT_SERVER_NAME, data) == (b"one", ())


@pytest.mark.parametrize(("data", "value"), [
    (b"\x00\x05\x05\x00\x02ab", None),         # no host_name entry
    (b"\x00\x00", None),                         # empty list: below the RFC minimum, kept as data
    (b"\x00\x03\x00\x00\x00", b""),              # empty host_name: likewise
])
def test_sni_minimum_sizes_are_not_errors(data: bytes, value: bytes | None) -> None:
    assert decode(CLIENT_HELLO, registry.EXT_SERVER_NAME, data) == (value, ())


@pytest.mark.parametrize(("data", "error"), [
    (b"", ExtensionError(0, DATA_AT, "server_name_list length: need 2 bytes, 0 left")),
    (b"\x00\x03\x00\x00\x01", ExtensionError(0, DATA_AT + 5, "host_name: need 1 bytes, 0 left")),
    (b"\x00\x04\x00\x00\x01a\xff", ExtensionError(0, DATA_AT + 6, "extension 0x0000: 1 unexpected trailing bytes")),
])
def test_bad_client_sni_is_an_extension_error(data: bytes, error: ExtensionError) -> None:
    assert decode(CLIENT_HELLO, registry.EXT_SERVER_NAME, data) == (None, (error,))


def test_server_sni_must_be_empty() -> None:
    assert decode(SERVER_HELLO, registry.EXT_SERVER_NAME, b"") == (None, ())
    assert decode(SERVER_HELLO, registry.EXT_SERVER_NAME, b"\x00")[1][0].ext_type == 0


# ---- ALPN, versions, key_share: one code point, a decoder per context ----------------------------------

ALPN_TWO = b"\x00\x0c" + b"\x02h2" + b"\x08http/1.1"
ALPN_ONE = b"\x00\x03" + b"\x02h2"


def test_alpn_list_in_client_hello_single_in_server_hello() -> None:
    assert decode(CLIENT_HELLO, registry.EXT_ALPN, ALPN_TWO) == ((b"h2", b"http/1.1"), ())
    assert decode(SERVER_HELLO, registry.EXT_ALPN, ALPN_ONE) == (b"h2", ())
    value, errors = decode(SERVER_HELLO, registry.EXT_ALPN, ALPN_TWO)
    assert value is None and errors[0].detail == "protocol_name_list: 2 protocols selected, expected 1"


def test_alpn_minimum_sizes_are_not_errors() -> None:
    """s2n-tls's alpns.pcap offers ["", "zy"]; tshark and JA4 report it as sent."""
    assert decode(CLIENT_HELLO, registry.EXT_ALPN, b"\x00\x00") == ((), ())
    assert decode(CLIENT_HELLO, registry.EXT_ALPN, b"\x00\x04\x00\x02zy") == ((b"", b"zy"), ())
    assert decode(CLIENT_HELLO, registry.EXT_ALPN, b"\x00\x04\x00\x03zy")[1][0].detail == \
        "protocol name: need 3 bytes, 2 left"


def test_supported_versions_depends_on_the_message() -> None:
    assert decode(CLIENT_HELLO, registry.EXT_SUPPORTED_VERSIONS, b"\x04\x7a\x7a\x03\x04") == ((0x7A7A, 0x0304), ())
    assert decode(SERVER_HELLO, registry.EXT_SUPPORTED_VERSIONS, b"\x03\x04") == (0x0304, ())
    assert decode(HELLO_RETRY_REQUEST, registry.EXT_SUPPORTED_VERSIONS, b"\x7f\x16") == (0x7F16, ())
    assert decode(CLIENT_HELLO, registry.EXT_SUPPORTED_VERSIONS, b"\x03\x03\x04\x03")[1][0].detail == \
        "versions: length 3 is not a multiple of 2"
    assert decode(SERVER_HELLO, registry.EXT_SUPPORTED_VERSIONS, b"\x02\x03\x04")[1][0].offset == DATA_AT + 2


@pytest.mark.parametrize("ext_type", [registry.EXT_KEY_SHARE, registry.EXT_KEY_SHARE_OLD])
def test_key_share_depends_on_the_message(ext_type: int) -> None:
    client = b"\x00\x0a" + b"\x00\x1d\x00\x01\xaa" + b"\x00\x17\x00\x01\xbb"
    assert decode(CLIENT_HELLO, ext_type, client) == ((0x1D, 0x17), ())
    assert decode(CLIENT_HELLO, ext_type, b"\x00\x00") == ((), ())          # empty: asking for an HRR
    assert decode(SERVER_HELLO, ext_type, b"\x00\x1d\x00\x02\xaa\xbb") == (0x1D, ())
    assert decode(HELLO_RETRY_REQUEST, ext_type, b"\x00\x17") == (0x17, ())
    assert decode(SERVER_HELLO, ext_type, b"\x00\x17")[1][0].offset == DATA_AT + 2


@pytest.mark.parametrize(("ext_type", "data", "value"), [
    (registry.EXT_SUPPORTED_GROUPS, b"\x00\x04\x00\x1d\x11\xec", (0x1D, 0x11EC)),
    (registry.EXT_SIGNATURE_ALGORITHMS, b"\x00\x02\x08\x07", (0x0807,)),
    (registry.EXT_PSK_KEY_EXCHANGE_MODES, b"\x02\x00\x01", (0, 1)),
    (registry.EXT_EC_POINT_FORMATS, b"\x03\x00\x01\x02", (0, 1, 2)),
    (registry.EXT_ENCRYPTED_CLIENT_HELLO, b"\x01", True),                  # inner
    (registry.EXT_ENCRYPTED_CLIENT_HELLO, b"\x07future", True),           # a type from a later draft: data
    (registry.EXT_ENCRYPTED_CLIENT_HELLO,
     b"\x00" + b"\x00\x01\x00\x01" + b"\x07" + b"\x00\x01\xee" + b"\x00\x02pp", True),   # outer ECH
])
def test_client_hello_lists(ext_type: int, data: bytes, value: object) -> None:
    assert decode(CLIENT_HELLO, ext_type, data) == (value, ())


@pytest.mark.parametrize(("data", "detail"), [
    (b"\x01\x00", "extension 0xfe0d: 1 unexpected trailing bytes"),
    (b"\x00" + b"\x00\x01\x00\x01" + b"\x07" + b"\x00\x00" + b"\x00\x01", "payload: need 1 bytes, 0 left"),
    (b"\x00\x00\x01", "cipher_suite: need 4 bytes, 2 left"),
])
def test_bad_ech(data: bytes, detail: str) -> None:
    value, errors = decode(CLIENT_HELLO, registry.EXT_ENCRYPTED_CLIENT_HELLO, data)
    assert value is None and errors[0].detail == detail


def test_hrr_ech_confirmation_and_server_point_formats() -> None:
    assert decode(HELLO_RETRY_REQUEST, registry.EXT_ENCRYPTED_CLIENT_HELLO, b"\x11" * 8) == (b"\x11" * 8, ())
    assert decode(SERVER_HELLO, registry.EXT_EC_POINT_FORMATS, b"\x01\x00") == ((0,), ())


def test_unknown_and_grease_extensions_stay_raw() -> None:
    values, errors = decode_extensions(CLIENT_HELLO, (Extension(0x0A0A, b"\xff", AT), Extension(0x1234, b"", AT + 5)))
    assert (values, errors) == ({}, ())
    assert decode(SERVER_HELLO, registry.EXT_SUPPORTED_GROUPS, b"junk") == (None, ())     # not decoded there


def test_duplicate_extension_keeps_the_first() -> None:
    exts = (Extension(10, b"\x00\x02\x00\x17", AT), Extension(10, b"\x00\x02\x00\x1d", AT + 8))
    duplicate = ExtensionError(10, AT + 8, "duplicate extension")
    assert decode_extensions(CLIENT_HELLO, exts) == ({10: (0x17,)}, (duplicate,))
    assert decode_extensions(CLIENT_HELLO, None) == ({}, ())


def test_decoder_table_covers_the_three_contexts() -> None:
    assert {context for context, _ in DECODERS} == {CLIENT_HELLO, SERVER_HELLO, HELLO_RETRY_REQUEST}
    for ext_type in (registry.EXT_SUPPORTED_VERSIONS, registry.EXT_KEY_SHARE, registry.EXT_KEY_SHARE_OLD):
        decoders = {DECODERS[(context, ext_type)] for context in (CLIENT_HELLO, SERVER_HELLO, HELLO_RETRY_REQUEST)
                    if (context, ext_type) in DECODERS}
        assert len(decoders) >= 2          # decoded differently per message


@given(st.sampled_from(sorted(DECODERS)), st.binary(max_size=60))
def test_every_decoder_returns_a_value_or_one_error_inside_the_extension(key: tuple[str, int], data: bytes) -> None:
    context, ext_type = key
    values, errors = decode_extensions(context, (Extension(ext_type, data, AT),))
    assert (ext_type in values) != bool(errors)
    for err in errors:
        assert err.ext_type == ext_type and DATA_AT <= err.offset <= DATA_AT + len(data)
