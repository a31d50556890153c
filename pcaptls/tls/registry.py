"""TLS code points and their names, as data. Owns: the IANA TLS tables, OpenSSL suite names, GREASE and version ranking.
Imports: nothing from pcaptls (standard library only).

Every table maps a raw code point to a display name and is a plain ``dict``; parsers keep the raw ints
and ``report/`` names them at the end with ``name(table, code)`` (STYLE §5.6). Nothing here does I/O.

Sources, checked on 2026-11-28 (each table's comment says which it used):
  [IANA]      IANA "Transport Layer Security (TLS) Parameters" and "TLS ExtensionType Values" registries,
              read from a generated snapshot of the registries dated 2026-09-29 and from the registry's CSV
              exports (tls-parameters-8.csv, tls-signaturescheme.csv).
  [WS]        Wireshark epan/dissectors/packet-tls-utils.c, and ``tshark -G values`` of tshark 4.0.17.
  [OSSL]      ``openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`` of OpenSSL 3.0.19 (with the
              legacy provider and all five TLS 1.3 suites), and OpenSSL's include/openssl/{ssl2,ssl3,tls1}.h.
  [testssl]   testssl.sh etc/cipher-mapping.txt (hex code, OpenSSL name, IANA name).
  [RFC]       the RFC or draft named next to the entry.
Names follow IANA exactly, except that IANA's "_RESERVED" / "(OBSOLETE)" suffixes are dropped: they mark
a deprecated code point, not a different one, and legacy stacks still send those values.
"""
from __future__ import annotations

from collections.abc import Mapping

# --- Protocol versions (ProtocolVersion, uint16) ----------------------------------------------------
SSL2 = 0x0002
SSL3 = 0x0300
TLS1_0 = 0x0301
TLS1_1 = 0x0302
TLS1_2 = 0x0303
TLS1_3 = 0x0304
DTLS1_0 = 0xFEFF
DTLS1_2 = 0xFEFD
DTLS1_3 = 0xFEFC
DTLS1_0_OPENSSL_PRE = 0x0100   # OpenSSL before 0.9.8f ("DTLS1_BAD_VER")

# Source: [WS] ssl_versions (drafts 14-28 as 0x7F0E-0x7F1C, Facebook fizz drafts 0xFB17/0xFB1A, GMTLS,
# DTLS); [RFC] 6347/9147 for DTLS. 0x7E01-0x7E03 are BoringSSL's tls13_experiment/2/3 variants
# (TLS1_3_EXPERIMENT{,2,3}_VERSION, 2017-18); their values come from one source only. Any other 0x7FXX is
# named by version_name() as draft XX (draft-ietf-tls-tls13: "0x7f00 | draft number"). Checked 2026-11-28.
VERSIONS: dict[int, str] = {
    SSL2: "SSLv2",
    SSL3: "SSLv3",
    TLS1_0: "TLSv1.0",
    TLS1_1: "TLSv1.1",
    TLS1_2: "TLSv1.2",
    TLS1_3: "TLSv1.3",
    **{0x7F00 | n: f"TLSv1.3-draft{n}" for n in range(14, 29)},
    0x7E01: "TLSv1.3-experiment1",
    0x7E02: "TLSv1.3-experiment2",
    0x7E03: "TLSv1.3-experiment3",
    0xFB17: "TLSv1.3-fb23",
    0xFB1A: "TLSv1.3-fb26",
    0x0101: "GMTLSv1",   # Chinese TLCP / GM/T 0024 ([WS] "GMTLS")
    DTLS1_0: "DTLSv1.0",
    DTLS1_2: "DTLSv1.2",
    DTLS1_3: "DTLSv1.3",
    DTLS1_0_OPENSSL_PRE: "DTLSv1.0-OpenSSL-pre",
}

# RFC 8446 §4.1.3: ServerHello.random of a HelloRetryRequest is SHA-256("HelloRetryRequest"), and the
# last 8 bytes of a TLS 1.3 server's random signal a downgrade to TLS 1.2 / TLS 1.1 or below.
HRR_RANDOM: bytes = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
TLS13_DOWNGRADE_TLS12: bytes = b"DOWNGRD\x01"
TLS13_DOWNGRADE_TLS11: bytes = b"DOWNGRD\x00"

# --- Record layer: ContentType (uint8) ---------------------------------------------------------------
CT_CHANGE_CIPHER_SPEC = 20
CT_ALERT = 21
CT_HANDSHAKE = 22
CT_APPLICATION_DATA = 23
CT_HEARTBEAT = 24
CT_TLS12_CID = 25
CT_ACK = 26
CT_RETURN_ROUTABILITY_CHECK = 27

# Source: [IANA] TLS ContentType; [WS] 20-25; [RFC] 9146 (25), 9147 (26), 9853 (27). Checked 2026-11-28.
CONTENT_TYPES: dict[int, str] = {
    CT_CHANGE_CIPHER_SPEC: "change_cipher_spec",
    CT_ALERT: "alert",
    CT_HANDSHAKE: "handshake",
    CT_APPLICATION_DATA: "application_data",
    CT_HEARTBEAT: "heartbeat",
    CT_TLS12_CID: "tls12_cid",
    CT_ACK: "ack",
    CT_RETURN_ROUTABILITY_CHECK: "return_routability_check",
}

# --- Handshake: HandshakeType (uint8) ----------------------------------------------------------------
HT_HELLO_REQUEST = 0
HT_CLIENT_HELLO = 1
HT_SERVER_HELLO = 2
HT_HELLO_VERIFY_REQUEST = 3
HT_NEW_SESSION_TICKET = 4
HT_END_OF_EARLY_DATA = 5
HT_HELLO_RETRY_REQUEST = 6      # TLS 1.3 drafts only; RFC 8446 sends HRR as a ServerHello
HT_ENCRYPTED_EXTENSIONS = 8
HT_CERTIFICATE = 11
HT_SERVER_KEY_EXCHANGE = 12
HT_CERTIFICATE_REQUEST = 13
HT_SERVER_HELLO_DONE = 14
HT_CERTIFICATE_VERIFY = 15
HT_CLIENT_KEY_EXCHANGE = 16
HT_FINISHED = 20
HT_CERTIFICATE_URL = 21
HT_CERTIFICATE_STATUS = 22
HT_SUPPLEMENTAL_DATA = 23
HT_KEY_UPDATE = 24
HT_COMPRESSED_CERTIFICATE = 25
HT_MESSAGE_HASH = 254

# Source: [IANA] TLS HandshakeType; [WS]; [RFC] 9147 (9, 10), 9261 (17), 8879 (25), 8870 (26).
# Checked 2026-11-28.
HANDSHAKE_TYPES: dict[int, str] = {
    HT_HELLO_REQUEST: "hello_request",
    HT_CLIENT_HELLO: "client_hello",
    HT_SERVER_HELLO: "server_hello",
    HT_HELLO_VERIFY_REQUEST: "hello_verify_request",
    HT_NEW_SESSION_TICKET: "new_session_ticket",
    HT_END_OF_EARLY_DATA: "end_of_early_data",
    HT_HELLO_RETRY_REQUEST: "hello_retry_request",
    HT_ENCRYPTED_EXTENSIONS: "encrypted_extensions",
    9: "request_connection_id",
    10: "new_connection_id",
    HT_CERTIFICATE: "certificate",
    HT_SERVER_KEY_EXCHANGE: "server_key_exchange",
    HT_CERTIFICATE_REQUEST: "certificate_request",
    HT_SERVER_HELLO_DONE: "server_hello_done",
    HT_CERTIFICATE_VERIFY: "certificate_verify",
    HT_CLIENT_KEY_EXCHANGE: "client_key_exchange",
    17: "client_certificate_request",
    HT_FINISHED: "finished",
    HT_CERTIFICATE_URL: "certificate_url",
    HT_CERTIFICATE_STATUS: "certificate_status",
    HT_SUPPLEMENTAL_DATA: "supplemental_data",
    HT_KEY_UPDATE: "key_update",
    HT_COMPRESSED_CERTIFICATE: "compressed_certificate",
    26: "ekt_key",
    HT_MESSAGE_HASH: "message_hash",
}

# --- SSL 2.0 (draft-hickman-netscape-ssl-00) -----------------------------------------------------------
SSL2_MT_ERROR = 0
SSL2_MT_CLIENT_HELLO = 1
SSL2_MT_CLIENT_MASTER_KEY = 2
SSL2_MT_SERVER_HELLO = 4

# Source: SSL 2.0 spec message types; [WS] ssl_20_msg_types; [OSSL] ssl2.h SSL2_MT_*. Checked 2026-11-28.
SSL2_MESSAGE_TYPES: dict[int, str] = {
    SSL2_MT_ERROR: "error",
    SSL2_MT_CLIENT_HELLO: "client_hello",
    SSL2_MT_CLIENT_MASTER_KEY: "client_master_key",
    3: "client_finished",
    SSL2_MT_SERVER_HELLO: "server_hello",
    5: "server_verify",
    6: "server_finished",
    7: "request_certificate",
    8: "client_certificate",
}

# SSLv2 cipher specs are 3 bytes. In an SSLv2-compatible ClientHello a spec 0x00XXXX is the TLS suite
# 0xXXXX (look it up in CIPHER_SUITES), so 0x000000 is left to TLS_NULL_WITH_NULL_NULL here.
# Source: SSL 2.0 spec; [OSSL] ssl2.h SSL2_CK_* (the "v3" SHA and "MS hack" RC4-64 entries too);
# [WS] ssl_20_cipher_suites; [testssl]. OpenSSL's private SSLeay specs 0xFF08xx are left out.
# Checked 2026-11-28.
SSL2_CIPHER_SPECS: dict[int, str] = {
    0x010080: "SSL_CK_RC4_128_WITH_MD5",
    0x020080: "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
    0x030080: "SSL_CK_RC2_128_CBC_WITH_MD5",
    0x040080: "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
    0x050080: "SSL_CK_IDEA_128_CBC_WITH_MD5",
    0x060040: "SSL_CK_DES_64_CBC_WITH_MD5",
    0x060140: "SSL_CK_DES_64_CBC_WITH_SHA",
    0x0700C0: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
    0x0701C0: "SSL_CK_DES_192_EDE3_CBC_WITH_SHA",
    0x080080: "SSL_CK_RC4_64_WITH_MD5",
}

# --- Extensions: ExtensionType (uint16) ----------------------------------------------------------------
EXT_SERVER_NAME = 0
EXT_MAX_FRAGMENT_LENGTH = 1
EXT_STATUS_REQUEST = 5
EXT_SUPPORTED_GROUPS = 10
EXT_EC_POINT_FORMATS = 11
EXT_SIGNATURE_ALGORITHMS = 13
EXT_HEARTBEAT = 15
EXT_ALPN = 16
EXT_SIGNED_CERTIFICATE_TIMESTAMP = 18
EXT_PADDING = 21
EXT_ENCRYPT_THEN_MAC = 22
EXT_EXTENDED_MASTER_SECRET = 23
EXT_EXTENDED_MAIN_SECRET = EXT_EXTENDED_MASTER_SECRET   # RFC 9846's name for RFC 7627's extension
EXT_COMPRESS_CERTIFICATE = 27
EXT_RECORD_SIZE_LIMIT = 28
EXT_DELEGATED_CREDENTIAL = 34
EXT_SESSION_TICKET = 35
EXT_KEY_SHARE_OLD = 40          # key_share in TLS 1.3 drafts before -23
EXT_PRE_SHARED_KEY = 41
EXT_EARLY_DATA = 42
EXT_SUPPORTED_VERSIONS = 43
EXT_COOKIE = 44
EXT_PSK_KEY_EXCHANGE_MODES = 45
EXT_CERTIFICATE_AUTHORITIES = 47
EXT_OID_FILTERS = 48
EXT_POST_HANDSHAKE_AUTH = 49
EXT_SIGNATURE_ALGORITHMS_CERT = 50
EXT_KEY_SHARE = 51
EXT_QUIC_TRANSPORT_PARAMETERS = 57
EXT_NEXT_PROTOCOL_NEGOTIATION = 0x3374
EXT_APPLICATION_SETTINGS_OLD = 0x4469
EXT_APPLICATION_SETTINGS = 0x44CD
EXT_ECH_OUTER_EXTENSIONS = 0xFD00
EXT_ENCRYPTED_CLIENT_HELLO = 0xFE0D
EXT_RENEGOTIATION_INFO = 0xFF01

# Source: [IANA] TLS ExtensionType Values (64 entries, 2026-09-29 snapshot; 40 and 46 are "Reserved" there
# and carry Wireshark's names); [WS] tls_hello_extension_types; [RFC] 9846 renames 23 to
# extended_main_secret. The block at the end is not in the IANA registry but is sent by deployed
# stacks; names from [WS] and rustls (ExtensionType). Checked 2026-11-28.
EXTENSIONS: dict[int, str] = {
    EXT_SERVER_NAME: "server_name",
    EXT_MAX_FRAGMENT_LENGTH: "max_fragment_length",
    2: "client_certificate_url",
    3: "trusted_ca_keys",
    4: "truncated_hmac",
    EXT_STATUS_REQUEST: "status_request",
    6: "user_mapping",
    7: "client_authz",
    8: "server_authz",
    9: "cert_type",
    EXT_SUPPORTED_GROUPS: "supported_groups",
    EXT_EC_POINT_FORMATS: "ec_point_formats",
    12: "srp",
    EXT_SIGNATURE_ALGORITHMS: "signature_algorithms",
    14: "use_srtp",
    EXT_HEARTBEAT: "heartbeat",
    EXT_ALPN: "application_layer_protocol_negotiation",
    17: "status_request_v2",
    EXT_SIGNED_CERTIFICATE_TIMESTAMP: "signed_certificate_timestamp",
    19: "client_certificate_type",
    20: "server_certificate_type",
    EXT_PADDING: "padding",
    EXT_ENCRYPT_THEN_MAC: "encrypt_then_mac",
    EXT_EXTENDED_MASTER_SECRET: "extended_main_secret",
    24: "token_binding",
    25: "cached_info",
    26: "tls_lts",
    EXT_COMPRESS_CERTIFICATE: "compress_certificate",
    EXT_RECORD_SIZE_LIMIT: "record_size_limit",
    29: "pwd_protect",
    30: "pwd_clear",
    31: "password_salt",
    32: "ticket_pinning",
    33: "tls_cert_with_extern_psk",
    EXT_DELEGATED_CREDENTIAL: "delegated_credential",
    EXT_SESSION_TICKET: "session_ticket",
    36: "TLMSP",
    37: "TLMSP_proxying",
    38: "TLMSP_delegate",
    39: "supported_ekt_ciphers",
    EXT_KEY_SHARE_OLD: "Reserved (key_share)",
    EXT_PRE_SHARED_KEY: "pre_shared_key",
    EXT_EARLY_DATA: "early_data",
    EXT_SUPPORTED_VERSIONS: "supported_versions",
    EXT_COOKIE: "cookie",
    EXT_PSK_KEY_EXCHANGE_MODES: "psk_key_exchange_modes",
    46: "Reserved (ticket_early_data_info)",
    EXT_CERTIFICATE_AUTHORITIES: "certificate_authorities",
    EXT_OID_FILTERS: "oid_filters",
    EXT_POST_HANDSHAKE_AUTH: "post_handshake_auth",
    EXT_SIGNATURE_ALGORITHMS_CERT: "signature_algorithms_cert",
    EXT_KEY_SHARE: "key_share",
    52: "transparency_info",
    53: "connection_id (deprecated)",
    54: "connection_id",
    55: "external_id_hash",
    56: "external_session_id",
    EXT_QUIC_TRANSPORT_PARAMETERS: "quic_transport_parameters",
    58: "ticket_request",
    59: "dnssec_chain",
    60: "sequence_number_encryption_algorithms",
    61: "rrc",
    62: "tls_flags",
    EXT_ECH_OUTER_EXTENSIONS: "ech_outer_extensions",
    EXT_ENCRYPTED_CLIENT_HELLO: "encrypted_client_hello",
    EXT_RENEGOTIATION_INFO: "renegotiation_info",
    # Not IANA-assigned, seen in the wild:
    EXT_NEXT_PROTOCOL_NEGOTIATION: "next_protocol_negotiation",   # NPN (draft-agl-tls-nextprotoneg)
    EXT_APPLICATION_SETTINGS_OLD: "application_settings_old",     # ALPS, Chrome before 2024
    EXT_APPLICATION_SETTINGS: "application_settings",             # ALPS, Chrome
    0x754F: "channel_id_old",
    0x7550: "channel_id",
    0xFFA5: "quic_transport_parameters (drafts version)",
    0xFFCE: "encrypted_server_name",                              # ESNI drafts
}

# --- Supported groups: NamedGroup (uint16) -------------------------------------------------------------
# Source: [IANA] TLS Supported Groups (59 entries, 2026-09-29 snapshot; CSV export for 1-514, 4587-4589,
# 25497-25498, 65281-65282); [WS] ssl_extension_curves for 1-41 and 256-260; rustls NamedGroup and
# [RFC] 8734, 9189, 8998, draft-ietf-tls-mlkem, draft-ietf-tls-ecdhe-mlkem, draft-rosomakho-tls-ecdhe-mlkem512,
# draft-yang-tls-hybrid-sm2-mlkem for the rest. Checked 2026-11-28.
GROUPS: dict[int, str] = {
    0x0001: "sect163k1",
    0x0002: "sect163r1",
    0x0003: "sect163r2",
    0x0004: "sect193r1",
    0x0005: "sect193r2",
    0x0006: "sect233k1",
    0x0007: "sect233r1",
    0x0008: "sect239k1",
    0x0009: "sect283k1",
    0x000A: "sect283r1",
    0x000B: "sect409k1",
    0x000C: "sect409r1",
    0x000D: "sect571k1",
    0x000E: "sect571r1",
    0x000F: "secp160k1",
    0x0010: "secp160r1",
    0x0011: "secp160r2",
    0x0012: "secp192k1",
    0x0013: "secp192r1",
    0x0014: "secp224k1",
    0x0015: "secp224r1",
    0x0016: "secp256k1",
    0x0017: "secp256r1",
    0x0018: "secp384r1",
    0x0019: "secp521r1",
    0x001A: "brainpoolP256r1",
    0x001B: "brainpoolP384r1",
    0x001C: "brainpoolP512r1",
    0x001D: "x25519",
    0x001E: "x448",
    0x001F: "brainpoolP256r1tls13",
    0x0020: "brainpoolP384r1tls13",
    0x0021: "brainpoolP512r1tls13",
    0x0022: "GC256A",
    0x0023: "GC256B",
    0x0024: "GC256C",
    0x0025: "GC256D",
    0x0026: "GC512A",
    0x0027: "GC512B",
    0x0028: "GC512C",
    0x0029: "curveSM2",
    0x0100: "ffdhe2048",
    0x0101: "ffdhe3072",
    0x0102: "ffdhe4096",
    0x0103: "ffdhe6144",
    0x0104: "ffdhe8192",
    0x0200: "MLKEM512",
    0x0201: "MLKEM768",
    0x0202: "MLKEM1024",
    0x11E9: "SecP256r1MLKEM512",
    0x11EA: "MLKEM512X25519",
    0x11EB: "SecP256r1MLKEM768",
    0x11EC: "X25519MLKEM768",
    0x11ED: "SecP384r1MLKEM1024",
    0x11EE: "curveSM2MLKEM768",
    0x6399: "X25519Kyber768Draft00",
    0x639A: "SecP256r1Kyber768Draft00",
    0xFF01: "arbitrary_explicit_prime_curves",
    0xFF02: "arbitrary_explicit_char2_curves",
}

# --- Signature schemes: SignatureScheme (uint16) -------------------------------------------------------
# Source: [IANA] TLS SignatureScheme (49 entries, 2026-09-29 snapshot; CSV export up to 0x0906); [WS]
# tls13_signature_algorithm; rustls SignatureScheme (ML-DSA). The last block is TLS 1.2 (hash, signature)
# pairs (RFC 5246 §7.4.1.4.1) that IANA lists only as "Reserved for backward compatibility" but old
# clients still send; names as OpenSSL's ssl_trace prints them ([OSSL] t1_trce.c). Checked 2026-11-28.
SIGNATURE_SCHEMES: dict[int, str] = {
    0x0201: "rsa_pkcs1_sha1",
    0x0203: "ecdsa_sha1",
    0x0401: "rsa_pkcs1_sha256",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0420: "rsa_pkcs1_sha256_legacy",
    0x0501: "rsa_pkcs1_sha384",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0520: "rsa_pkcs1_sha384_legacy",
    0x0601: "rsa_pkcs1_sha512",
    0x0603: "ecdsa_secp521r1_sha512",
    0x0620: "rsa_pkcs1_sha512_legacy",
    0x0704: "eccsi_sha256",
    0x0705: "iso_ibs1",
    0x0706: "iso_ibs2",
    0x0707: "iso_chinese_ibs",
    0x0708: "sm2sig_sm3",
    0x0709: "gostr34102012_256a",
    0x070A: "gostr34102012_256b",
    0x070B: "gostr34102012_256c",
    0x070C: "gostr34102012_256d",
    0x070D: "gostr34102012_512a",
    0x070E: "gostr34102012_512b",
    0x070F: "gostr34102012_512c",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
    0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
    0x0904: "mldsa44",
    0x0905: "mldsa65",
    0x0906: "mldsa87",
    0x0911: "slhdsa_sha2_128s",
    0x0912: "slhdsa_sha2_128f",
    0x0913: "slhdsa_sha2_192s",
    0x0914: "slhdsa_sha2_192f",
    0x0915: "slhdsa_sha2_256s",
    0x0916: "slhdsa_sha2_256f",
    0x0917: "slhdsa_shake_128s",
    0x0918: "slhdsa_shake_128f",
    0x0919: "slhdsa_shake_192s",
    0x091A: "slhdsa_shake_192f",
    0x091B: "slhdsa_shake_256s",
    0x091C: "slhdsa_shake_256f",
    # TLS 1.2 hash/signature pairs outside the IANA SignatureScheme names:
    0x0202: "dsa_sha1",
    0x0301: "rsa_pkcs1_sha224",
    0x0302: "dsa_sha224",
    0x0303: "ecdsa_sha224",
    0x0402: "dsa_sha256",
    0x0502: "dsa_sha384",
    0x0602: "dsa_sha512",
}

# --- Alerts (AlertLevel, AlertDescription: uint8) ------------------------------------------------------
AL_WARNING = 1
AL_FATAL = 2

# Source: [IANA] TLS Alert Registry / RFC 8446 §6; [WS] ssl_31_alert_level. Checked 2026-11-28.
ALERT_LEVELS: dict[int, str] = {AL_WARNING: "warning", AL_FATAL: "fatal"}

# Source: [IANA] TLS Alerts (names without the "_RESERVED" suffix IANA gives 21, 30, 41, 60, 100, 111,
# 114); [WS] ssl_31_alert_description; [RFC] 9147 (52), 9846 (117), 9849 (121). Checked 2026-11-28.
ALERT_DESCRIPTIONS: dict[int, str] = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    21: "decryption_failed",
    22: "record_overflow",
    30: "decompression_failure",
    40: "handshake_failure",
    41: "no_certificate",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    52: "too_many_cids_requested",
    60: "export_restriction",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation",
    109: "missing_extension",
    110: "unsupported_extension",
    111: "certificate_unobtainable",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value",
    115: "unknown_psk_identity",
    116: "certificate_required",
    117: "general_error",
    120: "no_application_protocol",
    121: "ech_required",
}

# --- Small registries ----------------------------------------------------------------------------------
# Source: [IANA] EC Point Format Registry (RFC 8422 §5.1.2); [WS]. Checked 2026-11-28.
EC_POINT_FORMATS: dict[int, str] = {
    0: "uncompressed",
    1: "ansiX962_compressed_prime",
    2: "ansiX962_compressed_char2",
}

# Source: [IANA] TLS PskKeyExchangeMode (RFC 8446 §4.2.9); [WS]; [OSSL] t1_trce.c. Checked 2026-11-28.
PSK_KEY_EXCHANGE_MODES: dict[int, str] = {0: "psk_ke", 1: "psk_dhe_ke"}

# Source: [IANA] TLS Compression Method Identifiers (RFC 3749, 3943); [WS]. Checked 2026-11-28.
COMPRESSION_METHODS: dict[int, str] = {0: "null", 1: "DEFLATE", 64: "LZS"}

# --- Cipher suites (uint16) ----------------------------------------------------------------------------
TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF
TLS_FALLBACK_SCSV = 0x5600

# code -> (IANA name, OpenSSL name or None). Source: [IANA] TLS Cipher Suites (356 entries, 2026-09-29
# snapshot; code points IANA marks Reserved/Unassigned are left out even where Wireshark names them);
# IANA names cross-checked with [WS] and with OpenSSL's -stdname output. OpenSSL names: [OSSL] output of
# this machine for the 164 suites it knows, otherwise the TXT macros of OpenSSL's ssl3.h/tls1.h
# (1.0.2 for suites OpenSSL dropped in 1.1.0: export, single DES, KRB5 - hence "EDH-"; 1.1.1/3.x for
# the rest, hence "DHE-...-DES-CBC3-SHA"), each also in [testssl]. None = OpenSSL never named the suite.
# Regenerated from those sources; checked 2026-11-28.
CIPHER_SUITES: dict[int, tuple[str, str | None]] = {
    0x0000: ("TLS_NULL_WITH_NULL_NULL", None),
    0x0001: ("TLS_RSA_WITH_NULL_MD5", "NULL-MD5"),
    0x0002: ("TLS_RSA_WITH_NULL_SHA", "NULL-SHA"),
    0x0003: ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5"),
    0x0004: ("TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5"),
    0x0005: ("TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"),
    0x0006: ("TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "EXP-RC2-CBC-MD5"),
    0x0007: ("TLS_RSA_WITH_IDEA_CBC_SHA", "IDEA-CBC-SHA"),
    0x0008: ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-DES-CBC-SHA"),
    0x0009: ("TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA"),
    0x000a: ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"),
    0x000b: ("TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", "EXP-DH-DSS-DES-CBC-SHA"),
    0x000c: ("TLS_DH_DSS_WITH_DES_CBC_SHA", "DH-DSS-DES-CBC-SHA"),
    0x000d: ("TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", "DH-DSS-DES-CBC3-SHA"),
    0x000e: ("TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-DH-RSA-DES-CBC-SHA"),
    0x000f: ("TLS_DH_RSA_WITH_DES_CBC_SHA", "DH-RSA-DES-CBC-SHA"),
    0x0010: ("TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA", "DH-RSA-DES-CBC3-SHA"),
    0x0011: ("TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-DSS-DES-CBC-SHA"),
    0x0012: ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "EDH-DSS-DES-CBC-SHA"),
    0x0013: ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "DHE-DSS-DES-CBC3-SHA"),
    0x0014: ("TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-RSA-DES-CBC-SHA"),
    0x0015: ("TLS_DHE_RSA_WITH_DES_CBC_SHA", "EDH-RSA-DES-CBC-SHA"),
    0x0016: ("TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA"),
    0x0017: ("TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", "EXP-ADH-RC4-MD5"),
    0x0018: ("TLS_DH_anon_WITH_RC4_128_MD5", "ADH-RC4-MD5"),
    0x0019: ("TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", "EXP-ADH-DES-CBC-SHA"),
    0x001a: ("TLS_DH_anon_WITH_DES_CBC_SHA", "ADH-DES-CBC-SHA"),
    0x001b: ("TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", "ADH-DES-CBC3-SHA"),
    0x001e: ("TLS_KRB5_WITH_DES_CBC_SHA", "KRB5-DES-CBC-SHA"),
    0x001f: ("TLS_KRB5_WITH_3DES_EDE_CBC_SHA", "KRB5-DES-CBC3-SHA"),
    0x0020: ("TLS_KRB5_WITH_RC4_128_SHA", "KRB5-RC4-SHA"),
    0x0021: ("TLS_KRB5_WITH_IDEA_CBC_SHA", "KRB5-IDEA-CBC-SHA"),
    0x0022: ("TLS_KRB5_WITH_DES_CBC_MD5", "KRB5-DES-CBC-MD5"),
    0x0023: ("TLS_KRB5_WITH_3DES_EDE_CBC_MD5", "KRB5-DES-CBC3-MD5"),
    0x0024: ("TLS_KRB5_WITH_RC4_128_MD5", "KRB5-RC4-MD5"),
    0x0025: ("TLS_KRB5_WITH_IDEA_CBC_MD5", "KRB5-IDEA-CBC-MD5"),
    0x0026: ("TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA", "EXP-KRB5-DES-CBC-SHA"),
    0x0027: ("TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA", "EXP-KRB5-RC2-CBC-SHA"),
    0x0028: ("TLS_KRB5_EXPORT_WITH_RC4_40_SHA", "EXP-KRB5-RC4-SHA"),
    0x0029: ("TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5", "EXP-KRB5-DES-CBC-MD5"),
    0x002a: ("TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5", "EXP-KRB5-RC2-CBC-MD5"),
    0x002b: ("TLS_KRB5_EXPORT_WITH_RC4_40_MD5", "EXP-KRB5-RC4-MD5"),
    0x002c: ("TLS_PSK_WITH_NULL_SHA", "PSK-NULL-SHA"),
    0x002d: ("TLS_DHE_PSK_WITH_NULL_SHA", "DHE-PSK-NULL-SHA"),
    0x002e: ("TLS_RSA_PSK_WITH_NULL_SHA", "RSA-PSK-NULL-SHA"),
    0x002f: ("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"),
    0x0030: ("TLS_DH_DSS_WITH_AES_128_CBC_SHA", "DH-DSS-AES128-SHA"),
    0x0031: ("TLS_DH_RSA_WITH_AES_128_CBC_SHA", "DH-RSA-AES128-SHA"),
    0x0032: ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "DHE-DSS-AES128-SHA"),
    0x0033: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA"),
    0x0034: ("TLS_DH_anon_WITH_AES_128_CBC_SHA", "ADH-AES128-SHA"),
    0x0035: ("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"),
    0x0036: ("TLS_DH_DSS_WITH_AES_256_CBC_SHA", "DH-DSS-AES256-SHA"),
    0x0037: ("TLS_DH_RSA_WITH_AES_256_CBC_SHA", "DH-RSA-AES256-SHA"),
    0x0038: ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "DHE-DSS-AES256-SHA"),
    0x0039: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA"),
    0x003a: ("TLS_DH_anon_WITH_AES_256_CBC_SHA", "ADH-AES256-SHA"),
    0x003b: ("TLS_RSA_WITH_NULL_SHA256", "NULL-SHA256"),
    0x003c: ("TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"),
    0x003d: ("TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256"),
    0x003e: ("TLS_DH_DSS_WITH_AES_128_CBC_SHA256", "DH-DSS-AES128-SHA256"),
    0x003f: ("TLS_DH_RSA_WITH_AES_128_CBC_SHA256", "DH-RSA-AES128-SHA256"),
    0x0040: ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "DHE-DSS-AES128-SHA256"),
    0x0041: ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA"),
    0x0042: ("TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA", "DH-DSS-CAMELLIA128-SHA"),
    0x0043: ("TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA", "DH-RSA-CAMELLIA128-SHA"),
    0x0044: ("TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", "DHE-DSS-CAMELLIA128-SHA"),
    0x0045: ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", "DHE-RSA-CAMELLIA128-SHA"),
    0x0046: ("TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", "ADH-CAMELLIA128-SHA"),
    0x0067: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256"),
    0x0068: ("TLS_DH_DSS_WITH_AES_256_CBC_SHA256", "DH-DSS-AES256-SHA256"),
    0x0069: ("TLS_DH_RSA_WITH_AES_256_CBC_SHA256", "DH-RSA-AES256-SHA256"),
    0x006a: ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "DHE-DSS-AES256-SHA256"),
    0x006b: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256"),
    0x006c: ("TLS_DH_anon_WITH_AES_128_CBC_SHA256", "ADH-AES128-SHA256"),
    0x006d: ("TLS_DH_anon_WITH_AES_256_CBC_SHA256", "ADH-AES256-SHA256"),
    0x006e: ("TLS_ASCONAEAD128_ASCONHASH256", None),
    0x006f: ("TLS_ASCONAEAD128_SHA256", None),
    0x0070: ("TLS_AES_128_GCM_ASCONHASH256", None),
    0x0071: ("TLS_AES_128_CCM_ASCONHASH256", None),
    0x0084: ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA"),
    0x0085: ("TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA", "DH-DSS-CAMELLIA256-SHA"),
    0x0086: ("TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA", "DH-RSA-CAMELLIA256-SHA"),
    0x0087: ("TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", "DHE-DSS-CAMELLIA256-SHA"),
    0x0088: ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA"),
    0x0089: ("TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", "ADH-CAMELLIA256-SHA"),
    0x008a: ("TLS_PSK_WITH_RC4_128_SHA", "PSK-RC4-SHA"),
    0x008b: ("TLS_PSK_WITH_3DES_EDE_CBC_SHA", "PSK-3DES-EDE-CBC-SHA"),
    0x008c: ("TLS_PSK_WITH_AES_128_CBC_SHA", "PSK-AES128-CBC-SHA"),
    0x008d: ("TLS_PSK_WITH_AES_256_CBC_SHA", "PSK-AES256-CBC-SHA"),
    0x008e: ("TLS_DHE_PSK_WITH_RC4_128_SHA", "DHE-PSK-RC4-SHA"),
    0x008f: ("TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA", "DHE-PSK-3DES-EDE-CBC-SHA"),
    0x0090: ("TLS_DHE_PSK_WITH_AES_128_CBC_SHA", "DHE-PSK-AES128-CBC-SHA"),
    0x0091: ("TLS_DHE_PSK_WITH_AES_256_CBC_SHA", "DHE-PSK-AES256-CBC-SHA"),
    0x0092: ("TLS_RSA_PSK_WITH_RC4_128_SHA", "RSA-PSK-RC4-SHA"),
    0x0093: ("TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA", "RSA-PSK-3DES-EDE-CBC-SHA"),
    0x0094: ("TLS_RSA_PSK_WITH_AES_128_CBC_SHA", "RSA-PSK-AES128-CBC-SHA"),
    0x0095: ("TLS_RSA_PSK_WITH_AES_256_CBC_SHA", "RSA-PSK-AES256-CBC-SHA"),
    0x0096: ("TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA"),
    0x0097: ("TLS_DH_DSS_WITH_SEED_CBC_SHA", "DH-DSS-SEED-SHA"),
    0x0098: ("TLS_DH_RSA_WITH_SEED_CBC_SHA", "DH-RSA-SEED-SHA"),
    0x0099: ("TLS_DHE_DSS_WITH_SEED_CBC_SHA", "DHE-DSS-SEED-SHA"),
    0x009a: ("TLS_DHE_RSA_WITH_SEED_CBC_SHA", "DHE-RSA-SEED-SHA"),
    0x009b: ("TLS_DH_anon_WITH_SEED_CBC_SHA", "ADH-SEED-SHA"),
    0x009c: ("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"),
    0x009d: ("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"),
    0x009e: ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"),
    0x009f: ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384"),
    0x00a0: ("TLS_DH_RSA_WITH_AES_128_GCM_SHA256", "DH-RSA-AES128-GCM-SHA256"),
    0x00a1: ("TLS_DH_RSA_WITH_AES_256_GCM_SHA384", "DH-RSA-AES256-GCM-SHA384"),
    0x00a2: ("TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "DHE-DSS-AES128-GCM-SHA256"),
    0x00a3: ("TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "DHE-DSS-AES256-GCM-SHA384"),
    0x00a4: ("TLS_DH_DSS_WITH_AES_128_GCM_SHA256", "DH-DSS-AES128-GCM-SHA256"),
    0x00a5: ("TLS_DH_DSS_WITH_AES_256_GCM_SHA384", "DH-DSS-AES256-GCM-SHA384"),
    0x00a6: ("TLS_DH_anon_WITH_AES_128_GCM_SHA256", "ADH-AES128-GCM-SHA256"),
    0x00a7: ("TLS_DH_anon_WITH_AES_256_GCM_SHA384", "ADH-AES256-GCM-SHA384"),
    0x00a8: ("TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK-AES128-GCM-SHA256"),
    0x00a9: ("TLS_PSK_WITH_AES_256_GCM_SHA384", "PSK-AES256-GCM-SHA384"),
    0x00aa: ("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "DHE-PSK-AES128-GCM-SHA256"),
    0x00ab: ("TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", "DHE-PSK-AES256-GCM-SHA384"),
    0x00ac: ("TLS_RSA_PSK_WITH_AES_128_GCM_SHA256", "RSA-PSK-AES128-GCM-SHA256"),
    0x00ad: ("TLS_RSA_PSK_WITH_AES_256_GCM_SHA384", "RSA-PSK-AES256-GCM-SHA384"),
    0x00ae: ("TLS_PSK_WITH_AES_128_CBC_SHA256", "PSK-AES128-CBC-SHA256"),
    0x00af: ("TLS_PSK_WITH_AES_256_CBC_SHA384", "PSK-AES256-CBC-SHA384"),
    0x00b0: ("TLS_PSK_WITH_NULL_SHA256", "PSK-NULL-SHA256"),
    0x00b1: ("TLS_PSK_WITH_NULL_SHA384", "PSK-NULL-SHA384"),
    0x00b2: ("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", "DHE-PSK-AES128-CBC-SHA256"),
    0x00b3: ("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", "DHE-PSK-AES256-CBC-SHA384"),
    0x00b4: ("TLS_DHE_PSK_WITH_NULL_SHA256", "DHE-PSK-NULL-SHA256"),
    0x00b5: ("TLS_DHE_PSK_WITH_NULL_SHA384", "DHE-PSK-NULL-SHA384"),
    0x00b6: ("TLS_RSA_PSK_WITH_AES_128_CBC_SHA256", "RSA-PSK-AES128-CBC-SHA256"),
    0x00b7: ("TLS_RSA_PSK_WITH_AES_256_CBC_SHA384", "RSA-PSK-AES256-CBC-SHA384"),
    0x00b8: ("TLS_RSA_PSK_WITH_NULL_SHA256", "RSA-PSK-NULL-SHA256"),
    0x00b9: ("TLS_RSA_PSK_WITH_NULL_SHA384", "RSA-PSK-NULL-SHA384"),
    0x00ba: ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", "CAMELLIA128-SHA256"),
    0x00bb: ("TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256", "DH-DSS-CAMELLIA128-SHA256"),
    0x00bc: ("TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256", "DH-RSA-CAMELLIA128-SHA256"),
    0x00bd: ("TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256", "DHE-DSS-CAMELLIA128-SHA256"),
    0x00be: ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "DHE-RSA-CAMELLIA128-SHA256"),
    0x00bf: ("TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", "ADH-CAMELLIA128-SHA256"),
    0x00c0: ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", "CAMELLIA256-SHA256"),
    0x00c1: ("TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256", "DH-DSS-CAMELLIA256-SHA256"),
    0x00c2: ("TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256", "DH-RSA-CAMELLIA256-SHA256"),
    0x00c3: ("TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256", "DHE-DSS-CAMELLIA256-SHA256"),
    0x00c4: ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256", "DHE-RSA-CAMELLIA256-SHA256"),
    0x00c5: ("TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", "ADH-CAMELLIA256-SHA256"),
    0x00c6: ("TLS_SM4_GCM_SM3", None),
    0x00c7: ("TLS_SM4_CCM_SM3", None),
    0x00ff: ("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", None),
    0x1301: ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
    0x1302: ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
    0x1303: ("TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"),
    0x1304: ("TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256"),
    0x1305: ("TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256"),
    0x1306: ("TLS_AEGIS_256_SHA512", None),
    0x1307: ("TLS_AEGIS_128L_SHA256", None),
    0x5600: ("TLS_FALLBACK_SCSV", None),
    0xc001: ("TLS_ECDH_ECDSA_WITH_NULL_SHA", "ECDH-ECDSA-NULL-SHA"),
    0xc002: ("TLS_ECDH_ECDSA_WITH_RC4_128_SHA", "ECDH-ECDSA-RC4-SHA"),
    0xc003: ("TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDH-ECDSA-DES-CBC3-SHA"),
    0xc004: ("TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", "ECDH-ECDSA-AES128-SHA"),
    0xc005: ("TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA", "ECDH-ECDSA-AES256-SHA"),
    0xc006: ("TLS_ECDHE_ECDSA_WITH_NULL_SHA", "ECDHE-ECDSA-NULL-SHA"),
    0xc007: ("TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"),
    0xc008: ("TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA"),
    0xc009: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"),
    0xc00a: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"),
    0xc00b: ("TLS_ECDH_RSA_WITH_NULL_SHA", "ECDH-RSA-NULL-SHA"),
    0xc00c: ("TLS_ECDH_RSA_WITH_RC4_128_SHA", "ECDH-RSA-RC4-SHA"),
    0xc00d: ("TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA", "ECDH-RSA-DES-CBC3-SHA"),
    0xc00e: ("TLS_ECDH_RSA_WITH_AES_128_CBC_SHA", "ECDH-RSA-AES128-SHA"),
    0xc00f: ("TLS_ECDH_RSA_WITH_AES_256_CBC_SHA", "ECDH-RSA-AES256-SHA"),
    0xc010: ("TLS_ECDHE_RSA_WITH_NULL_SHA", "ECDHE-RSA-NULL-SHA"),
    0xc011: ("TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"),
    0xc012: ("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"),
    0xc013: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"),
    0xc014: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"),
    0xc015: ("TLS_ECDH_anon_WITH_NULL_SHA", "AECDH-NULL-SHA"),
    0xc016: ("TLS_ECDH_anon_WITH_RC4_128_SHA", "AECDH-RC4-SHA"),
    0xc017: ("TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", "AECDH-DES-CBC3-SHA"),
    0xc018: ("TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "AECDH-AES128-SHA"),
    0xc019: ("TLS_ECDH_anon_WITH_AES_256_CBC_SHA", "AECDH-AES256-SHA"),
    0xc01a: ("TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA", "SRP-3DES-EDE-CBC-SHA"),
    0xc01b: ("TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA", "SRP-RSA-3DES-EDE-CBC-SHA"),
    0xc01c: ("TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA", "SRP-DSS-3DES-EDE-CBC-SHA"),
    0xc01d: ("TLS_SRP_SHA_WITH_AES_128_CBC_SHA", "SRP-AES-128-CBC-SHA"),
    0xc01e: ("TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA", "SRP-RSA-AES-128-CBC-SHA"),
    0xc01f: ("TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA", "SRP-DSS-AES-128-CBC-SHA"),
    0xc020: ("TLS_SRP_SHA_WITH_AES_256_CBC_SHA", "SRP-AES-256-CBC-SHA"),
    0xc021: ("TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA", "SRP-RSA-AES-256-CBC-SHA"),
    0xc022: ("TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA", "SRP-DSS-AES-256-CBC-SHA"),
    0xc023: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"),
    0xc024: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384"),
    0xc025: ("TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256", "ECDH-ECDSA-AES128-SHA256"),
    0xc026: ("TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384", "ECDH-ECDSA-AES256-SHA384"),
    0xc027: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"),
    0xc028: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384"),
    0xc029: ("TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256", "ECDH-RSA-AES128-SHA256"),
    0xc02a: ("TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384", "ECDH-RSA-AES256-SHA384"),
    0xc02b: ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    0xc02c: ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    0xc02d: ("TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", "ECDH-ECDSA-AES128-GCM-SHA256"),
    0xc02e: ("TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384", "ECDH-ECDSA-AES256-GCM-SHA384"),
    0xc02f: ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
    0xc030: ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
    0xc031: ("TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", "ECDH-RSA-AES128-GCM-SHA256"),
    0xc032: ("TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384", "ECDH-RSA-AES256-GCM-SHA384"),
    0xc033: ("TLS_ECDHE_PSK_WITH_RC4_128_SHA", "ECDHE-PSK-RC4-SHA"),
    0xc034: ("TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA", "ECDHE-PSK-3DES-EDE-CBC-SHA"),
    0xc035: ("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", "ECDHE-PSK-AES128-CBC-SHA"),
    0xc036: ("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", "ECDHE-PSK-AES256-CBC-SHA"),
    0xc037: ("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", "ECDHE-PSK-AES128-CBC-SHA256"),
    0xc038: ("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", "ECDHE-PSK-AES256-CBC-SHA384"),
    0xc039: ("TLS_ECDHE_PSK_WITH_NULL_SHA", "ECDHE-PSK-NULL-SHA"),
    0xc03a: ("TLS_ECDHE_PSK_WITH_NULL_SHA256", "ECDHE-PSK-NULL-SHA256"),
    0xc03b: ("TLS_ECDHE_PSK_WITH_NULL_SHA384", "ECDHE-PSK-NULL-SHA384"),
    0xc03c: ("TLS_RSA_WITH_ARIA_128_CBC_SHA256", None),
    0xc03d: ("TLS_RSA_WITH_ARIA_256_CBC_SHA384", None),
    0xc03e: ("TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256", None),
    0xc03f: ("TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384", None),
    0xc040: ("TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256", None),
    0xc041: ("TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384", None),
    0xc042: ("TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256", None),
    0xc043: ("TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384", None),
    0xc044: ("TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256", None),
    0xc045: ("TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384", None),
    0xc046: ("TLS_DH_anon_WITH_ARIA_128_CBC_SHA256", None),
    0xc047: ("TLS_DH_anon_WITH_ARIA_256_CBC_SHA384", None),
    0xc048: ("TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256", None),
    0xc049: ("TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384", None),
    0xc04a: ("TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256", None),
    0xc04b: ("TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384", None),
    0xc04c: ("TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256", None),
    0xc04d: ("TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384", None),
    0xc04e: ("TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256", None),
    0xc04f: ("TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384", None),
    0xc050: ("TLS_RSA_WITH_ARIA_128_GCM_SHA256", "ARIA128-GCM-SHA256"),
    0xc051: ("TLS_RSA_WITH_ARIA_256_GCM_SHA384", "ARIA256-GCM-SHA384"),
    0xc052: ("TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", "DHE-RSA-ARIA128-GCM-SHA256"),
    0xc053: ("TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", "DHE-RSA-ARIA256-GCM-SHA384"),
    0xc054: ("TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256", "DH-RSA-ARIA128-GCM-SHA256"),
    0xc055: ("TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384", "DH-RSA-ARIA256-GCM-SHA384"),
    0xc056: ("TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256", "DHE-DSS-ARIA128-GCM-SHA256"),
    0xc057: ("TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384", "DHE-DSS-ARIA256-GCM-SHA384"),
    0xc058: ("TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256", "DH-DSS-ARIA128-GCM-SHA256"),
    0xc059: ("TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384", "DH-DSS-ARIA256-GCM-SHA384"),
    0xc05a: ("TLS_DH_anon_WITH_ARIA_128_GCM_SHA256", "ADH-ARIA128-GCM-SHA256"),
    0xc05b: ("TLS_DH_anon_WITH_ARIA_256_GCM_SHA384", "ADH-ARIA256-GCM-SHA384"),
    0xc05c: ("TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ECDSA-ARIA128-GCM-SHA256"),
    0xc05d: ("TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ECDSA-ARIA256-GCM-SHA384"),
    0xc05e: ("TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256", "ECDH-ECDSA-ARIA128-GCM-SHA256"),
    0xc05f: ("TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384", "ECDH-ECDSA-ARIA256-GCM-SHA384"),
    0xc060: ("TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ARIA128-GCM-SHA256"),
    0xc061: ("TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ARIA256-GCM-SHA384"),
    0xc062: ("TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256", "ECDH-ARIA128-GCM-SHA256"),
    0xc063: ("TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384", "ECDH-ARIA256-GCM-SHA384"),
    0xc064: ("TLS_PSK_WITH_ARIA_128_CBC_SHA256", None),
    0xc065: ("TLS_PSK_WITH_ARIA_256_CBC_SHA384", None),
    0xc066: ("TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256", None),
    0xc067: ("TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384", None),
    0xc068: ("TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256", None),
    0xc069: ("TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384", None),
    0xc06a: ("TLS_PSK_WITH_ARIA_128_GCM_SHA256", "PSK-ARIA128-GCM-SHA256"),
    0xc06b: ("TLS_PSK_WITH_ARIA_256_GCM_SHA384", "PSK-ARIA256-GCM-SHA384"),
    0xc06c: ("TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256", "DHE-PSK-ARIA128-GCM-SHA256"),
    0xc06d: ("TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384", "DHE-PSK-ARIA256-GCM-SHA384"),
    0xc06e: ("TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256", "RSA-PSK-ARIA128-GCM-SHA256"),
    0xc06f: ("TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384", "RSA-PSK-ARIA256-GCM-SHA384"),
    0xc070: ("TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256", None),
    0xc071: ("TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384", None),
    0xc072: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-ECDSA-CAMELLIA128-SHA256"),
    0xc073: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-ECDSA-CAMELLIA256-SHA384"),
    0xc074: ("TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDH-ECDSA-CAMELLIA128-SHA256"),
    0xc075: ("TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDH-ECDSA-CAMELLIA256-SHA384"),
    0xc076: ("TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-RSA-CAMELLIA128-SHA256"),
    0xc077: ("TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-RSA-CAMELLIA256-SHA384"),
    0xc078: ("TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDH-RSA-CAMELLIA128-SHA256"),
    0xc079: ("TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDH-RSA-CAMELLIA256-SHA384"),
    0xc07a: ("TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc07b: ("TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc07c: ("TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc07d: ("TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc07e: ("TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc07f: ("TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc080: ("TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc081: ("TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc082: ("TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc083: ("TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc084: ("TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc085: ("TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc086: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc087: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc088: ("TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc089: ("TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc08a: ("TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc08b: ("TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc08c: ("TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc08d: ("TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc08e: ("TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc08f: ("TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc090: ("TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc091: ("TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc092: ("TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256", None),
    0xc093: ("TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384", None),
    0xc094: ("TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256", "PSK-CAMELLIA128-SHA256"),
    0xc095: ("TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384", "PSK-CAMELLIA256-SHA384"),
    0xc096: ("TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", "DHE-PSK-CAMELLIA128-SHA256"),
    0xc097: ("TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", "DHE-PSK-CAMELLIA256-SHA384"),
    0xc098: ("TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256", "RSA-PSK-CAMELLIA128-SHA256"),
    0xc099: ("TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384", "RSA-PSK-CAMELLIA256-SHA384"),
    0xc09a: ("TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-PSK-CAMELLIA128-SHA256"),
    0xc09b: ("TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-PSK-CAMELLIA256-SHA384"),
    0xc09c: ("TLS_RSA_WITH_AES_128_CCM", "AES128-CCM"),
    0xc09d: ("TLS_RSA_WITH_AES_256_CCM", "AES256-CCM"),
    0xc09e: ("TLS_DHE_RSA_WITH_AES_128_CCM", "DHE-RSA-AES128-CCM"),
    0xc09f: ("TLS_DHE_RSA_WITH_AES_256_CCM", "DHE-RSA-AES256-CCM"),
    0xc0a0: ("TLS_RSA_WITH_AES_128_CCM_8", "AES128-CCM8"),
    0xc0a1: ("TLS_RSA_WITH_AES_256_CCM_8", "AES256-CCM8"),
    0xc0a2: ("TLS_DHE_RSA_WITH_AES_128_CCM_8", "DHE-RSA-AES128-CCM8"),
    0xc0a3: ("TLS_DHE_RSA_WITH_AES_256_CCM_8", "DHE-RSA-AES256-CCM8"),
    0xc0a4: ("TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM"),
    0xc0a5: ("TLS_PSK_WITH_AES_256_CCM", "PSK-AES256-CCM"),
    0xc0a6: ("TLS_DHE_PSK_WITH_AES_128_CCM", "DHE-PSK-AES128-CCM"),
    0xc0a7: ("TLS_DHE_PSK_WITH_AES_256_CCM", "DHE-PSK-AES256-CCM"),
    0xc0a8: ("TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8"),
    0xc0a9: ("TLS_PSK_WITH_AES_256_CCM_8", "PSK-AES256-CCM8"),
    0xc0aa: ("TLS_PSK_DHE_WITH_AES_128_CCM_8", "DHE-PSK-AES128-CCM8"),
    0xc0ab: ("TLS_PSK_DHE_WITH_AES_256_CCM_8", "DHE-PSK-AES256-CCM8"),
    0xc0ac: ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM"),
    0xc0ad: ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM"),
    0xc0ae: ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8"),
    0xc0af: ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", "ECDHE-ECDSA-AES256-CCM8"),
    0xc0b0: ("TLS_ECCPWD_WITH_AES_128_GCM_SHA256", None),
    0xc0b1: ("TLS_ECCPWD_WITH_AES_256_GCM_SHA384", None),
    0xc0b2: ("TLS_ECCPWD_WITH_AES_128_CCM_SHA256", None),
    0xc0b3: ("TLS_ECCPWD_WITH_AES_256_CCM_SHA384", None),
    0xc0b4: ("TLS_SHA256_SHA256", "TLS_SHA256_SHA256"),
    0xc0b5: ("TLS_SHA384_SHA384", "TLS_SHA384_SHA384"),
    0xc100: ("TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC", "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC"),
    0xc101: ("TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC", "GOST2012-MAGMA-MAGMAOMAC"),
    0xc102: ("TLS_GOSTR341112_256_WITH_28147_CNT_IMIT", "IANA-GOST2012-GOST8912-GOST8912"),
    0xc103: ("TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L", None),
    0xc104: ("TLS_GOSTR341112_256_WITH_MAGMA_MGM_L", None),
    0xc105: ("TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S", None),
    0xc106: ("TLS_GOSTR341112_256_WITH_MAGMA_MGM_S", None),
    0xcca8: ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
    0xcca9: ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
    0xccaa: ("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305"),
    0xccab: ("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", "PSK-CHACHA20-POLY1305"),
    0xccac: ("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-PSK-CHACHA20-POLY1305"),
    0xccad: ("TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "DHE-PSK-CHACHA20-POLY1305"),
    0xccae: ("TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256", "RSA-PSK-CHACHA20-POLY1305"),
    0xd001: ("TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", None),
    0xd002: ("TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", None),
    0xd003: ("TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256", None),
    0xd005: ("TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", None),
}

# --- GREASE (RFC 8701 §2) ------------------------------------------------------------------------------
# 16-bit values for cipher suites, extensions, groups, signature algorithms and versions, and the 8-bit
# values RFC 8701 reserves for PskKeyExchangeModes (0x0B + 0x1F * n). RFC 8701 reserves no 8-bit values for
# ec_point_formats; the 8-bit set is applied wherever a caller asks for width=1.
GREASE_16: frozenset[int] = frozenset(0x0A0A + 0x1010 * n for n in range(16))
GREASE_8: frozenset[int] = frozenset(0x0B + 0x1F * n for n in range(8))

_TLS13_EARLY = frozenset({0x7E01, 0x7E02, 0x7E03, 0xFB17, 0xFB1A})   # experiments and fizz drafts
_VERSION_RANK = {SSL2: 1, SSL3: 2, TLS1_0: 3, TLS1_1: 4, TLS1_2: 5, TLS1_3: 7}
_TLS13_PRE_FINAL_RANK = 6


def is_grease(code: int, width: int = 2) -> bool:
    """True if ``code`` is an RFC 8701 GREASE value of a ``width``-byte field (2, or 1 for psk modes)."""
    if width == 2:
        return code in GREASE_16
    if width == 1:
        return code in GREASE_8
    raise ValueError(f"GREASE is defined for 1- and 2-byte fields, not width={width!r}")


def name(table: Mapping[int, str], code: int, width: int = 2) -> str:
    """The table's name for ``code``, ``"GREASE"``, or ``"unknown(0x0a0b)"``.

    ``width`` is the field size in bytes that GREASE is checked for (1 for psk_key_exchange_modes).
    Unknown values print with 4 hex digits, or 6 for the 3-byte SSLv2 cipher specs.
    """
    found = table.get(code)
    if found is not None:
        return found
    if is_grease(code, width):
        return "GREASE"
    return f"unknown(0x{code:04x})" if code <= 0xFFFF else f"unknown(0x{code:06x})"


def _is_tls13_pre_final(code: int) -> bool:
    return code >> 8 == 0x7F or code in _TLS13_EARLY


def version_name(code: int) -> str:
    """``"TLSv1.2"``, ``"TLSv1.3-draft23"``, ``"DTLSv1.2"``, ``"GREASE"``, ``"unknown(0x....)"``, ..."""
    found = VERSIONS.get(code)
    if found is not None:
        return found
    if code >> 8 == 0x7F:
        return f"TLSv1.3-draft{code & 0xFF}"
    return name(VERSIONS, code)


def version_rank(code: int) -> int | None:
    """An ordering key: SSLv2 < SSLv3 < TLSv1.0 < 1.1 < 1.2 < TLS 1.3 drafts/experiments < TLSv1.3.

    None for DTLS, GREASE and unknown values: they are not on this scale.
    """
    if _is_tls13_pre_final(code):
        return _TLS13_PRE_FINAL_RANK
    return _VERSION_RANK.get(code)


def normalize_version(code: int) -> int:
    """``TLS1_3`` for a TLS 1.3 draft or experiment version, any other value unchanged."""
    return TLS1_3 if _is_tls13_pre_final(code) else code


def suite_name(code: int) -> str:
    """The IANA name of cipher suite ``code``, ``"GREASE"``, or ``"unknown(0x....)"``."""
    found = CIPHER_SUITES.get(code)
    if found is not None:
        return found[0]
    return name({}, code)


def suite_openssl_name(code: int) -> str | None:
    """OpenSSL's name for cipher suite ``code`` (``"ECDHE-RSA-AES128-GCM-SHA256"``), None if it has none."""
    found = CIPHER_SUITES.get(code)
    return found[1] if found is not None else None
