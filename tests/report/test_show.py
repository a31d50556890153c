"""report/show.py: the detail tree of one connection (pcaptls show), on real captures."""
from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable

import pytest

import pcaptls
from pcaptls.pipeline import InspectOptions
from pcaptls.report.show import hex_dump, render_connection, render_connections
from pcaptls.results import Connection
from pcaptls.tls.hello import Extension, ExtensionError, parse_client_hello
from tests.conftest import CAPTURES, CORPUS

SGR = re.compile(r"\x1b\[[0-9;]*m")
SSL2_CAPTURE = CORPUS / "zeek" / "ssl-v2.pcap"
DUPLICATES = CAPTURES / "reliability"          # one ClientHello with N duplicate empty extensions 0xfafa


def _conns(rel: str) -> tuple[Connection, ...]:
    report = pcaptls.inspect_file(str(CAPTURES / rel))
    assert report.connections, rel
    return report.connections


def _one(rel: str) -> Connection:
    conns = _conns(rel)
    assert len(conns) == 1
    return conns[0]


def _line(out: str, start: str) -> str:
    """The first line whose text (indentation stripped) starts with ``start``."""
    found = [line.strip() for line in out.splitlines() if line.strip().startswith(start)]
    assert found, f"no line starting with {start!r} in:\n{out}"
    return found[0]


@pytest.mark.parametrize(("rel", "negotiated"), [
    ("live/tls10.pcap", "TLS 1.0"), ("live/tls12.pcap", "TLS 1.2"), ("live/tls13.pcap", "TLS 1.3"),
])
def test_record_version_is_shown_as_not_the_negotiated_version(rel: str, negotiated: str) -> None:
    out = render_connection(_one(rel))
    record = _line(out, "Record layer version:")        # the ClientHello's comes first
    assert "TLS 1.0 (0x0301)" in record
    assert "[the record version is not the negotiated version]" in record
    assert _line(out, "Negotiated version:") == f"Negotiated version: {negotiated}"
    assert _line(out, "Outcome:").startswith("Outcome: established — ")


def test_tls10_tree() -> None:
    conn = _one("live/tls10.pcap")
    out = render_connection(conn)
    assert out.startswith(f"Connection 0  {conn.client} -> {conn.server}  ({conn.capture})\n")
    assert out.endswith("\n") and not out.endswith("\n\n")
    assert "\n  ClientHello (client -> server), message at stream offset 5\n" in out
    assert _line(out, "legacy_version:") == "legacy_version: TLS 1.0 (0x0301)"
    assert _line(out, "Client's highest version:") == "Client's highest version: TLS 1.0"
    assert "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA (0xc00a)  [OpenSSL: ECDHE-ECDSA-AES256-SHA]" in out
    assert _line(out, "Compression methods:") == "Compression methods: null (0)"
    assert _line(out, "server_name (0x0000)") == 'server_name (0x0000), 23 bytes: host_name "tls10.example.test"'
    assert _line(out, "ec_point_formats (0x000b)").endswith(": uncompressed (0), ansiX962_compressed_prime (1), "
                                                            "ansiX962_compressed_char2 (2)")
    assert _line(out, "session_ticket (0x0023)") == "session_ticket (0x0023), 0 bytes"
    assert _line(out, "Cipher suite:").startswith("Cipher suite: TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA (0xc00a)")


def test_tls13_client_hello_decodes_its_extensions() -> None:
    out = render_connection(_one("live/tls13.pcap"))
    assert _line(out, "supported_versions:") == "supported_versions: TLS 1.3 (0x0304), TLS 1.2 (0x0303)"
    assert _line(out, "application_layer_protocol_negotiation").endswith('14 bytes: "h2", "http/1.1"')
    assert _line(out, "psk_key_exchange_modes") == "psk_key_exchange_modes (0x002d), 2 bytes: psk_dhe_ke (1)"
    assert _line(out, "key_share (0x0033), 38") == "key_share (0x0033), 38 bytes: key shares for x25519 (0x001d)"
    assert "ecdsa_secp256r1_sha256 (0x0403), " in _line(out, "signature_algorithms (0x000d)")
    assert _line(out, "supported_versions (selected):") == "supported_versions (selected): TLS 1.3 (0x0304)"


def test_hello_retry_request_section() -> None:
    conn = _one("live/hrr.pcap")
    out = render_connection(conn)
    hrr = _line(out, "HelloRetryRequest (server -> client)")
    assert hrr.startswith("HelloRetryRequest (server -> client): selected group secp384r1 (0x0018)")
    assert _line(out, "key_share (0x0033), 2 bytes") == "key_share (0x0033), 2 bytes: selected group secp384r1 (0x0018)"
    retry = out.index("ClientHello after HelloRetryRequest (client -> server)")
    assert out.index("HelloRetryRequest (server -> client)") < retry < out.index("ServerHello (server -> client)")
    after = out[retry:]
    assert _line(after, "key_share:") == "key_share: secp384r1 (0x0018)"
    assert "key_share (0x0033)" in _line(after, "Extensions changed since the first ClientHello:")


def test_fatal_alert_and_its_explanation() -> None:
    out = render_connection(_one("live/protocol_version.pcap"))
    alert = _line(out, "Alerts:")
    assert re.fullmatch(r"Alerts: fatal protocol_version \(70\) from server at \S+Z", alert)
    assert _line(out, "Outcome:") == ("Outcome: failed — the server rejected the client's versions "
                                      "(fatal alert protocol_version from the server)")
    assert "ServerHello" not in out


def test_incomplete_one_direction_and_grease() -> None:
    out = render_connection(_one("crafted/one_direction.pcap"))
    assert _line(out, "Outcome:").startswith("Outcome: incomplete — only one direction carried data")
    assert _line(out, "supported_versions:") == ("supported_versions: GREASE (0x7a7a), TLS 1.3 (0x0304), "
                                                 "TLS 1.2 (0x0303)")
    assert _line(out, "Client's highest version:") == "Client's highest version: TLS 1.3"
    assert "\n      GREASE (0x0a0a)\n" in out                                   # a GREASE cipher suite
    assert _line(out, "GREASE (0x2a2a)") == "GREASE (0x2a2a), 0 bytes"           # a GREASE extension
    assert "GREASE (0x5a5a), x25519 (0x001d)" in _line(out, "supported_groups (0x000a)")
    colored = render_connection(_one("crafted/one_direction.pcap"), color=True)
    assert "\x1b[2mGREASE (0x0a0a)\x1b[0m" in colored
    assert "\x1b[32mTLS 1.3 (0x0304)\x1b[0m" in colored


def test_hostile_sni_and_alpn_are_escaped_in_plain_and_color() -> None:
    conn = _one("crafted/hostile_sni.pcap")
    plain, colored = render_connection(conn), render_connection(conn, color=True)
    for out in (plain, SGR.sub("", colored)):
        assert "\x07" not in out and "\x1b" not in out
        assert _line(out, "server_name (0x0000)").endswith(
            r'''host_name "=cmd|' /C calc'!A0\x1b[31mred\x07.example.com"''')
        assert _line(out, "application_layer_protocol_negotiation").endswith(r'"h2", "\x1b]0;pwned\x07"')
    assert "\x07" not in colored
    assert SGR.sub("", colored) == plain        # colour adds only SGR codes, never changes the text


@pytest.mark.parametrize("rel", ["live/tls10.pcap", "live/hrr.pcap", "live/protocol_version.pcap",
                                 "crafted/hostile_sni.pcap", "crafted/one_direction.pcap"])
def test_plain_output_has_no_escape_codes(rel: str) -> None:
    for conn in _conns(rel):
        assert "\x1b" not in render_connection(conn, hexdump=True)


def test_color_marks_old_versions_and_headings() -> None:
    out = render_connection(_one("live/tls10.pcap"), color=True)
    assert "\x1b[1mConnection 0\x1b[0m" in out
    assert "\x1b[1mClientHello (client -> server)\x1b[0m" in out
    assert "legacy_version: \x1b[33mTLS 1.0 (0x0301)\x1b[0m" in out


@pytest.mark.skipif(not SSL2_CAPTURE.exists(), reason="../shared/corpus not present")
def test_sslv2_hellos() -> None:
    report = pcaptls.inspect_file(str(SSL2_CAPTURE))
    out = render_connection(report.connections[0])
    assert _line(out, "Record layer:").startswith("Record layer: SSLv2 framing")
    assert _line(out, "legacy_version:") == "legacy_version: SSL 2.0 (0x0002)"
    assert _line(out, "Client's highest version:") == "Client's highest version: SSL 2.0"
    sh = out[out.index("SSLv2 SERVER-HELLO (server -> client)"):]
    assert _line(sh, "Version:") == "Version: SSL 2.0 (0x0002)"
    assert "certificate: 903 bytes" in _line(sh, "Session ID hit:")
    assert _line(sh, "Cipher specs (6):") and "SSL_CK_DES_192_EDE3_CBC_WITH_MD5 (0x0700c0)" in sh
    assert "\x1b[31mSSL 2.0 (0x0002)\x1b[0m" in render_connection(report.connections[0], color=True)


def test_unknown_malformed_and_draft_values() -> None:
    conn = _one("live/tls13.pcap")
    ch = conn.client_hello
    assert ch is not None and ch.extensions is not None
    alpn = next(e for e in ch.extensions if e.type == 0x0010)
    odd = Extension(0x1234, bytes(range(40)), offset=5000)
    ch = dataclasses.replace(
        ch, extensions=(*ch.extensions, odd), alpn=None, supported_versions=(0x7F17, 0x0300, 0x0002, 0xFEFD),
        extension_errors=(ExtensionError(0x0010, alpn.offset + 6, "protocol name: \x1b[2J need 5 bytes"),))
    out = render_connection(dataclasses.replace(conn, client_hello=ch))
    assert _line(out, "unknown(0x1234)") == f"unknown(0x1234), 40 bytes: {bytes(range(32)).hex()}…"
    assert _line(out, "application_layer_protocol_negotiation") == (
        "application_layer_protocol_negotiation (0x0010), 14 bytes: 000c02683208687474702f312e31"
        r"  [malformed: protocol name: \x1b[2J need 5 bytes]")
    assert _line(out, "supported_versions:") == ("supported_versions: TLSv1.3-draft23 (0x7f17), SSL 3.0 (0x0300), "
                                                 "SSL 2.0 (0x0002), DTLS 1.2 (0xfefd)")
    assert "\x1b" not in out
    assert "\x1b[35munknown(0x1234)\x1b[0m" in render_connection(dataclasses.replace(conn, client_hello=ch),
                                                                 color=True)



def test_a_repeated_extension_marks_the_repeat_only() -> None:
    """live/tls13.pcap's ClientHello with its supported_versions sent twice in a row (the wire bytes, one
    extension copied): the first is decoded as usual, the copy is the duplicate."""
    conn = _one("live/tls13.pcap")
    ch = conn.client_hello
    assert ch is not None and ch.extensions
    exts = ch.extensions
    body = _client_hello_body(conn)
    start = exts[0].offset - ch.offset                       # first extension, in the body
    wire = [body[e.offset - ch.offset:e.offset - ch.offset + 4 + len(e.data)] for e in exts]
    versions = next(i for i, e in enumerate(exts) if e.type == 0x002B)
    wire.insert(versions + 1, wire[versions])
    block = b"".join(wire)
    twice = parse_client_hello(body[:start - 2] + len(block).to_bytes(2, "big") + block, ch.offset)
    assert [e.ext_type for e in twice.extension_errors] == [0x002B]
    out = render_connection(dataclasses.replace(conn, client_hello=twice))
    out = out[:out.index("ServerHello (server -> client)")]
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("supported_versions (0x002b)")]
    assert lines == ["supported_versions (0x002b), 5 bytes: TLS 1.3 (0x0304), TLS 1.2 (0x0303)",
                     "supported_versions (0x002b), 5 bytes: 0403040303  [malformed: duplicate extension]"]
    assert "[malformed extension" not in out


def test_a_damaged_extension_block_is_marked_with_its_offset() -> None:
    conns = _conns("crafted/damaged_extensions.pcap")
    out = render_connection(conns[0])
    ch = conns[0].client_hello
    assert ch is not None and ch.malformed_offset is not None
    assert _line(out, "ClientHello (client -> server)").endswith(f", malformed at offset {ch.malformed_offset}")
    assert _line(out, "[malformed extension block:") == (
        f"[malformed extension block: extension 0x0015 at offset {ch.malformed_offset}: need 64 bytes, 4 left]")
    assert _line(out, "Extensions (3):") and _line(out, "supported_versions:").endswith("TLS 1.2 (0x0303)")
    assert _line(out, "Client's highest version:") == "Client's highest version: TLS 1.3"
    server = render_connection(conns[2])
    sh = conns[2].server_hello
    assert sh is not None and _line(server, "ServerHello (server -> client)").endswith(
        f", malformed at offset {sh.malformed_offset}")
    assert "\x1b[31mmalformed at offset" in render_connection(conns[2], color=True)
    assert "malformed" not in render_connection(_one("live/tls12.pcap"))


def _client_hello_body(conn: Connection) -> bytes:
    """The ClientHello body of ``conn`` as on the wire (read again with the raw bytes kept)."""
    again = pcaptls.inspect_file(conn.capture, options=InspectOptions(keep_raw=True))
    hello = next(c for c in again.connections if c.conn == conn.conn).client_hello
    assert hello is not None and hello.raw[0] == 1
    return hello.raw[4:]


def test_hex_dump_when_the_hello_keeps_its_bytes() -> None:
    assert hex_dump(b"\x16\x03\x01ABCDEFGHIJKLM\x00\x7f\x80") == [
        "00000000  16 03 01 41 42 43 44 45  46 47 48 49 4a 4b 4c 4d   |...ABCDEFGHIJKLM|",
        "00000010  00 7f 80                                           |...|",
    ]
    conn = _one("live/tls10.pcap")
    assert render_connection(conn, hexdump=True) == render_connection(conn)     # no raw bytes: nothing to dump
    ch = conn.client_hello
    assert ch is not None
    with_raw = dataclasses.replace(conn, client_hello=dataclasses.replace(ch, raw=b"\x01\x00\x00\x02hi"))
    out = render_connection(with_raw, hexdump=True)
    assert "\n    Hex dump (6 bytes):\n      00000000  01 00 00 02 68 69" in out
    assert "Hex dump" not in render_connection(with_raw)


def test_render_connections_joins_with_a_blank_line() -> None:
    a, b = _one("live/tls10.pcap"), _one("live/hrr.pcap")
    assert render_connections([a, b]) == render_connection(a) + "\n" + render_connection(b)
    assert render_connections([a, b], color=True).count("\x1b[1mConnection ") == 2
    assert render_connections([]) == ""


# ---- work linear in the hello: counted in function calls (an operation count, not a time) ----------------

class _OverBudget(Exception):
    pass


def _calls(work: Callable[[], object], budget: int) -> int:
    """How many Python and C function calls ``work()`` makes; raises ``_OverBudget`` past ``budget`` (so
    quadratic code fails in a moment instead of running for minutes under the profile hook)."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1
            if count > budget:
                raise _OverBudget

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("hexdump", [False, True])
def test_show_work_grows_linearly_with_duplicate_extensions(hexdump: bool) -> None:
    """N duplicate extensions give N-1 errors; every extension was once compared with every error (N = 10,000:
    27 s, 300 million calls). Parsing (with the raw bytes kept, as ``show --hex`` does) and rendering must
    cost about the same per extension at N and 2N."""
    options = InspectOptions(keep_raw=hexdump)
    work = {}
    for n in (5000, 10000):
        path = str(DUPLICATES / f"dup{n}.pcap")
        budget = 200 * n                                # about 55 calls per extension today
        conn = _one_of(path, options)
        work[n] = (_calls(lambda: pcaptls.inspect_file(path, options=options), budget),
                   _calls(lambda: render_connection(conn, hexdump=hexdump), budget))
    for stage, (at_n, at_2n) in zip(("inspect", "show"), zip(work[5000], work[10000])):
        assert 1.8 * at_n < at_2n < 2.2 * at_n, (stage, at_n, at_2n)


def test_show_lists_every_one_of_thousands_of_duplicate_extensions() -> None:
    conn = _one_of(str(DUPLICATES / "dup10000.pcap"), InspectOptions(keep_raw=True))
    out = render_connection(conn, hexdump=True)
    assert "\n    Extensions (10001):\n      server_name (0x0000), 16 bytes: host_name \"dup.example\"\n" in out
    grease = [line for line in out.splitlines() if line.startswith("      GREASE (0xfafa), 0 bytes")]
    assert len(grease) == 10000
    # the first is no duplicate; each later one is, once (a duplicate's error is at its own type field,
    # which is also where the extension before it ends)
    assert grease[0] == "      GREASE (0xfafa), 0 bytes"
    assert set(grease[1:]) == {"      GREASE (0xfafa), 0 bytes  [malformed: duplicate extension]"}
    from pcaptls.session import MAX_KEPT       # the connection keeps the first errors and counts the rest
    assert len(conn.errors) == MAX_KEPT + 1 and {e.kind for e in conn.errors[:-1]} == {"malformed_extension"}
    assert conn.errors[-1].kind == "resource_limit" and f"{9999 - MAX_KEPT} more errors" in conn.errors[-1].detail
    hello = conn.client_hello
    assert hello is not None and _line(out, "Hex dump (").startswith(f"Hex dump ({len(hello.raw)} bytes):")


def _one_of(path: str, options: InspectOptions) -> Connection:
    conns = pcaptls.inspect_file(path, options=options).connections
    assert len(conns) == 1
    return conns[0]
