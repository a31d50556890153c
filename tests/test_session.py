"""session.py: the TLS view of one connection, fed direction by direction (sans-IO)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.build import _damaged_hellos, client_finish_13, client_hello_12, client_hello_13, server_finish_12, \
    server_flight_12, server_flight_13, client_finish_12
from pcaptls.model import Endpoint, ip_from_packed
from pcaptls.session import TlsSession

ENDPOINTS = (Endpoint(ip_from_packed(b"\n\0\0\1"), 40000), Endpoint(ip_from_packed(b"\n\0\0\2"), 443))

TLS13 = [(0, client_hello_13("s13", "s13.example.com")), (1, server_flight_13("s13")),
         (0, client_finish_13("s13"))]
TLS12 = [(0, client_hello_12("s12", "s12.example.com")), (1, server_flight_12("s12", "h2")),
         (0, client_finish_12("s12")), (1, server_finish_12("s12"))]


def _result(session: TlsSession):
    return session.result(capture="x", ts_ns=0, last_ts_ns=0, endpoints=ENDPOINTS, closed_by="fin",
                          packets=(5, 5), payload_bytes=(0, 0))


def _feed(flights, chunk_sizes: list[int], client_dir: int = 0) -> TlsSession:
    session = TlsSession(0)
    sizes = iter(chunk_sizes or [1 << 20])
    for d, data in flights:
        d = d if client_dir == 0 else 1 - d
        pos = 0
        while pos < len(data):
            n = next(sizes, 1 << 20)
            session.data(d, data[pos:pos + n], 0)
            pos += n
    session.end(0)
    session.end(1)
    return session


def test_tls13_established() -> None:
    conn = _result(_feed(TLS13, []))
    assert conn.outcome == "established"
    assert conn.client_hello.server_name == b"s13.example.com"
    assert conn.server_hello.selected_version == 0x0304
    assert conn.client.port == 40000


def test_client_found_by_content_not_by_direction_number() -> None:
    conn = _result(_feed(TLS12, [], client_dir=1))
    assert conn.client.port == 443 and conn.server.port == 40000    # direction 1 sent the ClientHello
    assert conn.outcome == "established"


def test_stops_needing_data_once_both_sides_are_encrypted() -> None:
    session = TlsSession(0)
    for d, data in TLS12:
        assert not session.done
        session.data(d, data, 0)
    assert session.done


def test_server_only_capture_still_reports_the_server_hello() -> None:
    session = TlsSession(0)
    session.data(1, server_flight_12("srv", None), 0)
    session.end(0)
    session.end(1)
    conn = _result(session)
    assert conn.client_hello is None and conn.server_hello is not None
    assert conn.outcome == "incomplete"     # closed, but its start (the ClientHello) was not captured
    assert conn.server.port == 443 and conn.client.port == 40000   # direction 1 answered: it is the server


def test_non_tls_gives_up_after_scan_limit() -> None:
    session = TlsSession(0, scan_limit=1024)
    session.data(0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 100, 0)
    session.data(1, b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 2000, 0)
    assert session.done and not session.is_tls


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 300), max_size=60), st.sampled_from([TLS12, TLS13]))
def test_any_chunking_gives_the_same_connection(chunks: list[int], flights) -> None:
    assert _result(_feed(flights, chunks)) == _result(_feed(flights, []))


def test_after_a_gap_past_the_hello_records_are_found_again() -> None:
    """A hole in the server's certificate: its ChangeCipherSpec after the hole still shows the handshake
    went on (tshark resumes there too)."""
    flight = server_flight_12("gap", "h2")
    session = TlsSession(0)
    session.data(0, client_hello_12("gap", "gap.example.com"), 0)
    session.data(1, flight[:300], 0)                    # ServerHello and the start of the Certificate
    session.gap(1, 500, 800)                            # 500 bytes lost
    session.data(1, flight[800:], 0)                    # the rest of the flight, mid-record
    session.data(0, client_finish_12("gap"), 0)
    session.data(1, server_finish_12("gap"), 0)
    conn = _result(session)
    assert conn.server_hello is not None and conn.gaps == 1
    assert conn.server_encrypted and conn.outcome == "established"
    assert session.done


def test_resync_reads_an_alert_after_a_gap() -> None:
    session = TlsSession(0)
    session.data(0, client_hello_12("alert", "alert.example.com"), 0)
    flight = server_flight_12("alert", None)
    session.data(1, flight[:200], 0)
    session.gap(1, 100, 300)
    session.data(1, flight[300:] + bytes.fromhex("15030300020228"), 0)   # ..., fatal handshake_failure
    conn = _result(session)
    assert [(a.level, a.description, a.sender) for a in conn.alerts] == [(2, 40, "server")]
    assert conn.outcome == "failed"


def test_a_server_hello_while_the_client_side_resyncs() -> None:
    """The client's stream lost bytes after its hello and has found records again (a handshake record,
    no CCS yet) when the ServerHello arrives: both are followed to the end."""
    cke = bytes.fromhex("1603030025") + bytes([16, 0, 0, 0x21]) + bytes(0x21)
    session = TlsSession(0)
    session.data(0, client_hello_12("rs", "rs.example.com"), 0)
    session.gap(0, 40, 600)
    session.data(0, b"\x99" * 7 + cke + cke, 0)           # the tail of something lost, then records
    session.data(1, server_flight_12("rs", None), 0)
    session.data(0, bytes.fromhex("140303000101"), 0)      # the client's ChangeCipherSpec
    session.data(1, server_finish_12("rs"), 0)
    conn = _result(session)
    assert conn.server_hello is not None and conn.client_encrypted and conn.server_encrypted
    assert conn.outcome == "established"


def test_a_hello_with_a_damaged_extension_block_is_kept_and_followed() -> None:
    """The bytes of damaged_extensions.pcap connection 1: the ClientHello's last extension runs past the
    block. The hello is kept (supported_versions, read before the damage, says TLS 1.3), the damage is the
    flow's malformed_handshake at the same offset, and the client direction is still followed: its CCS
    and encrypted records after the hello make the connection established."""
    past_the_block, _, _ = _damaged_hellos()
    conn = _result(_feed([(0, past_the_block), (1, server_flight_13("damaged1")),
                          (0, client_finish_13("damaged1"))], []))
    ch = conn.client_hello
    assert ch is not None and ch.server_name == b"damaged1.example.com" and ch.supported_versions == (0x0304, 0x0303)
    assert ch.malformed == f"extension 0x0015 at offset {ch.malformed_offset}: need 64 bytes, 4 left"
    assert ch.malformed_offset == len(past_the_block) - 4        # the padding's 4 bytes of data end the stream
    assert [(e.kind, e.direction, e.offset, e.detail) for e in conn.errors] == [
        ("malformed_handshake", "client", ch.malformed_offset, ch.malformed)]
    assert conn.client_encrypted and conn.outcome == "established"


def test_a_server_hello_with_trailing_bytes_is_kept() -> None:
    _, _, server_trailing = _damaged_hellos()
    flight = server_flight_12("damaged3", "h2")
    sound_sh_len = 5 + int.from_bytes(flight[3:5], "big")                 # the flight's first record
    session = _feed([(0, client_hello_12("damaged3", "damaged3.example.com")),
                     (1, server_trailing + flight[sound_sh_len:]), (0, client_finish_12("damaged3")),
                     (1, server_finish_12("damaged3"))], [])
    conn = _result(session)
    sh = conn.server_hello
    assert sh is not None and (sh.cipher_suite, sh.alpn) == (0xC02B, b"h2")
    assert sh.malformed == f"server_hello at offset {sh.malformed_offset}: 2 unexpected trailing bytes"
    assert sh.malformed_offset == len(server_trailing) - 2       # the 2 bytes after the block end the record
    assert [(e.kind, e.direction) for e in conn.errors] == [("malformed_handshake", "server")]
    assert conn.outcome == "established"
