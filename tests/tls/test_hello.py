"""Tests for pcaptls/tls/hello.py: ClientHello / ServerHello / HelloRetryRequest / SSLv2 hellos.

Byte literals carry a comment per field (tlslite-ng style); the TLS ones are checked against scapy's TLS
layer built with every random field pinned (STYLE §3.6), the SSLv2 and draft ones come from real captures.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.tls.extensions import (
    ProtocolName, ServerName, TLS_Ext_ALPN, TLS_Ext_Cookie, TLS_Ext_PSKKeyExchangeModes, TLS_Ext_ServerName,
    TLS_Ext_SignatureAlgorithms, TLS_Ext_SupportedGroups, TLS_Ext_SupportedPointFormat, TLS_Ext_SupportedVersion_CH,
    TLS_Ext_SupportedVersion_SH, TLS_Ext_Unknown,
)
from scapy.layers.tls.handshake import TLS13HelloRetryRequest, TLS13ServerHello, TLSClientHello
from scapy.layers.tls.keyexchange_tls13 import (
    KeyShareEntry, TLS_Ext_KeyShare_CH, TLS_Ext_KeyShare_HRR, TLS_Ext_KeyShare_SH,
)

from pcaptls.errors import MalformedHandshake
from pcaptls.tls import registry
from pcaptls.tls.hello import (
    ClientHello, Extension, ExtensionError, ServerHello, SSLv2ServerHello, parse_client_hello,
    parse_hello_retry_request_draft, parse_server_hello, parse_sslv2_client_hello, parse_sslv2_server_hello,
)

BASE = 1_000          # absolute offset of every body below (the 4-byte handshake header ends here)

# ---- (a) byte literals --------------------------------------------------------------------------------

TLS12_CLIENT_HELLO = (
    b"\x03\x03"                     # legacy_version - TLS 1.2
    + b"\x01" * 32                  # random
    + b"\x00"                       # session_id length - 0
    + b"\x00\x04"                   # cipher_suites length - 4 (2 suites)
    + b"\xc0\x2f\x00\x9c"           # ECDHE-RSA-AES128-GCM-SHA256, RSA-AES128-GCM-SHA256
    + b"\x01\x00"                   # compression methods - 1: null
    + b"\x00\x40"                   # extensions length - 64
    + b"\x00\x00"                   # extension type - server_name (0)
    + b"\x00\x10"                   #   extension length - 16
    + b"\x00\x0e"                   #   server_name_list length - 14
    + b"\x00"                       #   name type - host_name
    + b"\x00\x0b"                   #   host_name length - 11
    + b"example.com"
    + b"\x00\x10"                   # extension type - ALPN (16)
    + b"\x00\x0e"                   #   extension length - 14
    + b"\x00\x0c"                   #   protocol_name_list length - 12
    + b"\x02" + b"h2"               #   protocol - h2
    + b"\x08" + b"http/1.1"         #   protocol - http/1.1
    + b"\x00\x0a"                   # extension type - supported_groups (10)
    + b"\x00\x06"                   #   extension length - 6
    + b"\x00\x04\x00\x1d\x00\x17"   #   named_group_list - x25519, secp256r1
    + b"\x00\x0b"                   # extension type - ec_point_formats (11)
    + b"\x00\x02"                   #   extension length - 2
    + b"\x01\x00"                   #   ec_point_format_list - uncompressed
    + b"\x00\x0d"                   # extension type - signature_algorithms (13)
    + b"\x00\x06"                   #   extension length - 6
    + b"\x00\x04\x04\x03\x08\x04"   #   ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
)
TLS12_CLIENT_HELLO_EXTENSIONS_AT = 2 + 32 + 1 + 6 + 2
assert len(TLS12_CLIENT_HELLO) == TLS12_CLIENT_HELLO_EXTENSIONS_AT + 2 + 20 + 18 + 10 + 6 + 10

TLS13_CLIENT_HELLO = (
    b"\x03\x03"                     # legacy_version - TLS 1.2
    + b"\x02" * 32                  # random
    + b"\x20" + b"\x03" * 32        # legacy_session_id - 32 bytes (middlebox compatibility)
    + b"\x00\x06"                   # cipher_suites length - 6
    + b"\x0a\x0a\x13\x01\x13\x02"   # GREASE, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384
    + b"\x01\x00"                   # compression methods - null
    + b"\x00\x4e"                   # extensions length - 78
    + b"\x1a\x1a\x00\x00"           # GREASE extension, empty
    + b"\x00\x2b"                   # extension type - supported_versions (43)
    + b"\x00\x07"                   #   extension length - 7
    + b"\x06"                       #   versions length - 6
    + b"\x3a\x3a\x03\x04\x03\x03"   #   GREASE, TLS 1.3, TLS 1.2
    + b"\x00\x33"                   # extension type - key_share (51)
    + b"\x00\x2b"                   #   extension length - 43
    + b"\x00\x29"                   #   client_shares length - 41
    + b"\x4a\x4a\x00\x01\x00"       #   GREASE group, 1-byte key
    + b"\x00\x1d\x00\x20"           #   x25519, 32-byte key
    + b"\x05" * 32
    + b"\x00\x2d"                   # extension type - psk_key_exchange_modes (45)
    + b"\x00\x02"                   #   extension length - 2
    + b"\x01\x01"                   #   ke_modes - psk_dhe_ke
    + b"\x00\x0a"                   # extension type - supported_groups (10)
    + b"\x00\x06"                   #   extension length - 6
    + b"\x00\x04\x4a\x4a\x00\x1d"   #   GREASE, x25519
)
TLS13_CLIENT_HELLO_EXTENSIONS_AT = 2 + 32 + 33 + 8 + 2
assert len(TLS13_CLIENT_HELLO) == TLS13_CLIENT_HELLO_EXTENSIONS_AT + 2 + 4 + 11 + 47 + 6 + 10

TLS13_SERVER_HELLO = (
    b"\x03\x03"                     # legacy_version - TLS 1.2
    + b"\x04" * 32                  # random
    + b"\x20" + b"\x03" * 32        # legacy_session_id_echo
    + b"\x13\x01"                   # cipher_suite - TLS_AES_128_GCM_SHA256
    + b"\x00"                       # legacy_compression_method
    + b"\x00\x2e"                   # extensions length - 46
    + b"\x00\x2b\x00\x02"           # supported_versions, 2 bytes
    + b"\x03\x04"                   #   selected_version - TLS 1.3
    + b"\x00\x33\x00\x24"           # key_share, 36 bytes
    + b"\x00\x1d\x00\x20"           #   x25519, 32-byte key
    + b"\x06" * 32
)
TLS13_SERVER_HELLO_EXTENSIONS_AT = 2 + 32 + 33 + 3
assert len(TLS13_SERVER_HELLO) == TLS13_SERVER_HELLO_EXTENSIONS_AT + 2 + 6 + 40

HELLO_RETRY_REQUEST = (
    b"\x03\x03"                     # legacy_version - TLS 1.2
    + registry.HRR_RANDOM           # random - SHA-256("HelloRetryRequest"): this is an HRR
    + b"\x20" + b"\x03" * 32        # legacy_session_id_echo
    + b"\x13\x01"                   # cipher_suite - TLS_AES_128_GCM_SHA256
    + b"\x00"                       # legacy_compression_method
    + b"\x00\x16"                   # extensions length - 22
    + b"\x00\x2b\x00\x02\x03\x04"   # supported_versions - TLS 1.3
    + b"\x00\x33\x00\x02\x00\x17"   # key_share - selected_group secp256r1 (no key in an HRR)
    + b"\x00\x2c\x00\x06"           # cookie, 6 bytes
    + b"\x00\x04\xc0\x0c\x1e\x00"   #   cookie<1..2^16-1>
)
HELLO_RETRY_REQUEST_EXTENSIONS_AT = TLS13_SERVER_HELLO_EXTENSIONS_AT
assert len(HELLO_RETRY_REQUEST) == HELLO_RETRY_REQUEST_EXTENSIONS_AT + 2 + 22

# TLS 1.3 draft-18 ServerHello, from suricata-verify tests/tls13_draft18 (server 52.32.149.186:443).
DRAFT18_SERVER_HELLO = bytes.fromhex(
    "7f12"                                                              # version - TLS 1.3 draft 18
    "02bd41aca41e1c31adf97d61d77a3dc049a2432c95c1853199b53329092afe91"  # random (no session id in drafts)
    "1301"                                                              # cipher_suite (no compression)
    "0028"                                                              # extensions length - 40
    "0028" "0024"                                                       # key_share (draft code point 40)
    "001d" "0020"                                                       #   x25519, 32-byte key
    "488b28156cbe7eac624db0e9457a3d98199a0065f8aa1655884818f6489eaa64"
)
DRAFT18_SERVER_HELLO_EXTENSIONS_AT = 2 + 32 + 2
assert len(DRAFT18_SERVER_HELLO) == DRAFT18_SERVER_HELLO_EXTENSIONS_AT + 2 + 40

# Draft-22 HelloRetryRequest: already a ServerHello with the HRR random, from suricata-verify tls13_draft22.
DRAFT22_HELLO_RETRY_REQUEST = bytes.fromhex(
    "0303"                                                              # legacy_version
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"  # HRR random
    "10" "57abcab1619737b457a116f7f2e1db65"                             # session id echo - 16 bytes
    "1301" "00"                                                         # cipher_suite, compression
    "000c"                                                              # extensions length - 12
    "002b" "0002" "7f16"                                                # supported_versions - draft 22
    "0028" "0002" "0017"                                                # key_share (40) - selected_group secp256r1
)

# SSLv2-compatible CLIENT-HELLO body (after the 2-byte record header and msg_type), from zeek's
# testing/btest/Traces/tls/ssl.v3.pcap, 192.150.187.164:58868 -> 194.127.84.106:443.
SSLV2_CLIENT_HELLO = bytes.fromhex(
    "0301"                                              # version - TLS 1.0
    "003c"                                              # cipher_specs length - 60 (20 specs of 3 bytes)
    "0000"                                              # session_id length - 0
    "0010"                                              # challenge length - 16
    "000039" "000038" "000035" "000033" "000032" "000004" "000005" "00002f" "000016" "000013"
    "feff00" "00000a" "000015" "000012" "fefe00" "000009" "000064" "000062" "000003" "000006"
    "e6b8efdf91cf44f7eae43c83398fdcb2"                  # challenge
)
assert len(SSLV2_CLIENT_HELLO) == 8 + 60 + 16

# SSLv2 SERVER-HELLO body, from zeek's testing/btest/Traces/tls/ssl-v2.pcap, 91.227.4.92:443 (a Plesk
# self-signed certificate, CN=plesk, 903 bytes of DER).
SSLV2_CERTIFICATE = bytes.fromhex(
    "308203833082026b02044eb6f269300d06092a864886f70d0101050500308185310b30090603550406130255533111300f06"
    "03550408130856697267696e69613110300e060355040713074865726e646f6e31123010060355040a1309506172616c6c656c"
    "73310e300c060355040b1305506c65736b310e300c06035504031305706c65736b311d301b06092a864886f70d010901160e69"
    "6e666f40706c65736b2e636f6d301e170d3131313130363230343733375a170d3132313130353230343733375a308185310b30"
    "090603550406130255533111300f0603550408130856697267696e69613110300e060355040713074865726e646f6e31123010"
    "060355040a1309506172616c6c656c73310e300c060355040b1305506c65736b310e300c06035504031305706c65736b311d30"
    "1b06092a864886f70d010901160e696e666f40706c65736b2e636f6d30820122300d06092a864886f70d01010105000382010f"
    "003082010a0282010100a3a1ce479cb1b47d77a605f052c6e8f4776734e0400d5d7f92dc8f6377fe7264d7e561d93e9d726a13"
    "931f4e623bfb71849f19daba218c1a9427998f1927dfcc8b27461f75659705d3ed0e4c1978d910328ba63542e84f6d74e7645c"
    "f0be5317012f5f69cb3cc897f6bfce0d864bb06ac08169eab79559246ab8bda0eb4a135212741a6679c4d482f2b3e2d6f9b41f"
    "fd26a44b89ad41a3d8950b0063030b6bf66aa05df0fc7f19c9c4571d2aac768709236333a4b740da6ccda771126b8f81d46ca3"
    "0d5462d2022706b0ae1fd8d7aa27c896c8c95cfba2647594cc0869a8f360ee7332a221db4d6a3f29abbd16cf631a95f722df02"
    "4aaff4bb7da89aa2b5c9f10203010001300d06092a864886f70d0101050500038201010038dfc76790eba15676bae451752a7f"
    "2f2734297d231cf9b5db2bc3882c621aeef34f05210127abb61a43127734527fbdad15b2b95785942f9ff9b13a67f0399b8f1a"
    "ab043838c8e121bc1afb68de357f0788951eb5d8996c9aa79a153bfa5cba82246abf10e755a56a3b21626efa84f4169547520e"
    "1bf56022b15cf1c90379220ccea86d75bef27913852aacd51d0e67d341d80e9c04becf9d0679816703117469dc6e993f2b8b35"
    "050a76b9ba7a66047cde633aae47eba0a34bb712bdb297bc52eb0bf35e3ecd3261ce288fd4804d254d72e9203cf4470eec20f8"
    "92cbef3c69d1436daa670975527b161833381d0d2039ff4c7d41159e1c392c58afbb533ffd"
)
SSLV2_SERVER_HELLO = (
    b"\x00"                         # session_id_hit - no
    + b"\x01"                       # certificate_type - X.509
    + b"\x00\x02"                   # server_version - SSL 2.0
    + b"\x03\x87"                   # certificate length - 903
    + b"\x00\x12"                   # cipher_specs length - 18 (6 specs)
    + b"\x00\x10"                   # connection_id length - 16
    + SSLV2_CERTIFICATE
    + bytes.fromhex("0700c0" "030080" "010080" "060040" "040080" "020080")    # cipher specs
    + bytes.fromhex("b01a19a135e793cebecd5204d9e0c699")                      # connection_id
)
assert len(SSLV2_CERTIFICATE) == 903 and len(SSLV2_SERVER_HELLO) == 10 + 903 + 18 + 16


def test_tls12_client_hello_with_sni_alpn_groups() -> None:
    hello = parse_client_hello(TLS12_CLIENT_HELLO, BASE)
    assert hello == ClientHello(
        legacy_version=0x0303, random=b"\x01" * 32, session_id=b"", cipher_suites=(0xC02F, 0x009C),
        compression_methods=(0,),
        extensions=(
            Extension(0, TLS12_CLIENT_HELLO[49:65], BASE + 45),
            Extension(16, TLS12_CLIENT_HELLO[69:83], BASE + 65),
            Extension(10, b"\x00\x04\x00\x1d\x00\x17", BASE + 83),
            Extension(11, b"\x01\x00", BASE + 93),
            Extension(13, b"\x00\x04\x04\x03\x08\x04", BASE + 99),
        ),
        server_name=b"example.com", alpn=(b"h2", b"http/1.1"), supported_versions=None,
        supported_groups=(0x1D, 0x17), signature_algorithms=(0x0403, 0x0804), key_share_groups=None,
        psk_key_exchange_modes=None, ec_point_formats=(0,), has_ech=False, extension_errors=(), sslv2=False,
        offset=BASE,
    )


def test_tls13_client_hello_keeps_grease() -> None:
    hello = parse_client_hello(TLS13_CLIENT_HELLO, BASE)
    assert hello.session_id == b"\x03" * 32 and hello.cipher_suites == (0x0A0A, 0x1301, 0x1302)
    assert [ext.type for ext in hello.extensions or ()] == [0x1A1A, 43, 51, 45, 10]
    assert hello.supported_versions == (0x3A3A, 0x0304, 0x0303)
    assert hello.key_share_groups == (0x4A4A, 0x1D)
    assert hello.psk_key_exchange_modes == (1,)
    assert hello.supported_groups == (0x4A4A, 0x1D)
    assert (hello.server_name, hello.alpn, hello.extension_errors) == (None, None, ())


def test_tls13_server_hello() -> None:
    assert parse_server_hello(TLS13_SERVER_HELLO, BASE) == ServerHello(
        legacy_version=0x0303, random=b"\x04" * 32, session_id=b"\x03" * 32, cipher_suite=0x1301,
        compression_method=0,
        extensions=(Extension(43, b"\x03\x04", BASE + 72), Extension(51, TLS13_SERVER_HELLO[82:], BASE + 78)),
        selected_version=0x0304, alpn=None, key_share_group=0x1D, is_hello_retry_request=False,
        extension_errors=(), offset=BASE,
    )


def test_hello_retry_request_is_recognised_by_its_random() -> None:
    hrr = parse_server_hello(HELLO_RETRY_REQUEST, BASE)
    assert hrr.is_hello_retry_request
    assert (hrr.selected_version, hrr.key_share_group, hrr.cipher_suite) == (0x0304, 0x17, 0x1301)
    assert hrr.extensions is not None and hrr.extensions[2] == Extension(44, b"\x00\x04\xc0\x0c\x1e\x00", BASE + 84)


def test_draft22_hello_retry_request_uses_the_old_key_share() -> None:
    hrr = parse_server_hello(DRAFT22_HELLO_RETRY_REQUEST, BASE)
    assert hrr.is_hello_retry_request and hrr.session_id == bytes.fromhex("57abcab1619737b457a116f7f2e1db65")
    assert (hrr.selected_version, hrr.key_share_group) == (0x7F16, 0x17)


def test_draft14_server_hello_with_0x0304_in_the_version_field() -> None:
    """suricata-verify tls13_draft14: the layout is the draft one (tshark 4.0 reads it as TLS 1.2 and gets a
    garbage cipher suite); draft 14 still negotiated TLS 1.2 suites."""
    hello = parse_server_hello(b"\x03\x04" + DRAFT18_SERVER_HELLO[2:34] + b"\xc0\x2b" + DRAFT18_SERVER_HELLO[36:], BASE)
    assert (hello.cipher_suite, hello.session_id, hello.compression_method) == (0xC02B, b"", None)


def test_draft18_server_hello_has_no_session_id_or_compression() -> None:
    hello = parse_server_hello(DRAFT18_SERVER_HELLO, BASE)
    assert hello == ServerHello(
        legacy_version=0x7F12, random=DRAFT18_SERVER_HELLO[2:34], session_id=b"", cipher_suite=0x1301,
        compression_method=None, extensions=(Extension(40, DRAFT18_SERVER_HELLO[42:], BASE + 38),),
        selected_version=None, alpn=None, key_share_group=0x1D, is_hello_retry_request=False,
        extension_errors=(), offset=BASE,
    )


@pytest.mark.parametrize(("body", "suite"), [
    (b"\x7f\x12" + b"\x00\x06" + b"\x00\x28\x00\x02\x00\x17", None),               # draft 18: no cipher suite
    (b"\x7f\x13" + b"\x13\x01" + b"\x00\x06" + b"\x00\x28\x00\x02\x00\x17", 0x1301),  # draft 19 added it
    (b"\x7e\x01" + b"\x00\x06" + b"\x00\x28\x00\x02\x00\x17", None),               # experiment: layout by size
    (b"\x7e\x01" + b"\x13\x02" + b"\x00\x06" + b"\x00\x28\x00\x02\x00\x17", 0x1302),
])
def test_draft_hello_retry_request(body: bytes, suite: int | None) -> None:
    hrr = parse_hello_retry_request_draft(body, BASE)
    assert hrr.is_hello_retry_request and hrr.cipher_suite == suite
    assert hrr.legacy_version == int.from_bytes(body[:2], "big")
    assert (hrr.selected_version, hrr.key_share_group) == (None, 0x17)
    assert (hrr.random, hrr.session_id, hrr.compression_method) == (b"", b"", None)


def test_sslv2_compatible_client_hello() -> None:
    hello = parse_sslv2_client_hello(SSLV2_CLIENT_HELLO, BASE)
    assert hello.sslv2 and hello.legacy_version == 0x0301 and hello.offset == BASE
    assert hello.random == bytes.fromhex("e6b8efdf91cf44f7eae43c83398fdcb2") and hello.session_id == b""
    assert len(hello.sslv2_cipher_specs) == 20 and hello.sslv2_cipher_specs[10] == 0xFEFF00
    assert hello.cipher_suites == (0x39, 0x38, 0x35, 0x33, 0x32, 0x04, 0x05, 0x2F, 0x16, 0x13,
                                   0x0A, 0x15, 0x12, 0x09, 0x64, 0x62, 0x03, 0x06)
    assert (hello.extensions, hello.compression_methods, hello.server_name, hello.has_ech) == (None, (), None, False)


def test_sslv2_server_hello() -> None:
    assert parse_sslv2_server_hello(SSLV2_SERVER_HELLO, BASE) == SSLv2ServerHello(
        session_id_hit=0, certificate_type=1, version=0x0002, certificate=SSLV2_CERTIFICATE,
        cipher_specs=(0x0700C0, 0x030080, 0x010080, 0x060040, 0x040080, 0x020080),
        connection_id=bytes.fromhex("b01a19a135e793cebecd5204d9e0c699"), offset=BASE,
    )


@pytest.mark.parametrize(("ours", "scapy_packet"), [
    (TLS12_CLIENT_HELLO, TLSClientHello(
        version=0x0303, gmt_unix_time=0x01010101, random_bytes=b"\x01" * 28, sid=b"", ciphers=[0xC02F, 0x009C],
        comp=[0], ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=b"example.com")]),
                       TLS_Ext_ALPN(protocols=[ProtocolName(protocol=b"h2"), ProtocolName(protocol=b"http/1.1")]),
                       TLS_Ext_SupportedGroups(groups=[29, 23]), TLS_Ext_SupportedPointFormat(ecpl=[0]),
                       TLS_Ext_SignatureAlgorithms(sig_algs=[0x0403, 0x0804])])),
    (TLS13_CLIENT_HELLO, TLSClientHello(
        version=0x0303, gmt_unix_time=0x02020202, random_bytes=b"\x02" * 28, sid=b"\x03" * 32,
        ciphers=[0x0A0A, 0x1301, 0x1302], comp=[0],
        ext=[TLS_Ext_Unknown(type=0x1A1A, val=b""), TLS_Ext_SupportedVersion_CH(versions=[0x3A3A, 0x0304, 0x0303]),
             TLS_Ext_KeyShare_CH(client_shares=[KeyShareEntry(group=0x4A4A, key_exchange=b"\x00"),
                                                KeyShareEntry(group=29, key_exchange=b"\x05" * 32)]),
             TLS_Ext_PSKKeyExchangeModes(kxmodes=[1]), TLS_Ext_SupportedGroups(groups=[0x4A4A, 29])])),
    (TLS13_SERVER_HELLO, TLS13ServerHello(
        version=0x0303, random_bytes=b"\x04" * 32, sid=b"\x03" * 32, cipher=0x1301,
        ext=[TLS_Ext_SupportedVersion_SH(version=0x0304),
             TLS_Ext_KeyShare_SH(server_share=KeyShareEntry(group=29, key_exchange=b"\x06" * 32))])),
    (HELLO_RETRY_REQUEST, TLS13HelloRetryRequest(
        version=0x0303, sid=b"\x03" * 32, cipher=0x1301,
        ext=[TLS_Ext_SupportedVersion_SH(version=0x0304), TLS_Ext_KeyShare_HRR(selected_group=23),
             TLS_Ext_Cookie(cookie=b"\xc0\x0c\x1e\x00")])),
], ids=["tls12-client-hello", "tls13-client-hello", "tls13-server-hello", "hello-retry-request"])
def test_byte_literals_match_scapy(ours: bytes, scapy_packet: object) -> None:
    assert bytes(scapy_packet)[4:] == ours     # scapy's message minus the 4-byte handshake header


# ---- semantic problems are data, framing problems are errors ------------------------------------------

def _client_hello_with(extensions: bytes) -> bytes:
    return TLS12_CLIENT_HELLO[:TLS12_CLIENT_HELLO_EXTENSIONS_AT] + len(extensions).to_bytes(2, "big") + extensions


def test_malformed_known_extension_is_recorded_not_fatal() -> None:
    bad_sni = b"\x00\x00" + b"\x00\x05" + b"\x00\x09\x00\x00\x05"      # list claims 9 bytes, has 3
    hello = parse_client_hello(_client_hello_with(bad_sni + b"\x00\x0a\x00\x04\x00\x02\x00\x17"), BASE)
    assert hello.server_name is None and hello.supported_groups == (0x17,)
    assert hello.extensions is not None and hello.extensions[0] == Extension(0, bad_sni[4:], BASE + 45)
    assert hello.extension_errors == (ExtensionError(0, BASE + 51, "server_name_list: need 9 bytes, 3 left"),)


def test_empty_extensions_block_differs_from_none() -> None:
    assert parse_client_hello(_client_hello_with(b""), BASE).extensions == ()
    assert parse_client_hello(TLS12_CLIENT_HELLO[:TLS12_CLIENT_HELLO_EXTENSIONS_AT], BASE).extensions is None


def test_old_key_share_and_ech_in_a_client_hello() -> None:
    old_key_share = b"\x00\x28" + b"\x00\x06" + b"\x00\x04\x00\x17\x00\x00"
    ech = b"\xfe\x0d" + b"\x00\x01" + b"\x01"                          # ECHClientHello inner
    hello = parse_client_hello(_client_hello_with(old_key_share + ech), BASE)
    assert hello.key_share_groups == (0x17,) and hello.has_ech


@pytest.mark.parametrize(("parse", "body", "what", "offset"), [
    (parse_client_hello, TLS12_CLIENT_HELLO[:34] + b"\x21" + bytes(33) + b"\x00\x00\x00",      # session id of 33
     "client_hello legacy_session_id", BASE + 34),
    (parse_client_hello, TLS12_CLIENT_HELLO[:41] + b"\x02\x00",             # 2 compression methods, 1 there
     "client_hello legacy_compression_methods", BASE + 42),
    (parse_sslv2_client_hello, SSLV2_CLIENT_HELLO[:2] + b"\x00\x3b" + SSLV2_CLIENT_HELLO[4:],     # 59 % 3 != 0
     "sslv2 cipher_specs", BASE + 2),
    (parse_sslv2_server_hello, SSLV2_SERVER_HELLO[:6] + b"\x00\x11" + SSLV2_SERVER_HELLO[8:],
     "sslv2 cipher_specs", BASE + 6),
])
def test_bad_framing_raises_with_the_offset(parse: Callable[[bytes, int], object], body: bytes, what: str,
                                            offset: int) -> None:
    with pytest.raises(MalformedHandshake) as info:
        parse(body, BASE)
    assert (info.value.what, info.value.offset) == (what, offset)


# ---- a damaged extension block: the hello is kept, marked malformed ----------------------------------

Parser = Callable[[bytes, int], object]


def _server_hello_with(extensions: bytes) -> bytes:
    at = TLS13_SERVER_HELLO_EXTENSIONS_AT
    return TLS13_SERVER_HELLO[:at] + len(extensions).to_bytes(2, "big") + extensions


SNI_EXT = TLS12_CLIENT_HELLO[45:65]           # server_name "example.com", 20 bytes with its type and length
ALPN_EXT = TLS12_CLIENT_HELLO[65:83]          # ALPN h2, http/1.1
X = TLS12_CLIENT_HELLO_EXTENSIONS_AT          # where the extension block starts in the ClientHello
DAMAGED_HELLOS = {                            # name -> (parser, body, extensions kept, the error, its offset)
    "trailing byte": (parse_client_hello, TLS12_CLIENT_HELLO + b"\x00", 5,
                      "client_hello at offset 1109: 1 unexpected trailing bytes", BASE + 109),
    "block length past the end": (
        parse_client_hello, TLS12_CLIENT_HELLO[:X] + b"\x00\x50" + TLS12_CLIENT_HELLO[X + 2:], 5,   # 80 > 64
        "extensions at offset 1045: need 80 bytes, 64 left", BASE + X + 2),
    "extension past the block": (
        parse_client_hello, _client_hello_with(SNI_EXT + ALPN_EXT + b"\x00\x0a\x00\x09\x00\x04"), 2,
        "extension 0x000a at offset 1087: need 9 bytes, 2 left", BASE + X + 2 + 38 + 4),
    "extension header cut": (parse_client_hello, _client_hello_with(SNI_EXT + b"\x00\x10\x00"), 1,
                             "extension length at offset 1067: need 2 bytes, 1 left", BASE + X + 2 + 20 + 2),
    "one byte for the block length": (parse_client_hello, TLS12_CLIENT_HELLO[:X] + b"\x00", 0,
                                      "extensions length at offset 1043: need 2 bytes, 1 left", BASE + X),
    "server hello, extension past the block": (
        parse_server_hello, _server_hello_with(TLS13_SERVER_HELLO[72:78] + b"\x00\x33\x00\x30\x00\x1d"), 1,
        "extension 0x0033 at offset 1082: need 48 bytes, 2 left", BASE + 82),
    "server hello, trailing bytes": (parse_server_hello, TLS13_SERVER_HELLO + b"\x00\x00", 2,
                                     "server_hello at offset 1118: 2 unexpected trailing bytes", BASE + 118),
}


@pytest.mark.parametrize("name", DAMAGED_HELLOS)
def test_a_damaged_extension_block_keeps_what_was_read(name: str) -> None:
    """legacy_version, random, session id, suites, compression and the extensions before the damage are kept,
    decoded as usual; the hello says what the damage is and where (MalformedHandshake's text and offset)."""
    parse, body, kept, error, offset = DAMAGED_HELLOS[name]
    hello = parse(body, BASE)
    assert (hello.malformed, hello.malformed_offset) == (error, offset)  # type: ignore[attr-defined]
    assert len(hello.extensions) == kept  # type: ignore[attr-defined]
    block_at = X if parse is parse_client_hello else TLS13_SERVER_HELLO_EXTENSIONS_AT
    assert _sound(hello) == parse(_rebuilt(body, block_at, hello), BASE)


def test_a_damaged_client_hello_decodes_the_extensions_before_the_damage() -> None:
    parse, body, *_ = DAMAGED_HELLOS["extension past the block"]
    hello = parse_client_hello(body, BASE)
    assert (hello.server_name, hello.alpn, hello.supported_groups) == (b"example.com", (b"h2", b"http/1.1"), None)
    assert (hello.legacy_version, hello.cipher_suites, hello.compression_methods) == (0x0303, (0xC02F, 0x009C), (0,))
    assert hello.random == b"\x01" * 32 and hello.extension_errors == ()
    sound = parse_client_hello(TLS12_CLIENT_HELLO, BASE)
    assert (sound.malformed, sound.malformed_offset) == (None, None)


@pytest.mark.parametrize(("parse", "body"), [
    (parse_server_hello, b"\x03\x04" + TLS13_SERVER_HELLO[2:] + b"\x00"),      # 0x0304: layout chosen by size
    (parse_hello_retry_request_draft, b"\x7e\x01" + b"\x13\x01" + b"\x00\x06" + b"\x00\x28\x00\x02\x00"),
])
def test_a_damaged_block_still_fails_a_hello_whose_layout_its_lengths_chose(parse: Parser, body: bytes) -> None:
    """For a TLS 1.3 code of unknown draft the layout is the one whose lengths add up; when none does, the
    fields read are a guess, so the hello fails as before (the same bytes with 0x0303 are kept)."""
    with pytest.raises(MalformedHandshake):
        parse(body, BASE)
    assert parse_server_hello(b"\x03\x03" + TLS13_SERVER_HELLO[2:] + b"\x00", BASE).malformed is not None


def _sound(hello: object) -> object:
    """``hello`` without its malformed mark."""
    return replace(hello, malformed=None, malformed_offset=None)  # type: ignore[type-var]


def _rebuilt(body: bytes, block_at: int, hello: object) -> bytes:
    """The body up to its extension block (at ``block_at``), then a sound block of the extensions ``hello`` kept."""
    block = b"".join(e.type.to_bytes(2, "big") + len(e.data).to_bytes(2, "big") + e.data
                     for e in hello.extensions)  # type: ignore[attr-defined]
    return body[:block_at] + len(block).to_bytes(2, "big") + block


# ---- (b) every truncation -----------------------------------------------------------------------------

HELLOS: dict[str, tuple[Parser, bytes, int | None]] = {     # parser, body, where its extension block starts
    "tls12-client-hello": (parse_client_hello, TLS12_CLIENT_HELLO, TLS12_CLIENT_HELLO_EXTENSIONS_AT),
    "tls13-client-hello": (parse_client_hello, TLS13_CLIENT_HELLO, TLS13_CLIENT_HELLO_EXTENSIONS_AT),
    "tls13-server-hello": (parse_server_hello, TLS13_SERVER_HELLO, TLS13_SERVER_HELLO_EXTENSIONS_AT),
    "hello-retry-request": (parse_server_hello, HELLO_RETRY_REQUEST, HELLO_RETRY_REQUEST_EXTENSIONS_AT),
    "draft18-server-hello": (parse_server_hello, DRAFT18_SERVER_HELLO, DRAFT18_SERVER_HELLO_EXTENSIONS_AT),
    "draft19-hello-retry-request": (parse_hello_retry_request_draft,
                                    b"\x7f\x13\x13\x01\x00\x06\x00\x28\x00\x02\x00\x17", 4),
    "sslv2-client-hello": (parse_sslv2_client_hello, SSLV2_CLIENT_HELLO, None),
    "sslv2-server-hello": (parse_sslv2_server_hello, SSLV2_SERVER_HELLO, None),
}
OPTIONAL_BLOCK = {"draft19-hello-retry-request": False}     # a draft HelloRetryRequest must have extensions


@pytest.mark.parametrize(("name", "cut"), [(name, cut) for name, (_, body, _) in HELLOS.items()
                                           for cut in range(len(body))])
def test_every_truncation_raises_inside_the_cut_or_keeps_what_was_read(name: str, cut: int) -> None:
    """Cut before the extension block: MalformedHandshake inside the cut. Cut where the block starts: a hello
    without one. Cut inside it: the hello with the extensions that fit, marked malformed inside the cut."""
    parse, body, block_at = HELLOS[name]
    if block_at is None or cut < block_at:
        with pytest.raises(MalformedHandshake) as info:
            parse(body[:cut], BASE)
        assert type(info.value) is MalformedHandshake
        assert BASE <= info.value.offset <= BASE + cut
        return
    hello = parse(body[:cut], BASE)
    if cut == block_at and OPTIONAL_BLOCK.get(name, True):
        assert hello.extensions is None and hello.malformed is None  # type: ignore[attr-defined]
        return
    assert hello.malformed is not None  # type: ignore[attr-defined]
    assert BASE + block_at <= hello.malformed_offset <= BASE + cut  # type: ignore[attr-defined]
    full = parse(body, BASE).extensions  # type: ignore[attr-defined]
    kept = hello.extensions  # type: ignore[attr-defined]
    assert kept == full[:len(kept)]
    assert all(e.offset + 4 + len(e.data) <= BASE + cut for e in kept)
    assert len(kept) == sum(e.offset + 4 + len(e.data) <= BASE + cut for e in full)     # every one that fits
    assert _sound(hello) == parse(_rebuilt(body, block_at, hello), BASE)


# ---- (c) arbitrary and mutated bytes -------------------------------------------------------------------

PARSERS = [parse_client_hello, parse_server_hello, parse_hello_retry_request_draft, parse_sslv2_client_hello,
           parse_sslv2_server_hello]


def _mutated(body: bytes) -> st.SearchStrategy[bytes]:
    """A valid body with a few bytes overwritten and maybe cut short: reaches the extension decoders."""
    edits = st.lists(st.tuples(st.integers(0, len(body) - 1), st.integers(0, 255)), max_size=4)
    return st.builds(_apply, st.just(body), edits, st.one_of(st.none(), st.integers(0, len(body))))


def _apply(body: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(body)
    for pos, value in edits:
        out[pos] = value
    return bytes(out[:cut])


INPUTS = st.one_of(st.binary(max_size=300), *[_mutated(body) for _, body, _ in HELLOS.values()])


@given(st.sampled_from(PARSERS), INPUTS)
def test_arbitrary_bytes_parse_or_raise_malformed_handshake(parse: Parser, data: bytes) -> None:
    try:
        result = parse(data, BASE)
    except MalformedHandshake as exc:
        assert type(exc) is MalformedHandshake            # MalformedExtension never escapes a hello
        assert BASE <= exc.offset <= BASE + len(data)
    else:
        for err in getattr(result, "extension_errors", ()):
            assert BASE <= err.offset <= BASE + len(data)
        if getattr(result, "malformed", None) is not None:
            assert BASE <= result.malformed_offset <= BASE + len(data)  # type: ignore[union-attr]


@pytest.mark.parametrize(("version", "draft_layout"), [
    (b"\x7f\x15", True),                # draft 21: old layout
    (b"\x7f\x16", False),               # draft 22 (never seen in this field, but its layout is the RFC one)
    (b"\xfb\x1a", False),               # fizz draft 26
    (b"\x03\x04", True),                # a pre-draft-22 server writing 0x0304: layout decided by size
    (b"\x7e\x01", True),                # BoringSSL experiment: likewise
])
def test_server_hello_layout_by_version(version: bytes, draft_layout: bool) -> None:
    old = version + DRAFT18_SERVER_HELLO[2:]
    new = version + TLS13_SERVER_HELLO[2:]
    hello = parse_server_hello(old if draft_layout else new, BASE)
    assert (hello.compression_method is None) == draft_layout
    assert hello.key_share_group == 0x1D and hello.cipher_suite == 0x1301


def test_unknown_draft_code_with_the_rfc_layout() -> None:
    hello = parse_server_hello(b"\x7e\x01" + TLS13_SERVER_HELLO[2:], BASE)
    assert (hello.session_id, hello.compression_method, hello.selected_version) == (b"\x03" * 32, 0, 0x0304)
