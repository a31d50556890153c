"""Find where TLS starts in one TCP direction and name what came before it. Owns: the bounded scan for a
hello (``find_tls_start``), finding records again after a gap (``find_record_boundary``), the guess at the
upgrade protocol (``guess_upgrade``). Imports: tls.records, tls.reader, tls.registry, errors.
"""
from __future__ import annotations

import re

from pcaptls.errors import MalformedRecord
from pcaptls.tls import registry
from pcaptls.tls.reader import Reader
from pcaptls.tls.records import _SSL2_HELLO_MAJORS, _TLS_HEADER_LEN, _TLS_MAJOR, DEFAULT_MAX_RECORD_LEN

_MAX_HELLO_LEN = 2 ** 17                    # a ClientHello spanning records is plausible up to this size
_MIN_HELLO_BODY = 2 + 32 + 2 + 2            # version, random, then at least four bytes of any hello layout
_MIN_HRR_BODY = 2 + 2 + 2                   # draft HelloRetryRequest: version, extensions<2..2^16-1>
_HELLO_PREFIX_LEN = 4 + 2                   # what a candidate must show: handshake header, hello version
_TLS_VERSIONS = frozenset({registry.SSL3, registry.TLS1_0, registry.TLS1_1, registry.TLS1_2, registry.TLS1_3})
_SSL2_SESSION_ID_LENS = frozenset({0, 16})
_SSL2_MIN_CHALLENGE, _SSL2_MAX_CHALLENGE = 16, 32   # also the bounds of a SERVER-HELLO connection id
_SSL2_CLIENT_HELLO_FIXED = 1 + 2 + 2 + 2 + 2         # msg_type, version, three lengths
_SSL2_SERVER_HELLO_FIXED = 1 + 1 + 1 + 2 + 2 + 2 + 2  # msg_type, hit, cert type, version, three lengths
_ALERT_LEVELS = frozenset({1, 2})           # warning, fatal


# ---- finding where TLS starts --------------------------------------------------------------------------

def _pattern(*alternatives: bytes) -> re.Pattern[bytes]:
    return re.compile(b"(?=" + b"|".join(alternatives) + b")", re.DOTALL)


_VERSION_MINOR = b"[\x00-\x04]"
_HIGH_BIT = b"[\x80-\xff]"
_CLIENT_START = _pattern(
    bytes([registry.CT_HANDSHAKE, _TLS_MAJOR]) + _VERSION_MINOR + b".." + re.escape(bytes([registry.HT_CLIENT_HELLO])),
    _HIGH_BIT + b"." + re.escape(bytes([registry.SSL2_MT_CLIENT_HELLO])),
)
_SERVER_START = _pattern(
    bytes([registry.CT_HANDSHAKE, _TLS_MAJOR]) + _VERSION_MINOR + b".."
    + b"[" + re.escape(bytes([registry.HT_SERVER_HELLO, registry.HT_HELLO_RETRY_REQUEST])) + b"]",
    _HIGH_BIT + b"." + re.escape(bytes([registry.SSL2_MT_SERVER_HELLO])),
    bytes([registry.CT_ALERT, _TLS_MAJOR]) + _VERSION_MINOR + b"\x00\x02",
)
_LONGEST_PATTERN = 6


def find_record_boundary(data: bytes, *, limit: int = 16384) -> int | None:
    """After a gap: the first offset where TLS records plausibly start again.

    A plausible header (content type 20-23, version 3.x with x <= 4, length within the record limit) must
    be followed by a second plausible header right after its record, or its record must end exactly
    where ``data`` ends; one header alone matches random ciphertext too often. None: not yet.
    """
    end = min(len(data), limit)
    for match in _RECORD_HEADER.finditer(data, 0, end + 2):  # candidates found in C: a gap in bulk data is
        pos = match.start()                                    # followed by KBs that are no header at all
        if pos >= end:
            break
        length = _plausible_header(data, pos)
        if length is None:
            continue
        nxt = pos + _TLS_HEADER_LEN + length
        if nxt == len(data) or (nxt + _TLS_HEADER_LEN <= len(data) and _plausible_header(data, nxt) is not None):
            return pos
    return None


def _plausible_header(data: bytes, pos: int) -> int | None:
    """The record length if a TLS record header (not heartbeat) plausibly starts at ``pos``."""
    if pos + _TLS_HEADER_LEN > len(data):
        return None
    if data[pos] not in _RESYNC_TYPES or data[pos + 1] != _TLS_MAJOR or data[pos + 2] > 4:
        return None
    length = data[pos + 3] << 8 | data[pos + 4]
    return length if 0 < length <= DEFAULT_MAX_RECORD_LEN else None


_RESYNC_TYPES = frozenset({registry.CT_CHANGE_CIPHER_SPEC, registry.CT_ALERT, registry.CT_HANDSHAKE,
                           registry.CT_APPLICATION_DATA})
# the first three bytes _plausible_header looks at: a type of _RESYNC_TYPES (20-23), major 3, minor <= 4
# (matches cannot overlap: neither 3 nor 0-4 is a type)
_RECORD_HEADER = re.compile(b"[" + re.escape(bytes(sorted(_RESYNC_TYPES))) + b"]" + bytes([_TLS_MAJOR])
                            + b"[\x00-\x04]")
assert sorted(_RESYNC_TYPES) == list(range(20, 24))


def find_tls_start(data: bytes, *, client: bool, limit: int = 16384) -> int | None:
    """Offset of the first TLS record carrying a ClientHello, or SSLv2 CLIENT-HELLO (``client=True``); of
    the first ServerHello/HelloRetryRequest record, SSLv2 SERVER-HELLO or alert record (``client=False``).

    Only candidates starting in ``data[:limit]`` count, and a candidate's record and handshake headers
    and hello version (11 bytes, more if the hello is cut into tiny records) must be in ``data``: call
    again with more bytes when this returns None. None if there is none.
    """
    if _hello_at_start(data, client) and limit > 0:     # the common case: the first record is the hello
        return 0
    pattern = _CLIENT_START if client else _SERVER_START
    check = _plausible_client_start if client else _plausible_server_start
    for match in pattern.finditer(data, 0, min(len(data), limit + _LONGEST_PATTERN)):
        pos = match.start()
        if pos >= limit:
            break
        r = Reader(data, error=MalformedRecord)
        r.skip(pos, "scan")
        try:
            if check(r):
                return pos
        except MalformedRecord:     # the candidate runs past the end of data
            continue
    return None


def _hello_at_start(data: bytes, client: bool) -> bool:
    """True when ``data`` opens with a handshake record whose first 6 bytes are the start of a plausible
    hello (the tests of ``_plausible_tls_hello`` on a prefix in one record, without a Reader); False
    says nothing: the general search decides."""
    if len(data) < _TLS_HEADER_LEN + _HELLO_PREFIX_LEN or data[0] != registry.CT_HANDSHAKE \
            or data[1] != _TLS_MAJOR or data[2] > 4:
        return False
    msg_type = data[5]
    if client:
        if msg_type != registry.HT_CLIENT_HELLO:
            return False
    elif msg_type != registry.HT_SERVER_HELLO and msg_type != registry.HT_HELLO_RETRY_REQUEST:
        return False
    length = data[3] << 8 | data[4]
    if not _HELLO_PREFIX_LEN <= length <= DEFAULT_MAX_RECORD_LEN:
        return False
    hello_len = data[6] << 16 | data[7] << 8 | data[8]
    min_body = _MIN_HRR_BODY if msg_type == registry.HT_HELLO_RETRY_REQUEST else _MIN_HELLO_BODY
    return min_body <= hello_len <= _MAX_HELLO_LEN \
        and registry.normalize_version(data[9] << 8 | data[10]) in _TLS_VERSIONS


def _plausible_client_start(r: Reader) -> bool:
    first = r.uint(1, "first byte")
    return _plausible_sslv2_client_hello(r, first) if first & 0x80 else _plausible_tls_hello(r)


def _plausible_server_start(r: Reader) -> bool:
    first = r.uint(1, "first byte")
    if first & 0x80:
        return _plausible_sslv2_server_hello(r, first)
    if first == registry.CT_ALERT:
        r.skip(4, "alert record header")
        return r.uint(1, "alert level") in _ALERT_LEVELS
    return _plausible_tls_hello(r)


def _plausible_tls_hello(r: Reader) -> bool:
    """``r`` is past the content type of a handshake record. The handshake header and hello version may be
    spread over several small records (a stack that fragments its hello into 1-byte records)."""
    prefix = b""
    while len(prefix) < _HELLO_PREFIX_LEN:
        if prefix and r.uint(1, "content type") != registry.CT_HANDSHAKE:
            return False
        version, length = r.uint(2, "version"), r.uint(2, "length")
        if version not in _TLS_VERSIONS or not 0 < length <= DEFAULT_MAX_RECORD_LEN:
            return False
        prefix += r.raw(min(length, _HELLO_PREFIX_LEN - len(prefix)), "fragment")
    hello = Reader(prefix)
    msg_type, hello_len = hello.uint(1, "handshake type"), hello.uint(3, "handshake length")
    min_body = _MIN_HRR_BODY if msg_type == registry.HT_HELLO_RETRY_REQUEST else _MIN_HELLO_BODY
    return (min_body <= hello_len <= _MAX_HELLO_LEN
            and registry.normalize_version(hello.uint(2, "hello version")) in _TLS_VERSIONS)


def _plausible_sslv2_client_hello(r: Reader, first: int) -> bool:
    length = (first & 0x7F) << 8 | r.uint(1, "length")
    r.skip(1, "msg_type")
    major = r.uint(1, "version")
    r.skip(1, "version")
    specs, session_id, challenge = r.uint(2, "specs"), r.uint(2, "session_id"), r.uint(2, "challenge")
    return (major in _SSL2_HELLO_MAJORS and specs > 0 and specs % 3 == 0
            and session_id in _SSL2_SESSION_ID_LENS and _SSL2_MIN_CHALLENGE <= challenge <= _SSL2_MAX_CHALLENGE
            and length == _SSL2_CLIENT_HELLO_FIXED + specs + session_id + challenge)


def _plausible_sslv2_server_hello(r: Reader, first: int) -> bool:
    length = (first & 0x7F) << 8 | r.uint(1, "length")
    r.skip(1, "msg_type")
    hit = r.uint(1, "session_id_hit")
    r.skip(1, "certificate_type")
    major = r.uint(1, "version")
    r.skip(1, "version")
    cert, specs, conn_id = r.uint(2, "certificate"), r.uint(2, "specs"), r.uint(2, "connection_id")
    return (hit in (0, 1) and major in _SSL2_HELLO_MAJORS and specs % 3 == 0
            and _SSL2_MIN_CHALLENGE <= conn_id <= _SSL2_MAX_CHALLENGE
            and length == _SSL2_SERVER_HELLO_FIXED + cert + specs + conn_id)


# ---- naming what came before TLS -----------------------------------------------------------------------

_PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
_POSTGRES_REQUESTS = (b"\x00\x00\x00\x08\x04\xd2\x16\x2f", b"\x00\x00\x00\x08\x04\xd2\x16\x30")  # SSL, GSSENC
_LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"
_XMPP_MARKERS = (b"<stream:stream", b"urn:ietf:params:xml:ns:xmpp-tls")
_MYSQL_SSL_REQUEST_LEN, _MYSQL_CLIENT_SSL, _MYSQL_PROTOCOL_V10 = 32, 0x0800, 10
_LDAP_EXTENDED_RESPONSE = b"\x78"          # [APPLICATION 24] ExtendedResponse
_SOCKS4, _SOCKS5 = 4, 5
_NNTP_COMMANDS = ("CAPABILITIES", "MODE READER")
_SMTP_GREETINGS = ("EHLO ", "HELO ", "LHLO ")


def _lines(data: bytes) -> list[str]:
    return [line.strip() for line in data.decode("latin-1").upper().split("\n") if line.strip()]


def _binary_upgrade(p: bytes) -> str | None:
    if p.startswith(_PROXY_V2_SIGNATURE):
        return "proxy-protocol-v2"
    if p.startswith(b"PROXY "):
        return "proxy-protocol-v1"
    if p.startswith(_POSTGRES_REQUESTS):
        return "postgres-ssl"
    if len(p) >= _MYSQL_SSL_REQUEST_LEN + 4 and int.from_bytes(p[:3], "little") == _MYSQL_SSL_REQUEST_LEN \
            and p[3] == 1 and int.from_bytes(p[4:8], "little") & _MYSQL_CLIENT_SSL:
        return "mysql-ssl"
    if len(p) >= 3 and p[0] == _SOCKS5 and 0 < p[1] <= len(p) - 2:
        return "socks5"
    if len(p) >= 9 and p[0] == _SOCKS4 and p[1] in (1, 2) and b"\x00" in p[8:]:
        return "socks4"
    if _LDAP_STARTTLS_OID in p:
        return "ldap-starttls"
    if any(marker in p for marker in _XMPP_MARKERS):
        return "xmpp-starttls"
    return None


def _text_upgrade(lines: list[str], server: list[str]) -> str | None:
    if any(line.startswith("CONNECT ") for line in lines[:1]):
        return "http-connect"
    if any(line.startswith(("AUTH TLS", "AUTH SSL")) for line in lines):
        return "ftp-auth-tls"
    if "STLS" in lines:
        return "pop3-stls"
    if any(len(line.split()) == 2 and line.split()[1] == "STARTTLS" for line in lines):
        return "imap-starttls"          # "<tag> STARTTLS"
    if "STARTTLS" not in lines:
        return None
    if any(line.startswith(_SMTP_GREETINGS) for line in lines) or server[:1] and server[0].startswith("220"):
        return "smtp-starttls"
    if any(line.startswith(_NNTP_COMMANDS) for line in lines) or server[:1] and server[0].startswith(("200", "201")):
        return "nntp-starttls"
    return "irc-starttls"               # a bare STARTTLS (IRC clients send it first), or IRC commands


def _server_upgrade(p: bytes, lines: list[str]) -> str | None:
    """The server's side alone: its reply to the upgrade request, or its greeting."""
    if p == b"S":
        return "postgres-ssl"
    if len(p) >= 5 and p[3] == 0 and p[4] == _MYSQL_PROTOCOL_V10:
        return "mysql-ssl"
    if p.startswith(b"\x00\x5a"):
        return "socks4"
    if p.startswith(b"\x05\x00"):
        return "socks5"
    if p[:1] == b"\x30" and _LDAP_EXTENDED_RESPONSE in p[:8]:
        return "ldap-starttls"
    starts = [line.split(" ", 1)[0] for line in lines]
    for code, name in (("234", "ftp-auth-tls"), ("382", "nntp-starttls"), ("670", "irc-starttls")):
        if code in starts or any(f" {code} " in line for line in lines):
            return name
    if lines and lines[0].startswith("HTTP/1.") and lines[0][9:12] == "200":
        return "http-connect"
    if "+OK" in starts:
        return "pop3-stls"
    if lines and lines[0].startswith("* OK"):
        return "imap-starttls"
    if lines and lines[0].startswith("220") and any(line.startswith("250") for line in lines):
        return "smtp-starttls"
    return None


def guess_upgrade(prefix: bytes, server_prefix: bytes = b"") -> str:
    """Name the protocol whose bytes (``prefix``, the client's bytes before its hello) preceded TLS.

    A guess from well-known openings: one of "smtp-starttls", "imap-starttls", "pop3-stls",
    "ftp-auth-tls", "xmpp-starttls", "ldap-starttls", "irc-starttls", "nntp-starttls", "http-connect",
    "socks4", "socks5", "proxy-protocol-v1", "proxy-protocol-v2", "mysql-ssl", "postgres-ssl", else
    "unknown". ``server_prefix`` (the server's bytes before its hello), if given, breaks ties such as a
    bare ``STARTTLS`` line (IRC or NNTP) and is read on its own when the client's bytes say nothing.
    """
    server_lines = _lines(server_prefix)
    return (_binary_upgrade(prefix) or _text_upgrade(_lines(prefix), server_lines)
            or _binary_upgrade(server_prefix) or _server_upgrade(server_prefix, server_lines) or "unknown")
