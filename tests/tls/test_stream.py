"""One HandshakeReader per TCP direction, over whole conversations: chunking never changes the events.

STYLE §5.15 (d), after h11's ``t_body_reader``: a stream fed in one piece, one byte at a time, and in random
chunk sizes yields the same events (and the same error, at the same offset). The hellos are built with
scapy's TLS layer, every random field pinned (STYLE §3.6); the record framing is written out by hand so that
messages can be split across records on purpose.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.tls.extensions import (
    ServerName, TLS_Ext_ServerName, TLS_Ext_SupportedVersion_CH, TLS_Ext_SupportedVersion_SH,
)
from scapy.layers.tls.handshake import TLS13HelloRetryRequest, TLS13ServerHello, TLSClientHello, TLSServerHello
from scapy.layers.tls.keyexchange_tls13 import (
    KeyShareEntry, TLS_Ext_KeyShare_CH, TLS_Ext_KeyShare_HRR, TLS_Ext_KeyShare_SH,
)

from pcaptls.errors import MalformedHandshake, MalformedRecord, PcapTlsError
from pcaptls.tls import registry
from pcaptls.tls.handshake import (
    EOF, NEED_DATA, Alert, ChangeCipherSpec, EncryptedAlert, EncryptedData, HandshakeMessage, HandshakeReader,
    SSLv2Message,
)
from pcaptls.tls.hello import parse_client_hello, parse_server_hello, parse_sslv2_client_hello

BASE = 38            # e.g. after "EHLO x\r\nSTARTTLS\r\n" + a 20-byte banner: offsets are stream offsets


def record(content_type: int, fragment: bytes, version: int = 0x0303) -> bytes:
    return bytes([content_type]) + version.to_bytes(2, "big") + len(fragment).to_bytes(2, "big") + fragment


CLIENT_HELLO = bytes(TLSClientHello(
    version=0x0303, gmt_unix_time=0x5F5E1000, random_bytes=b"\x11" * 28, sid=b"", ciphers=[0xC02F, 0x009C],
    comp=[0], ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=b"www.example.org")])]))
SERVER_HELLO = bytes(TLSServerHello(
    version=0x0303, gmt_unix_time=0x5F5E1001, random_bytes=b"\x22" * 28, sid=b"", cipher=0xC02F, comp=0, ext=[]))
CERTIFICATE = b"\x0b\x00\x00\x03\x00\x00\x00"                  # Certificate, empty certificate_list
CLIENT_KEY_EXCHANGE = b"\x10\x00\x00\x21\x20" + b"\x33" * 32   # ClientKeyExchange, 32-byte ECDH point
SERVER_HELLO_DONE = b"\x0e\x00\x00\x00"
FINISHED_CIPHERTEXT = b"\x00" * 8 + b"\x9a" * 32               # explicit nonce 0 + encrypted Finished + tag

# A TLS 1.2 client flight: the ClientHello split over three records (the header itself split), two messages
# in one record, then CCS, encrypted Finished, application data and an encrypted alert.
CLIENT_12 = (
    record(22, CLIENT_HELLO[:3], 0x0301)
    + record(22, CLIENT_HELLO[3:40], 0x0301)
    + record(22, CLIENT_HELLO[40:], 0x0301)
    + record(22, CERTIFICATE + CLIENT_KEY_EXCHANGE)
    + record(20, b"\x01")
    + record(22, FINISHED_CIPHERTEXT)
    + record(23, b"\x44" * 50)
    + record(21, b"\x55" * 26)
)
_AFTER_HELLO = BASE + (5 + 3) + (5 + 37) + (5 + len(CLIENT_HELLO) - 40)     # the three ClientHello records
CLIENT_12_EVENTS = [
    HandshakeMessage(1, CLIENT_HELLO[4:], BASE + 5, 0x0301),
    HandshakeMessage(11, CERTIFICATE[4:], _AFTER_HELLO + 5, 0x0303),
    HandshakeMessage(16, CLIENT_KEY_EXCHANGE[4:], _AFTER_HELLO + 5 + 7, 0x0303),
    ChangeCipherSpec(_AFTER_HELLO + 5 + 7 + 37),
    EncryptedData(22, _AFTER_HELLO + 5 + 7 + 37 + 6, 40),
    EncryptedData(23, _AFTER_HELLO + 5 + 7 + 37 + 6 + 45, 50),
    EncryptedAlert(_AFTER_HELLO + 5 + 7 + 37 + 6 + 45 + 55, 26),
    EOF,
]

SERVER_12 = (record(22, SERVER_HELLO + CERTIFICATE + SERVER_HELLO_DONE) + record(20, b"\x01")
             + record(22, FINISHED_CIPHERTEXT) + record(21, b"\x01\x00"))

# TLS 1.3 with a HelloRetryRequest (RFC 8446 D.4 middlebox compatibility): the server sends HRR, CCS and
# a cleartext ServerHello; the client sends ClientHello1, CCS and a cleartext ClientHello2.
HRR = bytes(TLS13HelloRetryRequest(version=0x0303, sid=b"\x66" * 32, cipher=0x1301,
                                   ext=[TLS_Ext_SupportedVersion_SH(version=0x0304),
                                        TLS_Ext_KeyShare_HRR(selected_group=23)]))
SERVER_HELLO_13 = bytes(TLS13ServerHello(
    version=0x0303, random_bytes=b"\x77" * 32, sid=b"\x66" * 32, cipher=0x1301,
    ext=[TLS_Ext_SupportedVersion_SH(version=0x0304),
         TLS_Ext_KeyShare_SH(server_share=KeyShareEntry(group=23, key_exchange=b"\x04" + b"\x88" * 64))]))


def client_hello_13(group: int, key: bytes) -> bytes:
    return bytes(TLSClientHello(
        version=0x0303, gmt_unix_time=0x5F5E1002, random_bytes=b"\x99" * 28, sid=b"\x66" * 32, ciphers=[0x1301],
        comp=[0], ext=[TLS_Ext_SupportedVersion_CH(versions=[0x0304]),
                       TLS_Ext_KeyShare_CH(client_shares=[KeyShareEntry(group=group, key_exchange=key)])]))


SERVER_13 = (record(22, HRR) + record(20, b"\x01") + record(22, SERVER_HELLO_13)
             + record(23, b"\xaa" * 30) + record(23, b"\xbb" * 300))
CLIENT_13 = (record(22, client_hello_13(29, b"\x01" * 32), 0x0301) + record(20, b"\x01")
             + record(22, client_hello_13(23, b"\x04" + b"\x02" * 64)) + record(23, b"\xcc" * 53))

# An SSLv2-compatible ClientHello (as in zeek's ssl.v3.pcap) followed by TLS 1.0 records.
SSLV2_HELLO_BODY = bytes.fromhex("0301" "0006" "0000" "0010" "000039" "00002f") + b"\xe6" * 16
CLIENT_SSLV2 = (b"\x80" + bytes([1 + len(SSLV2_HELLO_BODY)]) + b"\x01" + SSLV2_HELLO_BODY
                + record(22, CLIENT_KEY_EXCHANGE, 0x0301) + record(20, b"\x01", 0x0301))


def session_driver(reader: HandshakeReader, event: object) -> None:
    """What the session layer does between events: parse hellos, tell the reader about TLS 1.3."""
    if isinstance(event, HandshakeMessage) and event.msg_type == registry.HT_SERVER_HELLO:
        hello = parse_server_hello(event.body, event.body_offset)
        if hello.is_hello_retry_request:
            reader.mark_compat_ccs()
        elif registry.normalize_version(hello.selected_version or hello.legacy_version) == registry.TLS1_3:
            reader.mark_encrypted()
    elif isinstance(event, HandshakeMessage) and event.msg_type == registry.HT_CLIENT_HELLO:
        hello_13 = parse_client_hello(event.body, event.body_offset).supported_versions == (registry.TLS1_3,)
        if hello_13:
            reader.mark_compat_ccs()        # in a real session: once the other direction's HRR was seen


def run(data: bytes, chunks: list[int] | None = None,
        driver: Callable[[HandshakeReader, object], None] = session_driver) -> list[object]:
    """Feed ``data`` in ``chunks`` (then the rest, then EOF), pulling events after every piece."""
    reader = HandshakeReader(base_offset=BASE)
    out: list[object] = []
    pieces, pos = [], 0
    for size in chunks or []:
        pieces.append(data[pos:pos + size])
        pos += size
    try:
        for piece in [*(p for p in [*pieces, data[pos:]] if p), b""]:    # b"" only once: it means the end
            reader.feed(piece)
            while (event := reader.next_event()) is not NEED_DATA:
                out.append(event)
                if event is EOF:
                    return out
                driver(reader, event)
    except PcapTlsError as exc:
        out.append((type(exc).__name__, exc.offset if hasattr(exc, "offset") else None))
    return out


def test_tls12_client_flight_events() -> None:
    assert run(CLIENT_12) == CLIENT_12_EVENTS
    assert parse_client_hello(CLIENT_12_EVENTS[0].body, CLIENT_12_EVENTS[0].body_offset).server_name == \
        b"www.example.org"  # type: ignore[union-attr]


def test_tls12_server_flight_events() -> None:
    sh_len = len(SERVER_HELLO)
    assert run(SERVER_12) == [
        HandshakeMessage(2, SERVER_HELLO[4:], BASE + 5, 0x0303),
        HandshakeMessage(11, CERTIFICATE[4:], BASE + 5 + sh_len, 0x0303),
        HandshakeMessage(14, b"", BASE + 5 + sh_len + 7, 0x0303),
        ChangeCipherSpec(BASE + 5 + sh_len + 11),
        EncryptedData(22, BASE + 5 + sh_len + 17, 40),
        Alert(1, 0, BASE + 5 + sh_len + 62),
        EOF,
    ]


def test_tls13_hello_retry_request_both_directions() -> None:
    server = run(SERVER_13)
    assert [type(e).__name__ for e in server] == [
        "HandshakeMessage", "ChangeCipherSpec", "HandshakeMessage", "EncryptedData", "EncryptedData", "Sentinel"]
    assert parse_server_hello(server[2].body, server[2].body_offset).key_share_group == 23  # type: ignore[union-attr]
    client = run(CLIENT_13)
    assert [type(e).__name__ for e in client] == [
        "HandshakeMessage", "ChangeCipherSpec", "HandshakeMessage", "EncryptedData", "Sentinel"]


def test_without_the_session_layer_the_second_hello_looks_encrypted() -> None:
    client = run(CLIENT_13, driver=lambda reader, event: None)
    assert isinstance(client[2], EncryptedData) and client[2].content_type == 22


def test_sslv2_compatible_hello_then_tls_records() -> None:
    events = run(CLIENT_SSLV2)
    assert isinstance(events[0], SSLv2Message) and events[0].msg_type == 1
    assert parse_sslv2_client_hello(events[0].body, events[0].body_offset).cipher_suites == (0x39, 0x2F)
    assert events[1:] == [HandshakeMessage(16, CLIENT_KEY_EXCHANGE[4:], BASE + 2 + 31 + 5, 0x0301),
                          ChangeCipherSpec(BASE + 2 + 31 + 42), EOF]


STREAMS = {
    "tls12-client": CLIENT_12, "tls12-server": SERVER_12, "tls13-hrr-server": SERVER_13,
    "tls13-hrr-client": CLIENT_13, "sslv2-client": CLIENT_SSLV2,
    # the same flights with something wrong at the end: the error must not depend on chunking either
    "alert-inside-fragment": record(22, CLIENT_HELLO[:40]) + record(21, b"\x02\x28"),
    "truncated-message": record(22, CLIENT_HELLO[:40]),
    "truncated-record": CLIENT_12[:-7],
    "not-tls-after-records": SERVER_12 + b"HTTP/1.1 200 OK\r\n",
}


@pytest.mark.parametrize("name", STREAMS)
def test_one_byte_at_a_time_gives_the_same_events(name: str) -> None:
    data = STREAMS[name]
    whole = run(data)
    assert run(data, [1] * len(data)) == whole
    if name == "alert-inside-fragment":
        assert whole[-1] == (MalformedHandshake.__name__, BASE + 45)        # the alert record
    if name == "truncated-message":
        assert whole[-1] == (MalformedHandshake.__name__, BASE + 5)         # the message cut short
    if name in ("truncated-record", "not-tls-after-records"):
        assert whole[-1][0] == MalformedRecord.__name__  # type: ignore[index]


@given(st.sampled_from(sorted(STREAMS)), st.lists(st.integers(1, 64), max_size=40))
def test_random_chunks_give_the_same_events(name: str, chunks: list[int]) -> None:
    data = STREAMS[name]
    assert run(data, chunks) == run(data)
