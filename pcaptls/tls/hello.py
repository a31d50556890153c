"""Parse ClientHello, ServerHello and HelloRetryRequest bodies. Owns: the hello results and parse_* functions,
including the SSLv2 hellos and the pre-RFC TLS 1.3 draft layouts.
Imports: tls.reader, tls.extensions, tls.registry, errors.

Every ``parse_*`` takes the message body and the absolute stream offset of its first byte
(``HandshakeMessage.body_offset`` / ``SSLv2Message.body_offset``), and either returns a frozen result or
raises ``MalformedHandshake`` with the absolute offset of the bad field. A known extension with a bad body
does not fail the hello: it stays raw in ``extensions`` and is listed in ``extension_errors``. Nor does a
damaged extension block (bad extension framing, a block length past the end, trailing bytes): the fields
before it and the extensions that frame are kept, decoded as usual, and ``malformed``/``malformed_offset``
hold the error that the block raised; damage before the block (random, session id, suites, compression)
still raises, and so does a damaged block of a hello whose layout is chosen by the lengths that broke.

A well-formed ClientHello or RFC-layout ServerHello (a bytes body) is read first by direct, bounds-checked
indexing (``_fast_*``, about twice as fast: one per connection and direction); anything short, long or
unusual is read again by the ``Reader`` code, which raises every error, so both paths give the same result.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pcaptls.errors import MalformedHandshake
from pcaptls.tls import registry
from pcaptls.tls.extensions import (
    CLIENT_HELLO, DUPLICATE, HELLO_RETRY_REQUEST, SERVER_HELLO, Extension, ExtensionError, decode_extensions,
    parse_extensions, read_extension_block,
)
from pcaptls.tls.reader import Reader, u16_struct

__all__ = [
    "DUPLICATE", "ClientHello", "Extension", "ExtensionError", "SSLv2ServerHello", "ServerHello", "parse_client_hello",
    "parse_hello_retry_request_draft", "parse_server_hello", "parse_sslv2_client_hello", "parse_sslv2_server_hello",
]

_RANDOM_LEN = 32
_MAX_SESSION_ID_LEN = 32
_SSL2_SPEC_LEN = 3
_FIRST_HRR_DRAFT_WITH_SUITE = 19    # draft-19 added cipher_suite to HelloRetryRequest (to hash ClientHello1)
_FIRST_DRAFT_WITH_RFC_SERVER_HELLO = 22     # draft-22: session id echo + compression back, version in an extension
# High bytes of version codes whose low byte is a draft number: 0x7f00 | draft (draft-ietf-tls-tls13 §4.2.1),
# and Facebook fizz's 0xfb00 | draft (0xfb17 = draft 23, 0xfb1a = draft 26).
_DRAFT_FAMILIES = frozenset({0x7F, 0xFB})


@dataclass(frozen=True, slots=True)
class ClientHello:
    legacy_version: int
    random: bytes                               # the SSLv2 challenge for an SSLv2 hello (16-32 bytes)
    session_id: bytes
    cipher_suites: tuple[int, ...]
    compression_methods: tuple[int, ...]
    extensions: tuple[Extension, ...] | None    # None = no extensions block, () = an empty block
    server_name: bytes | None                   # first host_name of server_name, raw bytes
    alpn: tuple[bytes, ...] | None
    supported_versions: tuple[int, ...] | None  # raw, GREASE kept
    supported_groups: tuple[int, ...] | None
    signature_algorithms: tuple[int, ...] | None
    key_share_groups: tuple[int, ...] | None    # key_share (51), or the drafts' key_share (40)
    psk_key_exchange_modes: tuple[int, ...] | None
    ec_point_formats: tuple[int, ...] | None
    has_ech: bool
    extension_errors: tuple[ExtensionError, ...]
    sslv2: bool = False
    offset: int = 0                             # absolute offset of the body
    sslv2_cipher_specs: tuple[int, ...] = ()    # all 3-byte specs of an SSLv2 hello
    raw: bytes = b""                            # the whole message as on the wire, when the caller keeps it
    malformed: str | None = None                # the extension block is damaged: the error, as MalformedHandshake
    malformed_offset: int | None = None         #   says it; and its absolute offset (the fields before are kept)


@dataclass(frozen=True, slots=True)
class ServerHello:
    legacy_version: int                         # for a draft layout: the draft version itself (0x7fXX)
    random: bytes                               # b"" for a draft HelloRetryRequest (it has none)
    session_id: bytes                           # legacy_session_id_echo; b"" in the draft layouts
    cipher_suite: int | None                    # None only for a HelloRetryRequest of draft <= 18
    compression_method: int | None              # None in the draft layouts (no such field)
    extensions: tuple[Extension, ...] | None
    selected_version: int | None                # from supported_versions only (drafts < 22: see legacy_version)
    alpn: bytes | None
    key_share_group: int | None                 # key_share (51) or the drafts' (40); HRR: the requested group
    is_hello_retry_request: bool
    extension_errors: tuple[ExtensionError, ...]
    offset: int = 0                             # absolute offset of the body
    raw: bytes = b""                            # the whole message as on the wire, when the caller keeps it
    malformed: str | None = None                # as ClientHello.malformed
    malformed_offset: int | None = None


@dataclass(frozen=True, slots=True)
class SSLv2ServerHello:
    session_id_hit: int
    certificate_type: int
    version: int
    certificate: bytes
    cipher_specs: tuple[int, ...]               # 3-byte SSLv2 cipher kinds
    connection_id: bytes
    offset: int                                 # absolute offset of the body
    raw: bytes = b""                            # the whole message as on the wire, when the caller keeps it


def parse_client_hello(body: bytes, offset: int) -> ClientHello:
    """A TLS ClientHello body (after the 4-byte handshake header) starting at stream ``offset``."""
    if type(body) is bytes:
        hello = _fast_client_hello(body, offset)
        if hello is not None:
            return hello
    r = Reader(body, base=offset)
    version = r.uint(2, "client_hello legacy_version")
    random = r.raw(_RANDOM_LEN, "client_hello random")
    session_id = _session_id(r, "client_hello legacy_session_id")
    cipher_suites = r.uints(2, 2, "client_hello cipher_suites")
    compression = r.uints(1, 1, "client_hello legacy_compression_methods")
    extensions, damage = _extensions_until_damage(r, "client_hello")
    return _marked(_client_hello(version, random, session_id, cipher_suites, compression, extensions,
                                 *decode_extensions(CLIENT_HELLO, extensions), offset), damage)


def parse_server_hello(body: bytes, offset: int) -> ServerHello:
    """A ServerHello body, in the RFC 8446/5246 layout or the layout of TLS 1.3 drafts before -22.

    The draft layout (``version random cipher_suite extensions``: no session id, no compression) carries
    the draft version itself in the first field (0x7f12 for draft 18), where later servers put 0x0303. Draft
    22 and fizz's 0xfb17/0xfb1a (drafts 23/26) use the RFC layout. For a TLS 1.3 code whose draft is not
    known (0x0304 itself, the 0x7e0X experiments) the layout that accounts for every byte is taken.
    A random equal to ``HRR_RANDOM`` makes it a HelloRetryRequest.
    """
    if type(body) is bytes:
        hello = _fast_server_hello(body, offset)
        if hello is not None:
            return hello
    r = Reader(body, base=offset)
    version = r.uint(2, "server_hello legacy_version")
    random = r.raw(_RANDOM_LEN, "server_hello random")
    draft = _has_draft_layout(version, r)
    guessed = not draft and _draft_number(version) is None and registry.normalize_version(version) == registry.TLS1_3
    session_id = b"" if draft else _session_id(r, "server_hello legacy_session_id_echo")
    cipher_suite = r.uint(2, "server_hello cipher_suite")
    compression = None if draft else r.uint(1, "server_hello legacy_compression_method")
    extensions, damage = _extensions_until_damage(r, "server_hello")
    context = HELLO_RETRY_REQUEST if random == registry.HRR_RANDOM else SERVER_HELLO
    return _marked(_server_hello(version, random, session_id, cipher_suite, compression, extensions,
                                 *decode_extensions(context, extensions), context, offset), damage, guessed)


def parse_hello_retry_request_draft(body: bytes, offset: int) -> ServerHello:
    """A HelloRetryRequest of handshake type 6 (TLS 1.3 drafts before -22) as a ServerHello.

    Layout: ``server_version [cipher_suite] extensions<2..2^16-1>``; the cipher suite is there from draft
    19 on. For a version whose draft is not known (0x0304, the 0x7e0X experiments) the layout that
    accounts for every byte is taken.
    """
    r = Reader(body, base=offset)
    version = r.uint(2, "hello_retry_request server_version")
    draft = _draft_number(version)
    with_suite = r.remaining >= 4 and _ends_at(r, 2) if draft is None else draft >= _FIRST_HRR_DRAFT_WITH_SUITE
    cipher_suite = r.uint(2, "hello_retry_request cipher_suite") if with_suite else None
    extensions, damage = _extensions_until_damage(r, "hello_retry_request", optional=False)
    return _marked(_server_hello(version, b"", b"", cipher_suite, None, extensions,
                                 *decode_extensions(HELLO_RETRY_REQUEST, extensions), HELLO_RETRY_REQUEST, offset),
                   damage, draft is None and not with_suite)


def parse_sslv2_client_hello(body: bytes, offset: int) -> ClientHello:
    """An SSLv2 CLIENT-HELLO body (after the msg_type byte), e.g. a TLS client's SSLv2-compatible hello."""
    r = Reader(body, base=offset)
    version = r.uint(2, "sslv2 client_hello version")
    specs_at = r.offset
    specs_len = r.uint(2, "sslv2 cipher_specs length")
    session_id_len = r.uint(2, "sslv2 session_id length")
    challenge_len = r.uint(2, "sslv2 challenge length")
    specs = _sslv2_specs(r, specs_len, specs_at)
    session_id = r.raw(session_id_len, "sslv2 session_id")
    challenge = r.raw(challenge_len, "sslv2 challenge")
    r.expect_end("sslv2 client_hello")
    suites = tuple(spec for spec in specs if spec >> 16 == 0)
    return ClientHello(
        version, challenge, session_id, suites, (), None, None, None, None, None, None, None, None, None,
        has_ech=False, extension_errors=(), sslv2=True, offset=offset, sslv2_cipher_specs=specs,
    )


def parse_sslv2_server_hello(body: bytes, offset: int) -> SSLv2ServerHello:
    """An SSLv2 SERVER-HELLO body (after the msg_type byte)."""
    r = Reader(body, base=offset)
    hit = r.uint(1, "sslv2 session_id_hit")
    cert_type = r.uint(1, "sslv2 certificate_type")
    version = r.uint(2, "sslv2 server_version")
    cert_len = r.uint(2, "sslv2 certificate length")
    specs_at = r.offset
    specs_len = r.uint(2, "sslv2 cipher_specs length")
    conn_id_len = r.uint(2, "sslv2 connection_id length")
    certificate = r.raw(cert_len, "sslv2 certificate")
    specs = _sslv2_specs(r, specs_len, specs_at)
    connection_id = r.raw(conn_id_len, "sslv2 connection_id")
    r.expect_end("sslv2 server_hello")
    return SSLv2ServerHello(hit, cert_type, version, certificate, specs, connection_id, offset)


# ---- helpers ------------------------------------------------------------------------------------------

def _marked(hello: Any, damage: MalformedHandshake | None, guessed: bool = False) -> Any:
    """``hello`` with the damage of its extension block, if any. When the layout was chosen because the
    lengths added up one way (a TLS 1.3 code of unknown draft) and they did not, the layout is a guess:
    the damage is raised, as damage before the block is."""
    if damage is None:
        return hello
    if guessed:
        raise damage
    return replace(hello, malformed=str(damage), malformed_offset=damage.offset)


def _extensions_until_damage(r: Reader, what: str, *, optional: bool = True
                             ) -> tuple[tuple[Extension, ...] | None, MalformedHandshake | None]:
    """The extension block that ends a hello (``what``) at ``r``, as far as it frames: ``(extensions, None)``
    for a sound block (``(None, None)`` for none, when it is ``optional``); for a damaged one (bad extension
    framing, a block length past the end, bytes after the block) ``(the extensions that frame before the
    damage, the error parse_extensions + expect_end raise)``. A block length past the end is taken to mean
    "to the end" (tshark: "Vector length 65472 is too large, truncating it to 130").
    """
    if optional and r.at_end():
        return None, None
    rest = r.lookahead()
    try:
        extensions = parse_extensions(r)
        r.expect_end(what)
    except MalformedHandshake as exc:
        return _framed_extensions(rest), exc
    return extensions, None


def _framed_extensions(r: Reader) -> tuple[Extension, ...]:
    """The extensions of the (damaged) block at ``r`` that frame in the bytes there, up to the first that
    does not. Never raises: every read is checked against what is left first."""
    if r.remaining < 2:
        return ()
    length = r.uint(2, "extensions length")
    block, out = r.sub(min(length, r.remaining), "extensions"), []
    while block.remaining >= 4:
        at = block.offset
        ext_type, size = block.uint(2, "extension type"), block.uint(2, "extension length")
        if size > block.remaining:
            break
        out.append(Extension(ext_type, block.raw(size, "extension data"), at))
    return tuple(out)


def _session_id(r: Reader, what: str) -> bytes:
    start = r.offset
    session_id = r.vector(1, what).rest()
    if len(session_id) > _MAX_SESSION_ID_LEN:
        raise MalformedHandshake(what, start, f"length {len(session_id)} exceeds {_MAX_SESSION_ID_LEN}")
    return session_id


def _sslv2_specs(r: Reader, length: int, length_at: int) -> tuple[int, ...]:
    if length % _SSL2_SPEC_LEN:
        raise MalformedHandshake("sslv2 cipher_specs", length_at, f"length {length} is not a multiple of 3")
    specs = r.sub(length, "sslv2 cipher_specs")
    return tuple(specs.uint(_SSL2_SPEC_LEN, "cipher spec") for _ in range(length // _SSL2_SPEC_LEN))


def _draft_number(version: int) -> int | None:
    """The draft a TLS 1.3 pre-final version stands for (0x7f12 -> 18, fizz 0xfb17 -> 23), else None."""
    return version & 0xFF if version >> 8 in _DRAFT_FAMILIES else None


def _has_draft_layout(version: int, r: Reader) -> bool:
    """Does the ServerHello of ``version`` use the pre-draft-22 layout? ``r`` is just after the random."""
    draft = _draft_number(version)
    if draft is not None:
        return draft < _FIRST_DRAFT_WITH_RFC_SERVER_HELLO
    return registry.normalize_version(version) == registry.TLS1_3 and r.remaining >= 4 and _ends_at(r, 2)


def _ends_at(r: Reader, skip: int) -> bool:
    """Would a 2-byte length ``skip`` bytes ahead cover exactly the rest of ``r``? (``r`` does not move.)"""
    probe = r.lookahead()
    probe.skip(skip, "probe")
    return probe.uint(2, "probe length") == probe.remaining


# ---- fast paths: the common, well-formed hello read by direct indexing ----------------------------------
# Every index is checked against the end before it is read. On anything short, long or unusual (a layout
# that may be a draft's, an oversized session id, lengths that do not add up) they return None, and the
# ``Reader`` code of ``parse_*`` reads the body again and raises its error. Only field widths are numbers.

def _fast_client_hello(body: bytes, offset: int) -> ClientHello | None:
    end = len(body)
    sid_at = 2 + _RANDOM_LEN
    if sid_at >= end or body[sid_at] > _MAX_SESSION_ID_LEN:
        return None
    suites_len_at = sid_at + 1 + body[sid_at]
    if suites_len_at + 2 > end:
        return None
    suites_len = body[suites_len_at] << 8 | body[suites_len_at + 1]
    comp_len_at = suites_len_at + 2 + suites_len
    if comp_len_at >= end or suites_len & 1:
        return None
    exts_at = comp_len_at + 1 + body[comp_len_at]
    extensions: tuple[Extension, ...] | None = None
    values: dict[int, Any] = {}
    errors: tuple[ExtensionError, ...] = ()
    if exts_at != end:
        block = read_extension_block(CLIENT_HELLO, body, exts_at, offset)
        if block is None:
            return None
        extensions, values, errors = block
    return _client_hello(body[0] << 8 | body[1], body[2:sid_at], body[sid_at + 1:suites_len_at],
                         u16_struct(suites_len >> 1).unpack_from(body, suites_len_at + 2),
                         tuple(body[comp_len_at + 1:exts_at]), extensions, values, errors, offset)


def _fast_server_hello(body: bytes, offset: int) -> ServerHello | None:
    end = len(body)
    sid_at = 2 + _RANDOM_LEN
    if sid_at >= end or body[sid_at] > _MAX_SESSION_ID_LEN:
        return None
    version = body[0] << 8 | body[1]
    if _draft_number(version) is not None or registry.normalize_version(version) == registry.TLS1_3:
        return None                             # a layout that may be a draft's: decided by the Reader path
    suite_at = sid_at + 1 + body[sid_at]
    exts_at = suite_at + 3                      # cipher_suite(2) legacy_compression_method(1)
    if exts_at > end:
        return None
    random = body[2:sid_at]
    context = HELLO_RETRY_REQUEST if random == registry.HRR_RANDOM else SERVER_HELLO
    extensions: tuple[Extension, ...] | None = None
    values: dict[int, Any] = {}
    errors: tuple[ExtensionError, ...] = ()
    if exts_at != end:
        block = read_extension_block(context, body, exts_at, offset)
        if block is None:
            return None
        extensions, values, errors = block
    return _server_hello(version, random, body[sid_at + 1:suite_at], body[suite_at] << 8 | body[suite_at + 1],
                         body[suite_at + 2], extensions, values, errors, context, offset)


def _client_hello(version: int, random: bytes, session_id: bytes, cipher_suites: tuple[int, ...],
                  compression: tuple[int, ...], extensions: tuple[Extension, ...] | None, values: dict[int, Any],
                  errors: tuple[ExtensionError, ...], offset: int) -> ClientHello:
    get = values.get
    ech = registry.EXT_ENCRYPTED_CLIENT_HELLO
    return ClientHello(                 # positional, in field order: keywords cost a third more
        version, random, session_id, cipher_suites, compression, extensions,
        get(registry.EXT_SERVER_NAME),                                  # server_name
        get(registry.EXT_ALPN),                                         # alpn
        get(registry.EXT_SUPPORTED_VERSIONS),                           # supported_versions
        get(registry.EXT_SUPPORTED_GROUPS),                             # supported_groups
        get(registry.EXT_SIGNATURE_ALGORITHMS),                         # signature_algorithms
        get(registry.EXT_KEY_SHARE, get(registry.EXT_KEY_SHARE_OLD)),   # key_share_groups
        get(registry.EXT_PSK_KEY_EXCHANGE_MODES),                       # psk_key_exchange_modes
        get(registry.EXT_EC_POINT_FORMATS),                             # ec_point_formats
        # has_ech: encrypted_client_hello has a ClientHello decoder, so one that is there was decoded or failed
        ech in values or any(err.ext_type == ech for err in errors),
        errors, False, offset,                                          # extension_errors, sslv2, offset
    )


def _server_hello(version: int, random: bytes, session_id: bytes, cipher_suite: int | None,
                  compression: int | None, extensions: tuple[Extension, ...] | None, values: dict[int, Any],
                  errors: tuple[ExtensionError, ...], context: str, offset: int) -> ServerHello:
    get = values.get
    return ServerHello(                 # positional, in field order: keywords cost a third more
        version, random, session_id, cipher_suite, compression, extensions,
        get(registry.EXT_SUPPORTED_VERSIONS),                           # selected_version
        get(registry.EXT_ALPN),                                         # alpn
        get(registry.EXT_KEY_SHARE, get(registry.EXT_KEY_SHARE_OLD)),   # key_share_group
        context == HELLO_RETRY_REQUEST,                                 # is_hello_retry_request
        errors, offset,                                                 # extension_errors, offset
    )
