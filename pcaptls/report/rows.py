"""One connection as a flat row. Owns: the output field list and order (the contract of docs/schema.md)
and how each value is formatted (hex code points, version names, ISO times). Imports: results, tls.registry.

Renderers (table, JSON, CSV) all start from ``connection_row``; none formats a field itself. Rows are made
once per connection on the output path, so the texts that recur from row to row (code points, names,
seconds, addresses) are made once and kept in small bounded caches.
"""
from __future__ import annotations

import datetime as _dt

from pcaptls.results import (
    Connection, client_max_version, client_supported_versions, first_alert, negotiated_version,
)
from pcaptls.tls import registry

# The contract fields of issue 2, in order; then the added ones. Rename or remove none without a note.
CONTRACT_FIELDS = (
    "capture", "conn", "ts", "transport", "client_ip", "client_port", "server_ip", "server_port", "sni",
    "record_version", "client_version", "client_supported_versions", "client_cipher_suites",
    "client_max_version", "alpn", "server_version", "server_selected_version", "negotiated_version",
    "cipher_suite_id", "cipher_suite", "cipher_suite_openssl", "alpn_selected", "hello_retry", "alert",
    "alert_from", "outcome",
)
# Issue 3's fields: who the server is and which AWS endpoint, with the TLS 1.2 cut-off that applies.
IDENTITY_FIELDS = (
    "server_name", "name_source", "aws_partition", "aws_service", "aws_service_name", "aws_region",
    "aws_fips", "aws_dualstack", "aws_global", "aws_s3_form", "tls12_required_since",
)
EXTRA_FIELDS = (
    "name_chain", "dns_name", "ip_range_prefix", "ip_range_region", "ip_range_services",
    "last_ts", "client_groups", "client_key_share_groups", "client_signature_algorithms",
    "client_extensions", "client_sslv2", "server_extensions", "server_key_share_group", "has_ech",
    "tls_offset", "upgrade", "closed_by", "gaps", "packets", "client_payload_bytes", "server_payload_bytes",
    "errors", "capture_file", "client_hello_malformed", "server_hello_malformed",
)
FIELDS = CONTRACT_FIELDS + IDENTITY_FIELDS + EXTRA_FIELDS


_CACHE_LIMIT = 4096                        # entries per cache of seconds, days, addresses, code lists;
                                           # a full one starts over


class _Texts(dict):
    """Code point -> its text (or texts), made by ``make`` on first use and kept: a few hundred codes make up
    nearly every row (formatting is a per-row hot spot). Codes above 16 bits (SSLv2 cipher specs) are
    made every time, so a hostile capture cannot grow the cache without bound."""

    __slots__ = ("_make",)

    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, code: int) -> object:
        made = self._make(code)
        if 0 <= code <= 0xFFFF:
            self[code] = made
        return made


_HEX = _Texts(lambda code: f"0x{code:04x}")
_VERSION = _Texts(registry.version_name)
_SUITE = _Texts(lambda code: (registry.suite_name(code), registry.suite_openssl_name(code)))
_ALERT = _Texts(lambda code: registry.name(registry.ALERT_DESCRIPTIONS, code))


def hex16(code: int | None) -> str | None:
    return None if code is None else _HEX[code]


def version_name(code: int | None) -> str | None:
    return None if code is None else _VERSION[code]


def _utc_seconds(seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS``; a corrupt capture's timestamp outside years 1-9999 gets ISO 8601's
    expanded form (``+118477-03-01T...``) instead of an error (Hinnant's days-to-civil algorithm)."""
    try:
        return f"{_dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc):%Y-%m-%dT%H:%M:%S}"
    except (ValueError, OverflowError, OSError):
        return civil_time(seconds)


def civil_time(seconds: int) -> str:
    """Seconds since the epoch as an ISO 8601 expanded (signed, 6-digit year) UTC time, for any year."""
    days, secs = divmod(seconds, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day, month = doy - (153 * mp + 2) // 5 + 1, mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    hour, minute, second = secs // 3600, secs // 60 % 60, secs % 60
    return f"{'+' if year > 0 else '-'}{abs(year):06d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


_DAYS: dict[int, str] = {}                 # days since the epoch -> "YYYY-MM-DDT"
_SECONDS: dict[int, str] = {}              # whole seconds since the epoch -> "YYYY-MM-DDTHH:MM:SS"


def _new_second(seconds: int) -> str:
    """``_utc_seconds(seconds)`` from the day's text and the time of day (the plain and the expanded form
    change over only at midnight: years 1 and 10000 begin at one), kept in ``_SECONDS``."""
    days, secs = divmod(seconds, 86400)
    day = _DAYS.get(days)
    if day is None:
        if len(_DAYS) >= _CACHE_LIMIT:
            _DAYS.clear()
        day = _DAYS[days] = _utc_seconds(days * 86400)[:-8]
    if len(_SECONDS) >= _CACHE_LIMIT:
        _SECONDS.clear()
    text = _SECONDS[seconds] = f"{day}{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    return text


def iso_time(ts_ns: int) -> str:
    seconds, rest = divmod(ts_ns, 10**9)
    return f"{_SECONDS.get(seconds) or _new_second(seconds)}.{rest // 1000:06d}Z"


_IP_TEXT: dict[object, str] = {}           # ipaddress object -> its text; servers recur on most rows


def _ip_text(ip: object) -> str:
    found = _IP_TEXT.get(ip)
    if found is None:
        if len(_IP_TEXT) >= _CACHE_LIMIT:
            _IP_TEXT.clear()
        found = _IP_TEXT[ip] = str(ip)
    return found


def text(raw: bytes | None) -> str | None:
    """Bytes from the wire as text; invalid UTF-8 kept visible as \\xNN escapes."""
    return None if raw is None else raw.decode("utf-8", errors="backslashreplace")


_HEX_LISTS: dict[tuple[int, ...], list[str]] = {}   # a hello's code list -> its texts; clients repeat theirs
_HEX_LIST_MAX = 128                                  # longer lists are not kept (bounds the cache's memory)


def _hexes(codes: tuple[int, ...] | None) -> list[str] | None:
    """The codes as hex texts, in a new list (a caller may change the row it gets)."""
    if codes is None:
        return None
    found = _HEX_LISTS.get(codes)
    if found is None:
        found = list(map(_HEX.__getitem__, codes))
        if len(codes) > _HEX_LIST_MAX:
            return found
        if len(_HEX_LISTS) >= _CACHE_LIMIT:
            _HEX_LISTS.clear()
        _HEX_LISTS[codes] = found
    return found.copy()


_BLANK_ROW = dict.fromkeys(FIELDS)          # every row starts as a copy: FIELDS' order, every value None


def connection_row(c: Connection) -> dict[str, object]:
    """The connection as a dict with FIELDS as keys, in order; values are JSON types.

    The row starts from ``_BLANK_ROW``, so a value is set only where the connection has one; each part
    of the connection (hellos, alert, identity) is looked at once."""
    hexes, hex_of = _hexes, _HEX.__getitem__
    row = _BLANK_ROW.copy()
    row["capture"], row["conn"], row["transport"] = c.capture, c.conn, c.transport
    row["ts"], row["last_ts"] = iso_time(c.ts_ns), iso_time(c.last_ts_ns)
    client, server = c.client, c.server
    row["client_ip"], row["client_port"] = _ip_text(client.ip), client.port
    row["server_ip"], row["server_port"] = _ip_text(server.ip), server.port
    if c.client_record_version is not None:
        row["record_version"] = hex_of(c.client_record_version)
    ch = c.client_hello
    if ch is not None:
        row["sni"] = text(ch.server_name)
        row["client_version"] = hex_of(ch.legacy_version)
        row["client_supported_versions"] = hexes(client_supported_versions(c))
        row["client_cipher_suites"] = hexes(ch.cipher_suites)
        row["client_max_version"] = version_name(client_max_version(c))
        if ch.alpn is not None:
            row["alpn"] = [text(p) for p in ch.alpn]
        row["client_signature_algorithms"] = hexes(ch.signature_algorithms)
        if ch.extensions is not None:
            row["client_extensions"] = [hex_of(e.type) for e in ch.extensions]
        row["client_sslv2"], row["has_ech"] = ch.sslv2, ch.has_ech
        row["client_hello_malformed"] = ch.malformed
    final_ch = c.retry_client_hello or ch             # groups as offered last (after a HelloRetryRequest)
    if final_ch is not None:
        row["client_groups"] = hexes(final_ch.supported_groups)
        row["client_key_share_groups"] = hexes(final_ch.key_share_groups)
    sh = c.server_hello
    if sh is not None:
        row["server_version"] = hex_of(sh.legacy_version)
        row["server_selected_version"] = hex16(sh.selected_version)
        if sh.cipher_suite is not None:
            row["cipher_suite_id"] = hex_of(sh.cipher_suite)
            row["cipher_suite"], row["cipher_suite_openssl"] = _SUITE[sh.cipher_suite]
        row["alpn_selected"] = text(sh.alpn)
        if sh.extensions is not None:
            row["server_extensions"] = [hex_of(e.type) for e in sh.extensions]
        row["server_key_share_group"] = hex16(sh.key_share_group)
        row["server_hello_malformed"] = sh.malformed
    elif c.sslv2_server_hello is not None:
        row["server_version"] = hex_of(c.sslv2_server_hello.version)
    row["negotiated_version"] = version_name(negotiated_version(c))
    row["hello_retry"] = c.hello_retry_request is not None
    alert = first_alert(c)
    if alert is not None:
        row["alert"], row["alert_from"] = _ALERT[alert.description], alert.sender
    row["outcome"] = c.outcome
    ident = c.identity
    if ident is not None:
        row["server_name"], row["name_source"] = ident.server_name, ident.name_source
        row["dns_name"] = ident.dns_name
        if ident.name_chain:
            row["name_chain"] = list(ident.name_chain)
        aws = ident.aws
        if aws is not None:
            row["aws_partition"], row["aws_service"] = aws.partition, aws.service
            row["aws_service_name"] = aws.service_name
            row["aws_region"], row["aws_fips"], row["aws_dualstack"] = aws.region, aws.fips, aws.dualstack
            row["aws_global"], row["aws_s3_form"] = aws.global_endpoint, aws.s3_form
            row["tls12_required_since"] = aws.tls12_required_since
        rng = ident.ip_range
        if rng is not None:
            row["ip_range_prefix"], row["ip_range_region"] = rng.prefix, rng.region
            row["ip_range_services"] = list(rng.services)
    row["tls_offset"], row["upgrade"], row["closed_by"] = c.tls_offset, c.upgrade, c.closed_by
    row["gaps"], row["packets"] = c.gaps, c.packets
    row["client_payload_bytes"], row["server_payload_bytes"] = c.client_payload_bytes, c.server_payload_bytes
    row["errors"] = [f"{e.direction} {e.kind} at offset {e.offset}: {e.detail}" for e in c.errors]
    row["capture_file"] = c.capture_file
    return row
