"""Tests for pcaptls/tls/registry.py: spot checks against two sources, GREASE, names, version ordering,
and the OpenSSL names against the ``openssl`` binary on this machine."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.tls import registry as r

TABLES = {
    "VERSIONS": r.VERSIONS,
    "CONTENT_TYPES": r.CONTENT_TYPES,
    "HANDSHAKE_TYPES": r.HANDSHAKE_TYPES,
    "SSL2_MESSAGE_TYPES": r.SSL2_MESSAGE_TYPES,
    "EXTENSIONS": r.EXTENSIONS,
    "GROUPS": r.GROUPS,
    "SIGNATURE_SCHEMES": r.SIGNATURE_SCHEMES,
    "ALERT_LEVELS": r.ALERT_LEVELS,
    "ALERT_DESCRIPTIONS": r.ALERT_DESCRIPTIONS,
    "EC_POINT_FORMATS": r.EC_POINT_FORMATS,
    "PSK_KEY_EXCHANGE_MODES": r.PSK_KEY_EXCHANGE_MODES,
    "COMPRESSION_METHODS": r.COMPRESSION_METHODS,
    "SSL2_CIPHER_SPECS": r.SSL2_CIPHER_SPECS,
}

GREASE_16 = [0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A, 0x4A4A, 0x5A5A, 0x6A6A, 0x7A7A,
             0x8A8A, 0x9A9A, 0xAAAA, 0xBABA, 0xCACA, 0xDADA, 0xEAEA, 0xFAFA]
GREASE_8 = [0x0B, 0x2A, 0x49, 0x68, 0x87, 0xA6, 0xC5, 0xE4]       # RFC 8701 §2, PskKeyExchangeMode


# --- Constants other modules import ---------------------------------------------------------------

@pytest.mark.parametrize(("const", "value"), [
    ("SSL2", 0x0002), ("SSL3", 0x0300), ("TLS1_0", 0x0301), ("TLS1_1", 0x0302), ("TLS1_2", 0x0303),
    ("TLS1_3", 0x0304),
    ("CT_CHANGE_CIPHER_SPEC", 20), ("CT_ALERT", 21), ("CT_HANDSHAKE", 22), ("CT_APPLICATION_DATA", 23),
    ("CT_HEARTBEAT", 24),
    ("HT_HELLO_REQUEST", 0), ("HT_CLIENT_HELLO", 1), ("HT_SERVER_HELLO", 2), ("HT_HELLO_VERIFY_REQUEST", 3),
    ("HT_NEW_SESSION_TICKET", 4), ("HT_END_OF_EARLY_DATA", 5), ("HT_HELLO_RETRY_REQUEST", 6),
    ("HT_ENCRYPTED_EXTENSIONS", 8), ("HT_CERTIFICATE", 11), ("HT_SERVER_KEY_EXCHANGE", 12),
    ("HT_CERTIFICATE_REQUEST", 13), ("HT_SERVER_HELLO_DONE", 14), ("HT_CERTIFICATE_VERIFY", 15),
    ("HT_CLIENT_KEY_EXCHANGE", 16), ("HT_FINISHED", 20), ("HT_CERTIFICATE_STATUS", 22), ("HT_KEY_UPDATE", 24),
    ("HT_MESSAGE_HASH", 254),
    ("SSL2_MT_ERROR", 0), ("SSL2_MT_CLIENT_HELLO", 1), ("SSL2_MT_CLIENT_MASTER_KEY", 2),
    ("SSL2_MT_SERVER_HELLO", 4),
    ("EXT_SERVER_NAME", 0), ("EXT_STATUS_REQUEST", 5), ("EXT_SUPPORTED_GROUPS", 10),
    ("EXT_EC_POINT_FORMATS", 11), ("EXT_SIGNATURE_ALGORITHMS", 13), ("EXT_ALPN", 16),
    ("EXT_SIGNED_CERTIFICATE_TIMESTAMP", 18), ("EXT_PADDING", 21), ("EXT_ENCRYPT_THEN_MAC", 22),
    ("EXT_EXTENDED_MASTER_SECRET", 23), ("EXT_COMPRESS_CERTIFICATE", 27), ("EXT_RECORD_SIZE_LIMIT", 28),
    ("EXT_SESSION_TICKET", 35), ("EXT_KEY_SHARE_OLD", 40), ("EXT_PRE_SHARED_KEY", 41), ("EXT_EARLY_DATA", 42),
    ("EXT_SUPPORTED_VERSIONS", 43), ("EXT_COOKIE", 44), ("EXT_PSK_KEY_EXCHANGE_MODES", 45),
    ("EXT_CERTIFICATE_AUTHORITIES", 47), ("EXT_POST_HANDSHAKE_AUTH", 49), ("EXT_SIGNATURE_ALGORITHMS_CERT", 50),
    ("EXT_KEY_SHARE", 51), ("EXT_ENCRYPTED_CLIENT_HELLO", 0xFE0D), ("EXT_RENEGOTIATION_INFO", 0xFF01),
    ("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", 0x00FF), ("TLS_FALLBACK_SCSV", 0x5600),
])
def test_public_constants(const: str, value: int) -> None:
    assert getattr(r, const) == value


def test_hrr_random_is_sha256_of_hello_retry_request() -> None:
    assert r.HRR_RANDOM == hashlib.sha256(b"HelloRetryRequest").digest()
    assert r.HRR_RANDOM[:4] == b"\xcf\x21\xad\x74" and r.HRR_RANDOM[-4:] == b"\xc8\xa8\x33\x9c"
    assert r.TLS13_DOWNGRADE_TLS12 == b"DOWNGRD\x01" and r.TLS13_DOWNGRADE_TLS11 == b"DOWNGRD\x00"


# --- Spot checks: each value below was seen in at least two of IANA, Wireshark, OpenSSL, testssl.sh ----

@pytest.mark.parametrize(("code", "iana", "openssl"), [
    (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
    (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
    (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
    (0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
    (0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"),
    (0x1304, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256"),
    (0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256"),
    (0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", None),
    (0x5600, "TLS_FALLBACK_SCSV", None),
    (0x0000, "TLS_NULL_WITH_NULL_NULL", None),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5"),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"),
    (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"),
    (0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5"),
    (0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA"),
    (0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", "EDH-RSA-DES-CBC-SHA"),
    (0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA"),
    (0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", "IDEA-CBC-SHA"),
    (0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA"),
    (0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA"),
    (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"),
    (0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"),
    (0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256", "ARIA128-GCM-SHA256"),
    (0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256", None),
    (0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8", "DHE-PSK-AES128-CCM8"),
    (0xC100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC", "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"),
    (0xC103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L", None),
    (0x00C6, "TLS_SM4_GCM_SM3", None),
    (0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", None),
])
def test_cipher_suites(code: int, iana: str, openssl: str | None) -> None:
    assert r.CIPHER_SUITES[code] == (iana, openssl)
    assert r.suite_name(code) == iana
    assert r.suite_openssl_name(code) == openssl


@pytest.mark.parametrize("code", [0x001C, 0x001D, 0x0060, 0x0062, 0x0064, 0x0080, 0xC0FF, 0xCC13, 0xE410,
                                  0xFEFF, 0xFFE0])
def test_codes_iana_does_not_assign_are_left_out(code: int) -> None:
    assert code not in r.CIPHER_SUITES
    assert r.suite_name(code) == f"unknown(0x{code:04x})"
    assert r.suite_openssl_name(code) is None


@pytest.mark.parametrize(("table", "code", "expected"), [
    (r.GROUPS, 0x0017, "secp256r1"),
    (r.GROUPS, 0x001D, "x25519"),
    (r.GROUPS, 0x001E, "x448"),
    (r.GROUPS, 0x0100, "ffdhe2048"),
    (r.GROUPS, 0x0200, "MLKEM512"),
    (r.GROUPS, 0x0201, "MLKEM768"),
    (r.GROUPS, 0x0202, "MLKEM1024"),
    (r.GROUPS, 0x11EB, "SecP256r1MLKEM768"),
    (r.GROUPS, 0x11EC, "X25519MLKEM768"),
    (r.GROUPS, 0x11ED, "SecP384r1MLKEM1024"),
    (r.GROUPS, 0x11EE, "curveSM2MLKEM768"),
    (r.GROUPS, 0x6399, "X25519Kyber768Draft00"),
    (r.GROUPS, 0x0029, "curveSM2"),
    (r.SIGNATURE_SCHEMES, 0x0804, "rsa_pss_rsae_sha256"),
    (r.SIGNATURE_SCHEMES, 0x0403, "ecdsa_secp256r1_sha256"),
    (r.SIGNATURE_SCHEMES, 0x0807, "ed25519"),
    (r.SIGNATURE_SCHEMES, 0x0201, "rsa_pkcs1_sha1"),
    (r.SIGNATURE_SCHEMES, 0x0904, "mldsa44"),
    (r.SIGNATURE_SCHEMES, 0x0905, "mldsa65"),
    (r.SIGNATURE_SCHEMES, 0x0906, "mldsa87"),
    (r.SIGNATURE_SCHEMES, 0x0402, "dsa_sha256"),
    (r.ALERT_DESCRIPTIONS, 0, "close_notify"),
    (r.ALERT_DESCRIPTIONS, 40, "handshake_failure"),
    (r.ALERT_DESCRIPTIONS, 70, "protocol_version"),
    (r.ALERT_DESCRIPTIONS, 86, "inappropriate_fallback"),
    (r.ALERT_DESCRIPTIONS, 112, "unrecognized_name"),
    (r.ALERT_DESCRIPTIONS, 121, "ech_required"),
    (r.ALERT_LEVELS, 2, "fatal"),
    (r.EXTENSIONS, 0, "server_name"),
    (r.EXTENSIONS, 16, "application_layer_protocol_negotiation"),
    (r.EXTENSIONS, 43, "supported_versions"),
    (r.EXTENSIONS, 51, "key_share"),
    (r.EXTENSIONS, 0xFE0D, "encrypted_client_hello"),
    (r.EXTENSIONS, 0xFF01, "renegotiation_info"),
    (r.EXTENSIONS, 0x44CD, "application_settings"),
    (r.HANDSHAKE_TYPES, 1, "client_hello"),
    (r.HANDSHAKE_TYPES, 254, "message_hash"),
    (r.CONTENT_TYPES, 22, "handshake"),
    (r.EC_POINT_FORMATS, 0, "uncompressed"),
    (r.PSK_KEY_EXCHANGE_MODES, 1, "psk_dhe_ke"),
    (r.COMPRESSION_METHODS, 1, "DEFLATE"),
    (r.SSL2_CIPHER_SPECS, 0x010080, "SSL_CK_RC4_128_WITH_MD5"),
    (r.SSL2_CIPHER_SPECS, 0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"),
    (r.SSL2_MESSAGE_TYPES, 2, "client_master_key"),
])
def test_spot_checks(table: dict[int, str], code: int, expected: str) -> None:
    assert table[code] == expected
    assert r.name(table, code) == expected


def test_table_sizes() -> None:
    # Pinned so an accidental deletion shows; update together with the tables and their source comments.
    assert len(r.CIPHER_SUITES) == 356           # IANA snapshot 2026-09-29
    assert len(r.GROUPS) == 59                   # IANA snapshot 2026-09-29
    assert len(r.SIGNATURE_SCHEMES) == 49 + 7    # IANA + TLS 1.2 hash/signature pairs
    assert len(r.EXTENSIONS) == 64 + 2 + 7       # IANA + Wireshark's 40/46 + non-IANA in the wild


# --- Table hygiene ------------------------------------------------------------------------------------

@pytest.mark.parametrize("table_name", sorted(TABLES))
def test_no_duplicate_names_and_sane_keys(table_name: str) -> None:
    table = TABLES[table_name]
    names = list(table.values())
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    limit = 0xFFFFFF if table_name == "SSL2_CIPHER_SPECS" else 0xFFFF
    assert all(isinstance(k, int) and 0 <= k <= limit for k in table)
    assert all(isinstance(v, str) and v and v == v.strip() for v in names)
    assert not any(r.is_grease(k) for k in table), "GREASE values are named by name(), not by tables"


def test_cipher_suite_names_unique_and_well_formed() -> None:
    iana = [v[0] for v in r.CIPHER_SUITES.values()]
    openssl = [v[1] for v in r.CIPHER_SUITES.values() if v[1] is not None]
    assert len(iana) == len(set(iana))
    assert len(openssl) == len(set(openssl))
    assert all(re.fullmatch(r"TLS_[A-Za-z0-9_]+", n) for n in iana)
    assert all(re.fullmatch(r"[A-Z0-9_-]+", n) for n in openssl)
    assert not any(r.is_grease(code) for code in r.CIPHER_SUITES)


def test_tls13_suites_openssl_names_equal_iana_names() -> None:
    for code, (iana, openssl) in r.CIPHER_SUITES.items():
        if code >> 8 == 0x13 and openssl is not None:
            assert openssl == iana


# --- GREASE and unknown values ------------------------------------------------------------------------

@pytest.mark.parametrize("code", GREASE_16)
def test_every_16_bit_grease_value(code: int) -> None:
    assert r.is_grease(code)
    assert r.is_grease(code, width=2)
    for table in (r.EXTENSIONS, r.GROUPS, r.SIGNATURE_SCHEMES):
        assert r.name(table, code) == "GREASE"
    assert r.suite_name(code) == "GREASE"
    assert r.suite_openssl_name(code) is None
    assert r.version_name(code) == "GREASE"
    assert r.version_rank(code) is None
    assert r.normalize_version(code) == code


@pytest.mark.parametrize("code", GREASE_8)
def test_every_8_bit_grease_value(code: int) -> None:
    assert r.is_grease(code, width=1)
    assert not r.is_grease(code)
    assert r.name(r.PSK_KEY_EXCHANGE_MODES, code, width=1) == "GREASE"
    assert r.name(r.PSK_KEY_EXCHANGE_MODES, code) == f"unknown(0x{code:04x})"


def test_grease_sets_are_exactly_rfc_8701() -> None:
    assert [c for c in range(0x10000) if r.is_grease(c)] == GREASE_16
    assert [c for c in range(0x100) if r.is_grease(c, width=1)] == GREASE_8


@pytest.mark.parametrize("width", [0, 3, 4])
def test_is_grease_rejects_other_widths(width: int) -> None:
    with pytest.raises(ValueError):
        r.is_grease(0x0A0A, width)


@pytest.mark.parametrize(("table", "code", "expected"), [
    (r.GROUPS, 0x1234, "unknown(0x1234)"),
    (r.EXTENSIONS, 0xFFFF, "unknown(0xffff)"),
    (r.ALERT_DESCRIPTIONS, 255, "unknown(0x00ff)"),
    (r.SIGNATURE_SCHEMES, 0x0A0B, "unknown(0x0a0b)"),
    (r.SSL2_CIPHER_SPECS, 0x090080, "unknown(0x090080)"),
    ({}, 0, "unknown(0x0000)"),
])
def test_unknown_formatting(table: dict[int, str], code: int, expected: str) -> None:
    assert r.name(table, code) == expected


def test_unknown_suite() -> None:
    assert r.suite_name(0x0A0B) == "unknown(0x0a0b)"
    assert r.suite_openssl_name(0x0A0B) is None


# --- Versions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "expected"), [
    (0x0002, "SSLv2"), (0x0300, "SSLv3"), (0x0301, "TLSv1.0"), (0x0302, "TLSv1.1"), (0x0303, "TLSv1.2"),
    (0x0304, "TLSv1.3"),
    (0x7F0E, "TLSv1.3-draft14"), (0x7F12, "TLSv1.3-draft18"), (0x7F17, "TLSv1.3-draft23"),
    (0x7F1C, "TLSv1.3-draft28"), (0x7F1D, "TLSv1.3-draft29"),
    (0x7E01, "TLSv1.3-experiment1"), (0x7E02, "TLSv1.3-experiment2"), (0x7E03, "TLSv1.3-experiment3"),
    (0xFB17, "TLSv1.3-fb23"), (0xFB1A, "TLSv1.3-fb26"),
    (0xFEFF, "DTLSv1.0"), (0xFEFD, "DTLSv1.2"), (0xFEFC, "DTLSv1.3"), (0x0100, "DTLSv1.0-OpenSSL-pre"),
    (0x0A0A, "GREASE"), (0xFAFA, "GREASE"),
    (0x0305, "unknown(0x0305)"), (0x0000, "unknown(0x0000)"), (0x7E04, "unknown(0x7e04)"),
    (0xFB18, "unknown(0xfb18)"),
])
def test_version_name(code: int, expected: str) -> None:
    assert r.version_name(code) == expected


def test_version_rank_orders_versions() -> None:
    order = [r.SSL2, r.SSL3, r.TLS1_0, r.TLS1_1, r.TLS1_2]
    ranks = [r.version_rank(v) for v in order]
    assert all(isinstance(x, int) for x in ranks)
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    final = r.version_rank(r.TLS1_3)
    for pre in (0x7F0E, 0x7F17, 0x7F1C, 0x7E01, 0x7E03, 0xFB17, 0xFB1A):
        rank = r.version_rank(pre)
        assert rank is not None and ranks[-1] < rank < final  # type: ignore[operator]
        assert rank == r.version_rank(0x7F17)


@pytest.mark.parametrize("code", [0xFEFF, 0xFEFD, 0xFEFC, 0x0100, 0x0A0A, 0x0305, 0x0000, 0x0101, 0xFFFF])
def test_version_rank_none_off_the_scale(code: int) -> None:
    assert r.version_rank(code) is None


@pytest.mark.parametrize(("code", "expected"), [
    (0x7F17, 0x0304), (0x7F1C, 0x0304), (0x7E02, 0x0304), (0xFB1A, 0x0304), (0x0304, 0x0304),
    (0x0303, 0x0303), (0x0300, 0x0300), (0xFEFD, 0xFEFD), (0x0A0A, 0x0A0A), (0x1234, 0x1234),
])
def test_normalize_version(code: int, expected: int) -> None:
    assert r.normalize_version(code) == expected


@given(st.integers(min_value=0, max_value=0xFFFF))
def test_version_functions_agree_on_any_uint16(code: int) -> None:
    label = r.version_name(code)
    assert isinstance(label, str) and label
    rank = r.version_rank(code)
    if rank is not None:
        assert r.normalize_version(code) in (r.SSL2, r.SSL3, r.TLS1_0, r.TLS1_1, r.TLS1_2, r.TLS1_3)
        assert r.version_rank(r.normalize_version(code)) >= rank  # type: ignore[operator]
    if r.normalize_version(code) != code:
        assert label.startswith("TLSv1.3-")
    for table in (r.EXTENSIONS, r.GROUPS, r.SIGNATURE_SCHEMES, r.ALERT_DESCRIPTIONS):
        assert isinstance(r.name(table, code), str)
    assert isinstance(r.suite_name(code), str)


# --- Cross-checks against tools on this machine ------------------------------------------------------

_OPENSSL_LINE = re.compile(
    r"^\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2}) - (\S+)(?:\s+- (\S+))?\s+(?:SSLv3|TLSv1(?:\.[0-3])?)\s")
_OPENSSL_SSL2_LINE = re.compile(r"^\s*0x[0-9A-Fa-f]{2},0x[0-9A-Fa-f]{2},0x[0-9A-Fa-f]{2} - ")


def _openssl_ciphers() -> list[tuple[int, str | None, str]]:
    """(code, RFC name or None, OpenSSL name) for every suite the local openssl prints."""
    base = ["openssl", "ciphers", "-V"]
    selector = ["ALL:COMPLEMENTOFALL:@SECLEVEL=0"]
    done = subprocess.run([*base, "-stdname", *selector], capture_output=True, text=True, timeout=60)
    stdname = done.returncode == 0
    if not stdname:                               # openssl before 1.1.1 has no -stdname
        done = subprocess.run([*base, *selector], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = []
    for line in done.stdout.splitlines():
        if _OPENSSL_SSL2_LINE.match(line):
            continue                              # 3-byte SSLv2 specs (OpenSSL 1.0.x and older)
        m = _OPENSSL_LINE.match(line)
        assert m, f"unparsed openssl line: {line!r}"
        code = int(m[1] + m[2], 16)
        if stdname:
            rows.append((code, m[3], m[4]))
        else:
            rows.append((code, None, m[3]))
    return rows


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl binary")
def test_openssl_names_match_local_openssl() -> None:
    rows = _openssl_ciphers()
    assert len(rows) >= 30
    checked = 0
    for code, rfc_name, openssl_name in rows:
        if code not in r.CIPHER_SUITES:
            continue                              # e.g. engine-only GOST suites outside the IANA registry
        iana, ours = r.CIPHER_SUITES[code]
        assert ours == openssl_name, f"0x{code:04x}: table {ours!r}, openssl {openssl_name!r}"
        if rfc_name is not None:
            assert iana == rfc_name, f"0x{code:04x}: table {iana!r}, openssl -stdname {rfc_name!r}"
        checked += 1
    assert checked >= 30


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="no tshark binary")
def test_iana_suite_and_group_names_match_tshark() -> None:
    done = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    fields = {"tls.handshake.ciphersuite": {}, "tls.handshake.extensions_supported_group": {}}
    for line in done.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "V" and parts[1] in fields:
            fields[parts[1]][int(parts[2], 0)] = parts[3]
    suites, groups = fields.values()
    assert len(suites) > 300 and len(groups) > 30
    compared = 0
    for code, (iana, _) in r.CIPHER_SUITES.items():
        if code in suites:
            assert suites[code] == iana, f"0x{code:04x}"
            compared += 1
    assert compared > 300
    for code, label in r.GROUPS.items():
        if code <= 0x0104 and code in groups:     # tshark's 0x0200-0x02FF are pre-standard OQS names
            assert groups[code] == label, f"0x{code:04x}"
