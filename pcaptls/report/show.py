"""One connection as a Wireshark-like detail tree, for ``pcaptls show``. Owns: the show layout, its ANSI
colours, the one-line explanation of each outcome and the hex dump. Imports: results, tls.registry,
tls.hello, report.escape, report.rows, report.show_extensions.

Values come from the parsed hellos (``ClientHello.server_name``, ...); extensions without a decoded field
are shown as hex (the extension lines: report/show_extensions.py). Capture text (SNI, ALPN, error details, the capture path) goes through
``escape.terminal`` before it is joined or coloured; colour codes wrap only names made here.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pcaptls.report.escape import terminal
from pcaptls.report.rows import iso_time
from pcaptls.report.show_extensions import client_decoders, extension_errors, extension_lines, server_decoders
from pcaptls.results import ESTABLISHED, FAILED, Connection, client_max_version, first_alert, negotiated_version
from pcaptls.tls import registry
from pcaptls.tls.hello import ClientHello, ServerHello, SSLv2ServerHello

__all__ = ["hex_dump", "outcome_reason", "render_connection", "render_connections"]

_RESET, _BOLD, _DIM = "\x1b[0m", "\x1b[1m", "\x1b[2m"
_RED, _GREEN, _YELLOW, _MAGENTA = "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[35m"
_join = ", ".join
_NOT_NEGOTIATED = "[the record version is not the negotiated version]"
_VERSION_WORDS = re.compile(r"^(TLS|DTLS)v(\d\.\d)$")     # "TLSv1.2" -> "TLS 1.2"
_SSL_WORDS = {"SSLv2": "SSL 2.0", "SSLv3": "SSL 3.0"}
_OLD_VERSIONS = {registry.SSL2: _RED, registry.SSL3: _RED, registry.TLS1_0: _YELLOW, registry.TLS1_1: _YELLOW}

# What a fatal alert usually means, by who sent it ("{peer}" is the other side).
_ALERT_MEANING = {
    "protocol_version": "the {sender} rejected the {peer}'s versions",
    "handshake_failure": "the {sender} found no acceptable parameters (cipher suites, groups, signatures)",
    "insufficient_security": "the {sender} requires stronger parameters than the {peer} offered",
    "inappropriate_fallback": "the {sender} refused a version fallback (TLS_FALLBACK_SCSV)",
    "unrecognized_name": "the {sender} does not serve the requested server name",
    "no_application_protocol": "the {sender} supports none of the offered ALPN protocols",
    "missing_extension": "the {sender} needed an extension the {peer} did not send",
    "unknown_ca": "the {sender} does not trust the {peer}'s certificate issuer",
    "bad_certificate": "the {sender} rejected the {peer}'s certificate",
    "certificate_unknown": "the {sender} rejected the {peer}'s certificate",
    "certificate_expired": "the {sender} rejected the {peer}'s expired certificate",
    "decode_error": "the {sender} could not parse a message from the {peer}",
    "illegal_parameter": "the {sender} found an invalid field in a message from the {peer}",
}


class _Out:
    """The lines being built, and their ANSI styling (or none). Styled text is escaped or made here."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.lines: list[str] = []

    def add(self, depth: int, line: str) -> None:
        self.lines.append("  " * depth + line)

    def __call__(self, style: str, value: str) -> str:
        return f"{style}{value}{_RESET}" if self.on and style else value

    def named(self, label: str, code: int, digits: int = 4) -> str:
        """``name (0x....)``, GREASE dimmed; an unknown value is just ``unknown(0x....)``, in magenta."""
        if label.startswith("unknown("):
            return self(_MAGENTA, label)
        shown = f"{label} (0x{code:0{digits}x})"
        return self(_DIM, shown) if label == "GREASE" else shown

    def version(self, code: int, with_code: bool = True) -> str:
        label = registry.version_name(code)
        label = _SSL_WORDS.get(label) or _VERSION_WORDS.sub(r"\1 \2", label)
        if label == "GREASE" or label.startswith("unknown("):
            return self.named(label, code)
        style = _OLD_VERSIONS.get(code) or ("" if registry.version_rank(code) is None else _GREEN)   # DTLS: none
        return self(style, f"{label} (0x{code:04x})" if with_code else label)

    def code(self, table: Mapping[int, str], code: int, width: int = 2) -> str:
        return self.named(registry.name(table, code, width), code)

    def small(self, table: Mapping[int, str], code: int, width: int = 2) -> str:
        """A 1-byte code: ``name (N)`` in decimal, as Wireshark shows point formats and psk modes."""
        label = registry.name(table, code, width)
        if label.startswith("unknown("):
            return self(_MAGENTA, f"unknown ({code})")
        return self(_DIM, f"GREASE ({code})") if label == "GREASE" else f"{label} ({code})"

    def suite(self, code: int) -> str:
        shown = self.named(registry.suite_name(code), code)
        openssl = registry.suite_openssl_name(code)
        return f"{shown}  [OpenSSL: {openssl}]" if openssl else shown

    def ssl2_spec(self, spec: int) -> str:
        if spec >> 16 == 0:     # an SSLv2-compatible hello's TLS suite 0x00XXXX
            return self.suite(spec)
        return self.named(registry.name(registry.SSL2_CIPHER_SPECS, spec), spec, 6)


# ---- public API -----------------------------------------------------------------------------------------

def _identity(o: _Out, conn: Connection) -> None:
    """Who the server is, where the name came from, and the AWS endpoint with its TLS 1.2 cut-off."""
    ident = conn.identity
    if ident is None or ident.name_source is None:
        return
    name = terminal(ident.server_name) if ident.server_name else "(no name)"
    line = f"Server: {name} (name from {ident.name_source}"
    line += f", via {' -> '.join(terminal(n) for n in ident.name_chain)})" if ident.name_chain else ")"
    aws = ident.aws
    if aws is not None:
        what = ", ".join(x for x in (aws.service_name or aws.service, aws.region or "global", aws.partition,
                                     "FIPS" if aws.fips else "", "dual-stack" if aws.dualstack else "") if x)
        line += f"; AWS {what}; TLS 1.2 required since {aws.tls12_required_since}"
    elif ident.ip_range is not None:
        line += f"; AWS network {ident.ip_range.prefix} ({ident.ip_range.region}, {', '.join(ident.ip_range.services)})"
    o.add(1, line)


def render_connection(conn: Connection, *, hexdump: bool = False, color: bool = False) -> str:
    """The detail tree of ``conn`` as text ending in a newline; ANSI colours only when ``color``."""
    o = _Out(color)
    o.add(0, o(_BOLD, f"Connection {conn.conn}") + f"  {terminal(str(conn.client))} -> {terminal(str(conn.server))}"
          f"  ({terminal(conn.capture)})")
    closed = f", closed by {conn.closed_by}" if conn.closed_by else ""
    o.add(1, f"First packet {iso_time(conn.ts_ns)}, last {iso_time(conn.last_ts_ns)}, {conn.packets} packets "
             f"({conn.client_payload_bytes} bytes from the client, {conn.server_payload_bytes} from the server)"
             f"{closed}, outcome: {conn.outcome}")
    _identity(o, conn)
    if conn.tls_offset or conn.upgrade:
        o.add(1, f"TLS starts at client stream offset {conn.tls_offset}"
                 + (f", after {terminal(conn.upgrade)}" if conn.upgrade else ""))
    if conn.client_hello is not None:
        _client_hello(o, conn, conn.client_hello, hexdump)
    if conn.hello_retry_request is not None:
        _hello_retry(o, conn.hello_retry_request, hexdump)
    if conn.retry_client_hello is not None:
        _retry_client_hello(o, conn.retry_client_hello, conn.client_hello, hexdump)
    if conn.server_hello is not None:
        _server_hello(o, conn, conn.server_hello, hexdump)
    if conn.sslv2_server_hello is not None:
        _sslv2_server_hello(o, conn.sslv2_server_hello, hexdump)
    for i, alert in enumerate(conn.alerts):
        level = registry.name(registry.ALERT_LEVELS, alert.level)
        desc = registry.name(registry.ALERT_DESCRIPTIONS, alert.description)
        shown = o(_RED if alert.level == registry.AL_FATAL else "", f"{level} {desc} ({alert.description})")
        o.add(1, f"{o(_BOLD, 'Alerts:') if i == 0 else ' ' * 7} {shown} from {alert.sender} "
                 f"at {iso_time(alert.ts_ns)}")
    style = {ESTABLISHED: _GREEN, FAILED: _RED}.get(conn.outcome, _YELLOW)
    o.add(1, f"{o(_BOLD, 'Outcome:')} {o(style, conn.outcome)} — {outcome_reason(conn)}")
    if conn.errors:
        o.add(1, o(_BOLD, "Errors:"))
        for e in conn.errors:
            where = f" at offset {e.offset}" if e.offset is not None else ""
            o.add(2, f"{e.direction} {e.kind}{where}: {terminal(e.detail)}")
    return "\n".join(o.lines) + "\n"


def render_connections(conns: Iterable[Connection], **kw: bool) -> str:
    """Several connections, each as ``render_connection`` renders it, separated by a blank line."""
    return "\n".join(render_connection(c, **kw) for c in conns)


def outcome_reason(conn: Connection) -> str:
    """A short human explanation of ``conn.outcome``."""
    alert = first_alert(conn)
    if alert is not None and alert.level == registry.AL_FATAL:
        desc = registry.name(registry.ALERT_DESCRIPTIONS, alert.description)
        peer = "client" if alert.sender == "server" else "server"
        meaning = _ALERT_MEANING.get(desc, "the {sender} aborted the handshake")
        return f"{meaning.format(sender=alert.sender, peer=peer)} (fatal alert {desc} from the {alert.sender})"
    if conn.outcome == ESTABLISHED:
        return "both sides went on to encrypted records"
    if conn.outcome == FAILED:
        return f"the connection was closed ({conn.closed_by}) before the handshake completed"
    why = [reason for cond, reason in (
        (conn.client_hello is None, "no ClientHello was captured (capture started mid-connection?)"),
        (conn.gaps > 0, f"data missing: {conn.gaps} gap(s) in the TCP streams"),
        (not conn.client_payload_bytes or not conn.server_payload_bytes,
         "only one direction carried data (one-direction capture, or no answer)"),
        (bool(conn.errors), "a message could not be parsed (see Errors)"),
        (conn.closed_by is None, "the capture ended before the handshake completed"),
    ) if cond]
    return "; ".join(why) or "the handshake was not seen to complete"


def hex_dump(data: bytes) -> list[str]:
    """Classic hex dump lines: offset, 16 bytes in hex, and the printable ASCII ('.' for the rest)."""
    out = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk[:8]) + "  " + " ".join(f"{b:02x}" for b in chunk[8:])
        shown = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        out.append(f"{at:08x}  {hexes:<49}  |{shown}|")
    return out


# ---- sections ---------------------------------------------------------------------------------------------

def _client_hello(o: _Out, conn: Connection, ch: ClientHello, dump: bool) -> None:
    o.add(1, o(_BOLD, "ClientHello (client -> server)") + f", {_at(o, ch)}")
    rv = conn.client_record_version
    if ch.sslv2 or rv == registry.SSL2:
        kind = "an SSLv2 CLIENT-HELLO" if ch.legacy_version == registry.SSL2 else "an SSLv2-compatible hello"
        o.add(2, f"Record layer: SSLv2 framing, no record version (record_version 0x0002); {kind}")
    elif rv is not None:
        o.add(2, f"Record layer version: {o.version(rv)}   {_NOT_NEGOTIATED}")
    _client_versions(o, conn, ch)
    o.add(2, f"{'Challenge' if ch.sslv2 else 'Random'} ({len(ch.random)} bytes): {ch.random.hex()}")
    o.add(2, _session_id(ch.session_id))
    if ch.sslv2:
        o.add(2, f"Cipher specs ({len(ch.sslv2_cipher_specs)}):")
        for spec in ch.sslv2_cipher_specs:
            o.add(3, o.ssl2_spec(spec))
    else:
        o.add(2, f"Cipher suites ({len(ch.cipher_suites)}):")
        for suite in ch.cipher_suites:
            o.add(3, o.suite(suite))
        methods = _join(o.small(registry.COMPRESSION_METHODS, m) for m in ch.compression_methods)
        o.add(2, f"Compression methods: {methods or 'none'}")
    extension_lines(o, ch.extensions, ch.extension_errors, client_decoders(o, ch))
    _damage(o, ch)
    _dump(o, ch, dump)


def _client_versions(o: _Out, conn: Connection | None, ch: ClientHello) -> None:
    o.add(2, f"legacy_version: {o.version(ch.legacy_version)}")
    if ch.supported_versions is not None:
        o.add(2, f"supported_versions: {_join(o.version(v) for v in ch.supported_versions)}")
    if conn is not None:
        best = client_max_version(conn)
        if best is not None:
            o.add(2, f"Client's highest version: {o.version(best, with_code=False)}")


def _hello_retry(o: _Out, hrr: ServerHello, dump: bool) -> None:
    group = hrr.key_share_group
    o.add(1, o(_BOLD, "HelloRetryRequest (server -> client)")
          + ("" if group is None else f": selected group {o.code(registry.GROUPS, group)}") + f", {_at(o, hrr)}")
    o.add(2, f"legacy_version: {o.version(hrr.legacy_version)}")
    if hrr.selected_version is not None:
        o.add(2, f"supported_versions (selected): {o.version(hrr.selected_version)}")
    if hrr.cipher_suite is not None:
        o.add(2, f"Cipher suite: {o.suite(hrr.cipher_suite)}")
    extension_lines(o, hrr.extensions, hrr.extension_errors, server_decoders(o, hrr))
    _damage(o, hrr)
    _dump(o, hrr, dump)


def _retry_client_hello(o: _Out, ch: ClientHello, first: ClientHello | None, dump: bool) -> None:
    o.add(1, o(_BOLD, "ClientHello after HelloRetryRequest (client -> server)") + f", {_at(o, ch)}")
    _client_versions(o, None, ch)
    if ch.key_share_groups is not None:
        o.add(2, f"key_share: {_join(o.code(registry.GROUPS, g) for g in ch.key_share_groups)}")
    if first is not None:
        before, now = {e.type: e.data for e in first.extensions or ()}, {e.type: e.data for e in ch.extensions or ()}
        changed = [x for x in now if x in before and before[x] != now[x]]
        added, dropped = [x for x in now if x not in before], [x for x in before if x not in now]
        for label, types in (("changed", changed), ("added", added), ("dropped", dropped)):
            if types:
                o.add(2, f"Extensions {label} since the first ClientHello: "
                         + _join(o.code(registry.EXTENSIONS, x) for x in types))
    extension_errors(o, ch.extension_errors)
    _damage(o, ch)
    _dump(o, ch, dump)


def _server_hello(o: _Out, conn: Connection, sh: ServerHello, dump: bool) -> None:
    o.add(1, o(_BOLD, "ServerHello (server -> client)") + f", {_at(o, sh)}")
    rv, best = conn.server_record_version, negotiated_version(conn)
    if rv is not None:
        o.add(2, f"Record layer version: {o.version(rv)}" + (f"   {_NOT_NEGOTIATED}" if rv != best else ""))
    o.add(2, f"legacy_version: {o.version(sh.legacy_version)}")
    if sh.selected_version is not None:
        o.add(2, f"supported_versions (selected): {o.version(sh.selected_version)}")
    if best is not None:
        o.add(2, o(_BOLD, "Negotiated version: ") + o.version(best, with_code=False))
    if sh.random:
        tail = sh.random[-8:]
        note = ("  [TLS 1.3 downgrade sentinel: server also speaks TLS 1.3]"
                if tail in (registry.TLS13_DOWNGRADE_TLS12, registry.TLS13_DOWNGRADE_TLS11) else "")
        o.add(2, f"Random: {sh.random.hex()}{note}")
    o.add(2, _session_id(sh.session_id))
    if sh.cipher_suite is not None:
        o.add(2, f"Cipher suite: {o.suite(sh.cipher_suite)}")
    if sh.compression_method is not None:
        o.add(2, f"Compression method: {o.small(registry.COMPRESSION_METHODS, sh.compression_method)}")
    extension_lines(o, sh.extensions, sh.extension_errors, server_decoders(o, sh))
    _damage(o, sh)
    _dump(o, sh, dump)


def _sslv2_server_hello(o: _Out, sh: SSLv2ServerHello, dump: bool) -> None:
    o.add(1, o(_BOLD, "SSLv2 SERVER-HELLO (server -> client)") + f", message at stream offset {sh.offset - 1}")
    o.add(2, f"Version: {o.version(sh.version)}")
    o.add(2, f"Session ID hit: {sh.session_id_hit}, certificate type: {sh.certificate_type}, "
             f"certificate: {len(sh.certificate)} bytes")
    o.add(2, f"Cipher specs ({len(sh.cipher_specs)}):")
    for spec in sh.cipher_specs:
        o.add(3, o.ssl2_spec(spec))
    o.add(2, f"Connection ID ({len(sh.connection_id)} bytes): {sh.connection_id.hex()}")
    _dump(o, sh, dump)


# ---- helpers ----------------------------------------------------------------------------------------------

def _session_id(session_id: bytes) -> str:
    return f"Session ID ({len(session_id)} bytes)" + (f": {session_id.hex()}" if session_id else "")


def _at(o: _Out, hello: ClientHello | ServerHello) -> str:
    """Where the handshake message starts in its direction's stream (its body is at ``hello.offset``), and
    where its extension block is damaged, if it is."""
    header = 1 if isinstance(hello, ClientHello) and hello.sslv2 else 4
    damage = "" if hello.malformed is None else ", " + o(_RED, f"malformed at offset {hello.malformed_offset}")
    return f"message at stream offset {hello.offset - header}{damage}"


def _damage(o: _Out, hello: ClientHello | ServerHello) -> None:
    """The damage in the extension block, under the fields read before it."""
    if hello.malformed is not None:
        o.add(2, o(_RED, f"[malformed extension block: {terminal(hello.malformed)}]"))


def _dump(o: _Out, hello: object, on: bool) -> None:
    raw = getattr(hello, "raw", None) if on else None
    if not raw:         # the parser does not keep the message bytes (yet), or kept none
        return
    o.add(2, f"Hex dump ({len(raw)} bytes):")
    for line in hex_dump(raw):
        o.add(3, line)
