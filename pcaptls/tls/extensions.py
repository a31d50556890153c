"""Decode the hello extensions pcaptls reports. Owns: Extension/ExtensionError, the (context, type) ->
decoder table, collecting malformed-extension errors without failing the hello.
Imports: tls.reader, tls.registry, errors.

The same code point means different things in different messages (tlslite-ng's ``_universalExtensions``
/ ``_serverExtensions`` / ``_hrrExtensions``): ``supported_versions`` is a list in a ClientHello but one
version in a ServerHello; ``key_share`` is a list of (group, key) in a ClientHello, one entry in a
ServerHello and a bare group in a HelloRetryRequest. Types with no decoder stay raw bytes in
``Extension.data`` (STYLE §5.6: unknown and GREASE values are data, not errors).

What is an error: lengths that do not add up, trailing bytes, a value the field cannot hold (two ALPN
protocols selected). What is not: the RFCs' minimum sizes (an empty ALPN name or server_name_list), which
tshark and JA4 report as they are; the value is kept and the report shows it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pcaptls.errors import MalformedHandshake
from pcaptls.tls import registry
from pcaptls.tls.reader import Reader

CLIENT_HELLO = "client_hello"
SERVER_HELLO = "server_hello"
HELLO_RETRY_REQUEST = "hello_retry_request"

_HOST_NAME = 0                    # NameType host_name (RFC 6066 §3)
_ECH_OUTER, _ECH_INNER = 0, 1     # ECHClientHelloType (draft-ietf-tls-esni)
_ECH_CONFIRMATION_LEN = 8


@dataclass(frozen=True, slots=True)
class Extension:
    type: int       # raw code point; GREASE / unassigned kept as-is
    data: bytes     # extension_data, undecoded
    offset: int     # absolute offset of the extension's type field


@dataclass(frozen=True, slots=True)
class ExtensionError:
    ext_type: int
    offset: int     # absolute offset where decoding failed
    detail: str


def parse_extensions(r: Reader) -> tuple[Extension, ...]:
    """The ``Extension extensions<0..2^16-1>`` block at ``r``: framing only, bodies kept raw."""
    block = r.vector(2, "extensions")
    return tuple([Extension(ext_type, data, offset) for ext_type, data, offset in block.tlvs("extension")])


def decode_extensions(context: str, extensions: tuple[Extension, ...] | None
                      ) -> tuple[dict[int, Any], tuple[ExtensionError, ...]]:
    """Decode the extensions this context knows: ``({type: value}, errors)``.

    A malformed body or a repeated type becomes an ``ExtensionError`` (the first occurrence counts);
    the hello itself still parses.
    """
    values: dict[int, Any] = {}
    errors: list[ExtensionError] = []
    seen: set[int] = set()
    for ext in extensions or ():
        if ext.type in seen:
            errors.append(ExtensionError(ext.type, ext.offset, "duplicate extension"))
            continue
        seen.add(ext.type)
        decoder = DECODERS.get((context, ext.type))
        if decoder is None:
            continue
        r = Reader(ext.data, base=ext.offset + 4)       # its errors become this extension's ExtensionError
        try:
            value = decoder(r)
            if not r.at_end():
                r.expect_end(f"extension {ext.type:#06x}")
        except MalformedHandshake as exc:
            errors.append(ExtensionError(ext.type, exc.offset, f"{exc.what}: {exc.detail}"))
        else:
            values[ext.type] = value
    return values, tuple(errors)


# ---- decoders: each reads one extension body from its reader (the caller checks nothing is left) -----

def _protocol_names(r: Reader) -> tuple[bytes, ...]:
    """protocol_name_list (RFC 7301 §3.1): 1-byte-length-prefixed names, in wire order."""
    block, names = r.vector(2, "protocol_name_list"), []
    while not block.at_end():
        names.append(block.vector(1, "protocol name").rest())
    return tuple(names)


def _server_name_list(r: Reader) -> bytes | None:
    """server_name_list (RFC 6066 §3): the first host_name entry; None if there is none."""
    block, host = r.vector(2, "server_name_list"), None
    while not block.at_end():
        name_type = block.uint(1, "name_type")
        name = block.vector(2, "host_name").rest()
        if name_type == _HOST_NAME and host is None:
            host = name
    return host


def _empty(r: Reader) -> None:
    """A body that must be empty (server_name in a ServerHello)."""


def _alpn_selected(r: Reader) -> bytes:
    names = _protocol_names(r)
    if len(names) != 1:
        raise r.fail("protocol_name_list", f"{len(names)} protocols selected, expected 1")
    return names[0]


def _u16_list(what: str) -> Callable[[Reader], tuple[int, ...]]:
    return lambda r: r.uints(2, 2, what)


def _u8_list(what: str) -> Callable[[Reader], tuple[int, ...]]:
    return lambda r: r.uints(1, 1, what)


def _supported_versions_list(r: Reader) -> tuple[int, ...]:
    return r.uints(1, 2, "versions")


def _selected_version(r: Reader) -> int:
    return r.uint(2, "selected_version")


def _key_share_client(r: Reader) -> tuple[int, ...]:
    block, groups = r.vector(2, "client_shares"), []
    while not block.at_end():
        groups.append(block.uint(2, "group"))
        block.vector(2, "key_exchange")
    return tuple(groups)


def _key_share_server(r: Reader) -> int:
    group = r.uint(2, "group")
    r.vector(2, "key_exchange")
    return group


def _key_share_hrr(r: Reader) -> int:
    return r.uint(2, "selected_group")


def _ech_client(r: Reader) -> bool:
    """ECHClientHello: outer (cipher suite, config id, enc, payload), inner (nothing more), or a type this
    code does not know, whose layout it cannot check."""
    ech_type = r.uint(1, "ECHClientHelloType")
    if ech_type == _ECH_OUTER:
        r.skip(4, "cipher_suite")
        r.skip(1, "config_id")
        r.vector(2, "enc")
        r.vector(2, "payload")
    elif ech_type != _ECH_INNER:
        r.rest()
    return True


def _ech_confirmation(r: Reader) -> bytes:
    return r.raw(_ECH_CONFIRMATION_LEN, "confirmation")


_CH, _SH, _HRR = CLIENT_HELLO, SERVER_HELLO, HELLO_RETRY_REQUEST
DECODERS: dict[tuple[str, int], Callable[[Reader], Any]] = {
    (_CH, registry.EXT_SERVER_NAME): _server_name_list,
    (_SH, registry.EXT_SERVER_NAME): _empty,
    (_CH, registry.EXT_SUPPORTED_GROUPS): _u16_list("named_group_list"),
    (_CH, registry.EXT_EC_POINT_FORMATS): _u8_list("ec_point_format_list"),
    (_SH, registry.EXT_EC_POINT_FORMATS): _u8_list("ec_point_format_list"),
    (_CH, registry.EXT_SIGNATURE_ALGORITHMS): _u16_list("supported_signature_algorithms"),
    (_CH, registry.EXT_ALPN): _protocol_names,
    (_SH, registry.EXT_ALPN): _alpn_selected,
    (_CH, registry.EXT_SUPPORTED_VERSIONS): _supported_versions_list,
    (_SH, registry.EXT_SUPPORTED_VERSIONS): _selected_version,
    (_HRR, registry.EXT_SUPPORTED_VERSIONS): _selected_version,
    (_CH, registry.EXT_PSK_KEY_EXCHANGE_MODES): _u8_list("ke_modes"),
    (_CH, registry.EXT_KEY_SHARE): _key_share_client,
    (_SH, registry.EXT_KEY_SHARE): _key_share_server,
    (_HRR, registry.EXT_KEY_SHARE): _key_share_hrr,
    (_CH, registry.EXT_KEY_SHARE_OLD): _key_share_client,      # drafts before -23: same layout
    (_SH, registry.EXT_KEY_SHARE_OLD): _key_share_server,
    (_HRR, registry.EXT_KEY_SHARE_OLD): _key_share_hrr,
    (_CH, registry.EXT_ENCRYPTED_CLIENT_HELLO): _ech_client,
    (_HRR, registry.EXT_ENCRYPTED_CLIENT_HELLO): _ech_confirmation,
}
