"""Decode the hello extensions pcaptls reports. Owns: Extension/ExtensionError, the (context, type) ->
decoder tables, collecting malformed-extension errors without failing the hello.
Imports: tls.reader, tls.registry, errors.

The same code point means different things in different messages (tlslite-ng's ``_universalExtensions``
/ ``_serverExtensions`` / ``_hrrExtensions``): ``supported_versions`` is a list in a ClientHello but one
version in a ServerHello; ``key_share`` is a list of (group, key) in a ClientHello, one entry in a
ServerHello and a bare group in a HelloRetryRequest. Types with no decoder stay raw bytes in
``Extension.data`` (STYLE §5.6: unknown and GREASE values are data, not errors).

What is an error: lengths that do not add up, trailing bytes, a value the field cannot hold (two ALPN
protocols selected). What is not: the RFCs' minimum sizes (an empty ALPN name or server_name_list), which
tshark and JA4 report as they are; the value is kept and the report shows it.

Two paths give the same results. ``DECODERS`` read a body with a ``Reader`` and are the reference: every
error comes from them. ``FAST_DECODERS`` read a well-formed body of the common extensions by direct,
bounds-checked indexing and hand anything else to their ``DECODERS`` twin; ``read_extension_block`` frames
and decodes a hello's whole block that way in one pass (a hello's hottest loop).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from pcaptls.errors import MalformedHandshake
from pcaptls.tls import registry
from pcaptls.tls.reader import Reader, u16_struct

CLIENT_HELLO = "client_hello"
SERVER_HELLO = "server_hello"
HELLO_RETRY_REQUEST = "hello_retry_request"

_HOST_NAME = 0                    # NameType host_name (RFC 6066 §3)
_ECH_OUTER, _ECH_INNER = 0, 1     # ECHClientHelloType (draft-ietf-tls-esni)
_ECH_CONFIRMATION_LEN = 8
#: The detail of a repeated type's ``ExtensionError``, which sits at that extension's type field.
DUPLICATE = "duplicate extension"
_ODD = object()                   # a fast decoder's "not plainly valid: ask the Reader decoder"


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


#: The fast path builds an ``Extension`` by setting its slots through their descriptors: a frozen dataclass's
#: ``__init__`` goes through ``object.__setattr__`` per field, which costs twice as much. Same object.
_new = object.__new__
_set_type, _set_data, _set_offset = (getattr(Extension, field.name).__set__ for field in fields(Extension))


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
    if not extensions:
        return values, ()
    errors: list[ExtensionError] = []
    seen: set[int] = set()
    plan = _PLANS.get(context, {})
    for ext in extensions:
        ext_type = ext.type
        if ext_type in seen:
            errors.append(ExtensionError(ext_type, ext.offset, DUPLICATE))
            continue
        seen.add(ext_type)
        decoders = plan.get(ext_type)
        if decoders is not None:
            data = ext.data
            value = decoders[0](data) if type(data) is bytes else _ODD
            if value is _ODD:
                _decode_carefully(decoders[1], ext_type, data, ext.offset, values, errors)
            else:
                values[ext_type] = value
    return values, tuple(errors)


def read_extension_block(context: str, buf: bytes, at: int, base: int
                         ) -> tuple[tuple[Extension, ...], dict[int, Any], tuple[ExtensionError, ...]] | None:
    """``parse_extensions`` then ``decode_extensions`` in one pass, for the block at ``buf[at:]`` that must
    end exactly where ``buf`` ends (``buf[0]`` sits at stream offset ``base``); None if its lengths do not
    add up.

    The fast path of a well-formed hello: every index is checked against the end first and it never
    raises; on None the caller re-reads the block with a ``Reader``, which raises the error with its offset.
    """
    end = len(buf)
    pos = at + 2
    if pos > end or pos + (buf[at] << 8 | buf[at + 1]) != end:
        return None
    plan = _PLANS[context]
    exts: list[Extension] = []
    values: dict[int, Any] = {}
    errors: list[ExtensionError] = []
    seen: set[int] = set()
    append = exts.append
    while pos < end:
        data_at = pos + 4
        if data_at > end:
            return None
        data_end = data_at + (buf[pos + 2] << 8 | buf[pos + 3])
        if data_end > end:
            return None
        ext_type = buf[pos] << 8 | buf[pos + 1]
        data = buf[data_at:data_end]
        ext = _new(Extension)       # Extension(ext_type, data, base + pos) without __init__'s setattr calls
        _set_type(ext, ext_type)
        _set_data(ext, data)
        _set_offset(ext, base + pos)
        append(ext)
        if ext_type in seen:
            errors.append(ExtensionError(ext_type, base + pos, DUPLICATE))
        else:
            seen.add(ext_type)
            decoders = plan.get(ext_type)
            if decoders is not None:
                value = decoders[0](data)
                if value is _ODD:
                    _decode_carefully(decoders[1], ext_type, data, base + pos, values, errors)
                else:
                    values[ext_type] = value
        pos = data_end
    return tuple(exts), values, tuple(errors)


def _decode_carefully(decoder: Callable[[Reader], Any], ext_type: int, data: bytes, offset: int,
                      values: dict[int, Any], errors: list[ExtensionError]) -> None:
    """Decode one extension body (type field at ``offset``) with a ``Reader``: into ``values``, or its
    ``ExtensionError`` into ``errors``."""
    r = Reader(data, base=offset + 4)                   # its errors become this extension's ExtensionError
    try:
        value = decoder(r)
        if not r.at_end():
            r.expect_end(f"extension {ext_type:#06x}")
    except MalformedHandshake as exc:
        errors.append(ExtensionError(ext_type, exc.offset, f"{exc.what}: {exc.detail}"))
    else:
        values[ext_type] = value


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


# ---- fast decoders: the same values from a well-formed body by direct indexing ---------------------------
# Each takes the whole extension body as ``bytes`` and returns the value its ``DECODERS`` twin would, or
# ``_ODD`` when anything is short, left over or otherwise not plainly valid: the twin then reads the body
# with a ``Reader`` and builds the value or the error, so errors have one source. Every index is checked
# against the end before it is read.

def _no_fast_path(data: bytes) -> Any:
    """For rare extensions: always leave them to the ``Reader`` decoder."""
    return _ODD


def _fast_u16_list(data: bytes) -> Any:
    size = len(data) - 2
    if size < 0 or size & 1 or data[0] << 8 | data[1] != size:
        return _ODD
    return u16_struct(size >> 1).unpack_from(data, 2)


def _fast_u8_list(data: bytes) -> Any:
    if not data or data[0] != len(data) - 1:
        return _ODD
    return tuple(data[1:])


def _fast_versions_list(data: bytes) -> Any:
    size = len(data) - 1
    if size < 0 or size & 1 or data[0] != size:
        return _ODD
    return u16_struct(size >> 1).unpack_from(data, 1)


def _fast_server_name_list(data: bytes) -> Any:
    end = len(data)
    if end < 2 or data[0] << 8 | data[1] != end - 2:
        return _ODD
    pos, host = 2, None
    while pos < end:
        name_at = pos + 3
        if name_at > end:
            return _ODD
        name_end = name_at + (data[pos + 1] << 8 | data[pos + 2])
        if name_end > end:
            return _ODD
        if host is None and data[pos] == _HOST_NAME:
            host = data[name_at:name_end]
        pos = name_end
    return host


def _fast_protocol_names(data: bytes) -> Any:
    end = len(data)
    if end < 2 or data[0] << 8 | data[1] != end - 2:
        return _ODD
    pos, names = 2, []
    while pos < end:
        name_end = pos + 1 + data[pos]
        if name_end > end:
            return _ODD
        names.append(data[pos + 1:name_end])
        pos = name_end
    return tuple(names)


def _fast_key_share_client(data: bytes) -> Any:
    end = len(data)
    if end < 2 or data[0] << 8 | data[1] != end - 2:
        return _ODD
    pos, groups = 2, []
    while pos < end:
        key_at = pos + 4
        if key_at > end:
            return _ODD
        groups.append(data[pos] << 8 | data[pos + 1])
        pos = key_at + (data[pos + 2] << 8 | data[pos + 3])
    return tuple(groups) if pos == end else _ODD


def _fast_u16(data: bytes) -> Any:
    return data[0] << 8 | data[1] if len(data) == 2 else _ODD


def _fast_key_share_server(data: bytes) -> Any:
    if len(data) < 4 or 4 + (data[2] << 8 | data[3]) != len(data):
        return _ODD
    return data[0] << 8 | data[1]


def _fast_alpn_selected(data: bytes) -> Any:
    if len(data) < 3 or data[0] << 8 | data[1] != len(data) - 2 or data[2] != len(data) - 3:
        return _ODD
    return data[3:]


FAST_DECODERS: dict[tuple[str, int], Callable[[bytes], Any]] = {
    (_CH, registry.EXT_SERVER_NAME): _fast_server_name_list,
    (_CH, registry.EXT_SUPPORTED_GROUPS): _fast_u16_list,
    (_CH, registry.EXT_EC_POINT_FORMATS): _fast_u8_list,
    (_SH, registry.EXT_EC_POINT_FORMATS): _fast_u8_list,
    (_CH, registry.EXT_SIGNATURE_ALGORITHMS): _fast_u16_list,
    (_CH, registry.EXT_ALPN): _fast_protocol_names,
    (_SH, registry.EXT_ALPN): _fast_alpn_selected,
    (_CH, registry.EXT_SUPPORTED_VERSIONS): _fast_versions_list,
    (_SH, registry.EXT_SUPPORTED_VERSIONS): _fast_u16,
    (_HRR, registry.EXT_SUPPORTED_VERSIONS): _fast_u16,
    (_CH, registry.EXT_PSK_KEY_EXCHANGE_MODES): _fast_u8_list,
    (_CH, registry.EXT_KEY_SHARE): _fast_key_share_client,
    (_SH, registry.EXT_KEY_SHARE): _fast_key_share_server,
    (_HRR, registry.EXT_KEY_SHARE): _fast_u16,                      # a bare selected_group
    (_CH, registry.EXT_KEY_SHARE_OLD): _fast_key_share_client,
    (_SH, registry.EXT_KEY_SHARE_OLD): _fast_key_share_server,
    (_HRR, registry.EXT_KEY_SHARE_OLD): _fast_u16,
}

#: Per context, ext type -> (fast decoder, ``Reader`` decoder): one lookup per extension. Built once, at import.
_PLANS: dict[str, dict[int, tuple[Callable[[bytes], Any], Callable[[Reader], Any]]]] = {
    context: {ext_type: (FAST_DECODERS.get((ctx, ext_type), _no_fast_path), decoder)
              for (ctx, ext_type), decoder in DECODERS.items() if ctx == context}
    for context in (CLIENT_HELLO, SERVER_HELLO, HELLO_RETRY_REQUEST)
}
