"""One connection as a flat row. Owns: the output field list and order (the contract of docs/schema.md)
and how each value is formatted (hex code points, version names, ISO times). Imports: results, tls.registry.

Renderers (table, JSON, CSV) all start from ``connection_row``; none formats a field itself.
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
    "errors",
)
FIELDS = CONTRACT_FIELDS + IDENTITY_FIELDS + EXTRA_FIELDS


_HEX: dict[int, str] = {}                  # code point -> "0x...." (formatting is a per-row hot spot)


def _hex(code: int) -> str:
    text = _HEX.get(code)
    if text is None:
        text = _HEX[code] = f"0x{code:04x}"
    return text


def hex16(code: int | None) -> str | None:
    return None if code is None else _hex(code)


def version_name(code: int | None) -> str | None:
    return None if code is None else registry.version_name(code)


_SECOND: list = [None, ""]                 # the last whole second formatted, reused by the next rows


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


def iso_time(ts_ns: int) -> str:
    seconds, rest = divmod(ts_ns, 10**9)
    if _SECOND[0] != seconds:
        _SECOND[0], _SECOND[1] = seconds, _utc_seconds(seconds)
    return f"{_SECOND[1]}.{rest // 1000:06d}Z"


def text(raw: bytes | None) -> str | None:
    """Bytes from the wire as text; invalid UTF-8 kept visible as \\xNN escapes."""
    return None if raw is None else raw.decode("utf-8", errors="backslashreplace")


def _hexes(codes: tuple[int, ...] | None) -> list[str] | None:
    return None if codes is None else [_HEX.get(c) or _hex(c) for c in codes]


def connection_row(c: Connection) -> dict[str, object]:
    """The connection as a dict with FIELDS as keys, in order; values are JSON types."""
    ch, sh = c.client_hello, c.server_hello
    alert = first_alert(c)
    suite = sh.cipher_suite if sh is not None else None
    final_ch = c.retry_client_hello or ch
    ident = c.identity
    aws = ident.aws if ident is not None else None
    rng = ident.ip_range if ident is not None else None
    return {
        "capture": c.capture,
        "conn": c.conn,
        "ts": iso_time(c.ts_ns),
        "transport": c.transport,
        "client_ip": str(c.client.ip),
        "client_port": c.client.port,
        "server_ip": str(c.server.ip),
        "server_port": c.server.port,
        "sni": text(ch.server_name) if ch is not None else None,
        "record_version": hex16(c.client_record_version),
        "client_version": hex16(ch.legacy_version) if ch is not None else None,
        "client_supported_versions": _hexes(client_supported_versions(c)),
        "client_cipher_suites": _hexes(ch.cipher_suites) if ch is not None else None,
        "client_max_version": version_name(client_max_version(c)),
        "alpn": [text(p) for p in ch.alpn] if ch is not None and ch.alpn is not None else None,
        "server_version": hex16(sh.legacy_version) if sh is not None else (
            hex16(c.sslv2_server_hello.version) if c.sslv2_server_hello is not None else None),
        "server_selected_version": hex16(sh.selected_version) if sh is not None else None,
        "negotiated_version": version_name(negotiated_version(c)),
        "cipher_suite_id": hex16(suite),
        "cipher_suite": registry.suite_name(suite) if suite is not None else None,
        "cipher_suite_openssl": registry.suite_openssl_name(suite) if suite is not None else None,
        "alpn_selected": text(sh.alpn) if sh is not None and sh.alpn is not None else None,
        "hello_retry": c.hello_retry_request is not None,
        "alert": registry.name(registry.ALERT_DESCRIPTIONS, alert.description) if alert else None,
        "alert_from": alert.sender if alert else None,
        "outcome": c.outcome,
        "server_name": ident.server_name if ident else None,
        "name_source": ident.name_source if ident else None,
        "aws_partition": aws.partition if aws else None,
        "aws_service": aws.service if aws else None,
        "aws_service_name": aws.service_name if aws else None,
        "aws_region": aws.region if aws else None,
        "aws_fips": aws.fips if aws else None,
        "aws_dualstack": aws.dualstack if aws else None,
        "aws_global": aws.global_endpoint if aws else None,
        "aws_s3_form": aws.s3_form if aws else None,
        "tls12_required_since": aws.tls12_required_since if aws else None,
        "name_chain": list(ident.name_chain) if ident and ident.name_chain else None,
        "dns_name": ident.dns_name if ident else None,
        "ip_range_prefix": rng.prefix if rng else None,
        "ip_range_region": rng.region if rng else None,
        "ip_range_services": list(rng.services) if rng else None,
        "last_ts": iso_time(c.last_ts_ns),
        "client_groups": _hexes(final_ch.supported_groups) if final_ch is not None else None,
        "client_key_share_groups": _hexes(final_ch.key_share_groups) if final_ch is not None else None,
        "client_signature_algorithms": _hexes(ch.signature_algorithms) if ch is not None else None,
        "client_extensions": [_hex(e.type) for e in ch.extensions] if ch is not None and ch.extensions is not None else None,
        "client_sslv2": ch.sslv2 if ch is not None else None,
        "server_extensions": [_hex(e.type) for e in sh.extensions] if sh is not None and sh.extensions is not None else None,
        "server_key_share_group": hex16(sh.key_share_group) if sh is not None else None,
        "has_ech": ch.has_ech if ch is not None else None,
        "tls_offset": c.tls_offset,
        "upgrade": c.upgrade,
        "closed_by": c.closed_by,
        "gaps": c.gaps,
        "packets": c.packets,
        "client_payload_bytes": c.client_payload_bytes,
        "server_payload_bytes": c.server_payload_bytes,
        "errors": [f"{e.direction} {e.kind} at offset {e.offset}: {e.detail}" for e in c.errors],
    }
