"""Tests for pcaptls/tls/records.py (record splitting, SSLv2 framing) and pcaptls/tls/start.py (the TLS-start
scan, the upgrade guess)."""
from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.errors import MalformedRecord
from pcaptls.tls.records import EOF, NEED_DATA, Record, RecordSplitter, SSLv2Record
from pcaptls.tls.start import find_tls_start, guess_upgrade

BASE = 500

HANDSHAKE_RECORD = (
    b"\x16"                     # content type - handshake (22)
    + b"\x03\x01"               # record version - TLS 1.0
    + b"\x00\x04"               # length - 4 bytes
    + b"\x0e\x00\x00\x00"       # fragment - ServerHelloDone, empty body
)
CCS_RECORD = b"\x14" + b"\x03\x03" + b"\x00\x01" + b"\x01"          # change_cipher_spec, TLS 1.2, 1 byte, 01
EMPTY_APPDATA = b"\x17" + b"\x03\x03" + b"\x00\x00"                # application_data, TLS 1.2, 0 bytes

# SSLv2-compatible CLIENT-HELLO of a TLS 1.0 client, from zeek's testing/btest/Traces/tls/ssl.v3.pcap
# (first connection, 192.150.187.164:58868 -> 194.127.84.106:443).
SSLV2_CLIENT_HELLO_RECORD = bytes.fromhex(
    "8055"              # 2-byte header: high bit set, length 0x55 = 85
    "01"                # msg_type - CLIENT-HELLO
    "0301"              # version - TLS 1.0
    "003c"              # cipher_specs length - 60 (20 specs)
    "0000"              # session_id length - 0
    "0010"              # challenge length - 16
    "000039" "000038" "000035" "000033" "000032" "000004" "000005" "00002f" "000016" "000013"
    "feff00" "00000a" "000015" "000012" "fefe00" "000009" "000064" "000062" "000003" "000006"  # cipher specs
    "e6b8efdf91cf44f7eae43c83398fdcb2"                  # challenge
)
assert len(SSLV2_CLIENT_HELLO_RECORD) == 2 + 85


def pieces(data: bytes, chunks: list[int] | None) -> list[bytes]:
    """``data`` cut into ``chunks`` (then the rest), without empty pieces: ``b""`` would mean the end."""
    out, pos = [], 0
    for size in chunks or []:
        out.append(data[pos:pos + size])
        pos += size
    return [piece for piece in [*out, data[pos:]] if piece]


def split_all(data: bytes, *, base: int = BASE, chunks: list[int] | None = None, **kw: object) -> list[object]:
    """Feed ``data`` (in ``chunks`` if given) then EOF; collect records, ending in EOF or the error raised."""
    splitter = RecordSplitter(base_offset=base, **kw)  # type: ignore[arg-type]
    out: list[object] = []
    try:
        for piece in [*pieces(data, chunks), b""]:
            splitter.feed(piece)
            while (rec := splitter.next_record()) is not NEED_DATA:
                out.append(rec)
                if rec is EOF:
                    return out
    except MalformedRecord as exc:
        out.append(("error", exc.what, exc.offset))
    return out


# ---- TLS records ------------------------------------------------------------------------------------

def test_splits_records_and_reports_absolute_offsets() -> None:
    records = split_all(HANDSHAKE_RECORD + CCS_RECORD + EMPTY_APPDATA)
    assert records == [
        Record(22, 0x0301, b"\x0e\x00\x00\x00", BASE),
        Record(20, 0x0303, b"\x01", BASE + 9),
        Record(23, 0x0303, b"", BASE + 15),
        EOF,
    ]
    assert records[1].fragment_offset == BASE + 14  # type: ignore[union-attr]


def test_need_data_until_the_record_is_complete() -> None:
    splitter = RecordSplitter()
    for byte in HANDSHAKE_RECORD[:-1]:
        splitter.feed(bytes([byte]))
        assert splitter.next_record() is NEED_DATA
    splitter.feed(HANDSHAKE_RECORD[-1:])
    assert splitter.next_record() == Record(22, 0x0301, b"\x0e\x00\x00\x00", 0)
    assert splitter.next_record() is NEED_DATA
    splitter.feed(b"")
    assert splitter.next_record() is EOF
    assert splitter.next_record() is EOF
    splitter.feed(b"")              # a second end is harmless
    with pytest.raises(ValueError):
        splitter.feed(b"more")      # data after the end is a bad call


@pytest.mark.parametrize("cut", range(1, len(HANDSHAKE_RECORD)))
def test_stream_ending_inside_a_record_is_truncated(cut: int) -> None:
    assert split_all(HANDSHAKE_RECORD + HANDSHAKE_RECORD[:cut]) == [
        Record(22, 0x0301, b"\x0e\x00\x00\x00", BASE), ("error", "truncated record", BASE + 9)]


def test_errors_are_sticky() -> None:
    splitter = RecordSplitter()
    splitter.feed(b"\x16\x03\x03\x00")
    splitter.feed(b"")
    with pytest.raises(MalformedRecord) as first:
        splitter.next_record()
    with pytest.raises(MalformedRecord) as again:
        splitter.next_record()
    with pytest.raises(MalformedRecord) as on_feed:
        splitter.feed(b"x")
    assert first.value is again.value is on_feed.value


@pytest.mark.parametrize(("header", "detail"), [
    (b"\x19\x03\x03\x00\x01", "content type 0x19 is not TLS (20-24)"),
    (b"\x16\x02\x00\x00\x01", "version 0x0200 is not SSL 3/TLS"),
    (b"\x16\x03\x03\x48\x01", "length 18433 exceeds max_record_len 18432"),
])
def test_bad_tls_header_is_rejected_with_its_offset(header: bytes, detail: str) -> None:
    splitter = RecordSplitter(base_offset=BASE, allow_sslv2=False)
    splitter.feed(CCS_RECORD + header)
    assert splitter.next_record() == Record(20, 0x0303, b"\x01", BASE)
    with pytest.raises(MalformedRecord) as info:
        splitter.next_record()
    assert (info.value.what, info.value.offset, info.value.detail) == ("record header", BASE + 6, detail)


def test_max_record_len_is_configurable() -> None:
    assert split_all(HANDSHAKE_RECORD, max_record_len=3)[0] == ("error", "record header", BASE)


@pytest.mark.parametrize("allow_sslv2", [True, False])
@pytest.mark.parametrize("data", [b"GET / HTTP/1.1\r\n", random.Random(7).randbytes(64), random.Random(8).randbytes(64),
                                  b"SSH-2.0-OpenSSH_9.6\r\n", b"\x00\x00\x00\x08\x04\xd2\x16\x2f"])
def test_non_tls_is_rejected_once_five_bytes_are_in(data: bytes, allow_sslv2: bool) -> None:
    splitter = RecordSplitter(allow_sslv2=allow_sslv2)
    for i in range(5):
        splitter.feed(data[i:i + 1])
        try:
            assert splitter.next_record() is NEED_DATA
        except MalformedRecord as exc:
            assert exc.offset == 0
            return
    pytest.fail("5 bytes of non-TLS were accepted")


def test_compacts_its_buffer_while_handing_out_many_records() -> None:
    count = 20000
    splitter = RecordSplitter(base_offset=BASE)
    splitter.feed(HANDSHAKE_RECORD * count)
    for i in range(count):
        assert splitter.next_record().offset == BASE + 9 * i  # type: ignore[union-attr]
        assert splitter._start < 1 << 17            # consumed bytes do not pile up
    assert splitter.next_record() is NEED_DATA and len(splitter._buf) == 0


def test_sentinels_are_singletons_that_survive_pickling() -> None:
    assert pickle.loads(pickle.dumps(NEED_DATA)) is NEED_DATA
    assert repr(EOF) == "EOF" and NEED_DATA is not EOF


# ---- SSLv2 framing ----------------------------------------------------------------------------------

def test_sslv2_client_hello_then_tls_records() -> None:
    records = split_all(SSLV2_CLIENT_HELLO_RECORD + CCS_RECORD)
    v2 = records[0]
    assert isinstance(v2, SSLv2Record)
    assert (v2.msg_type, v2.offset, v2.header_len, v2.body_offset) == (1, BASE, 2, BASE + 3)
    assert v2.body == SSLV2_CLIENT_HELLO_RECORD[3:]
    assert records[1:] == [Record(20, 0x0303, b"\x01", BASE + 87), EOF]


def test_no_sslv2_after_a_tls_record() -> None:
    assert split_all(CCS_RECORD + SSLV2_CLIENT_HELLO_RECORD)[1] == ("error", "record header", BASE + 6)


def test_sslv2_needs_permission() -> None:
    assert split_all(SSLV2_CLIENT_HELLO_RECORD, allow_sslv2=False) == [("error", "record header", BASE)]


def test_sslv2_records_may_follow_an_sslv2_hello() -> None:
    server_hello = b"\x80\x04" + b"\x04" + b"\x00\x01\x00"      # SERVER-HELLO (too short to parse, framed fine)
    encrypted = b"\x00\x05\x02" + b"\x10" + b"abcd"             # 3-byte header: length 5, padding 2
    records = split_all(server_hello + encrypted)
    assert records == [SSLv2Record(4, b"\x00\x01\x00", BASE, 2), SSLv2Record(0x10, b"abcd", BASE + 6, 3), EOF]
    assert records[1].body_offset == BASE + 10  # type: ignore[union-attr]


@pytest.mark.parametrize(("first", "record"), [
    (b"\x80\x03" + b"\x00" + b"\x00\x01", SSLv2Record(0, b"\x00\x01", BASE, 2)),              # ERROR no-cipher
    (b"\x00\x03\x00" + b"\x04" + b"\x01\x00", SSLv2Record(4, b"\x01\x00", BASE, 3)),          # 3-byte header
])
def test_other_sslv2_openings_are_framed(first: bytes, record: SSLv2Record) -> None:
    assert split_all(first) == [record, EOF]


@pytest.mark.parametrize(("data", "offset"), [
    (b"\x80\x01\x01", BASE),                            # an SSLv2 opening record too short for a hello
    (b"\x80\x05\x02\x03\x01\x00\x00", BASE),            # CLIENT-MASTER-KEY cannot open a stream
    (b"\x80\x05\x01\x07\x01\x00\x00", BASE),            # CLIENT-HELLO with version 0x0701
    (b"\x00\x02\x05\x01\x03", BASE),                    # 3-byte header with padding >= length
    (b"\x80\x03\x04\x00\x01\x80\x00", BASE + 5),        # after a hello: an empty SSLv2 record
])
def test_bad_sslv2_framing(data: bytes, offset: int) -> None:
    assert split_all(data)[-1][1:] in {("record header", offset), ("SSLv2 record header", offset)}  # type: ignore[index]


# ---- properties (STYLE §5.15 c, d) ------------------------------------------------------------------

@given(st.binary(max_size=300))
def test_arbitrary_bytes_split_or_raise_malformed_record(data: bytes) -> None:
    out = split_all(data)
    assert out[-1] is EOF or out[-1][0] == "error"  # type: ignore[index]


def tls_records() -> st.SearchStrategy[bytes]:
    record = st.builds(lambda ct, v, frag: bytes([ct]) + v.to_bytes(2, "big") + len(frag).to_bytes(2, "big") + frag,
                       st.integers(20, 24), st.integers(0x0300, 0x0304), st.binary(max_size=40))
    return st.lists(record, max_size=8).map(b"".join)


@given(st.one_of(tls_records(), st.binary(max_size=120)), st.lists(st.integers(1, 64), max_size=20))
def test_chunking_does_not_change_records(data: bytes, chunks: list[int]) -> None:
    whole = split_all(data)
    assert split_all(data, chunks=chunks) == whole
    assert split_all(data, chunks=[1] * len(data)) == whole


# ---- find_tls_start ---------------------------------------------------------------------------------

CLIENT_HELLO_RECORD = bytes.fromhex(
    "160301"            # handshake, record version TLS 1.0
    "002f"              # record length 47
    "01" "00002b"       # ClientHello, length 43
    "0303" + "00" * 32  # legacy_version TLS 1.2, random
    + "00"              # session id: empty
    "0002" "c02f"       # one cipher suite
    "0100"              # compression: null
    "0000"              # empty extensions block
)
assert len(CLIENT_HELLO_RECORD) == 5 + 47
SERVER_HELLO_RECORD = bytes.fromhex("160303002a" "020000260303" + "00" * 32 + "00" "c02f" "00")
ALERT_RECORD = bytes.fromhex("1503030002" "0228")                  # fatal handshake_failure
SSLV2_SERVER_HELLO_START = bytes.fromhex(
    "801e" "04"                     # 2-byte header (length 30), SERVER-HELLO
    "00" "01" "0002"                # no session id hit, X.509, SSL 2.0
    "0000" "0003" "0010"            # no certificate, one cipher spec, 16-byte connection id
    "010080" + "ab" * 16)

SMTP_CLIENT = b"EHLO openssl.client.net\r\nSTARTTLS\r\n"
SMTP_SERVER = (b"220 mx.google.com ESMTP hf10si4097299icc.190 - gsmtp\r\n250-mx.google.com at your service\r\n"
               b"250-STARTTLS\r\n250 CHUNKING\r\n220 2.0.0 Ready to start TLS\r\n")
HTTP_CONNECT = b"CONNECT secure.newegg.com:443 HTTP/1.1\r\nHost: secure.newegg.com:443\r\n\r\n"


@pytest.mark.parametrize("prefix", [b"", SMTP_CLIENT, HTTP_CONNECT, b"\x16\x03\x01 not a record\r\n" * 3])
def test_finds_the_client_hello_after_any_prefix(prefix: bytes) -> None:
    assert find_tls_start(prefix + CLIENT_HELLO_RECORD, client=True) == len(prefix)
    assert find_tls_start(prefix + SSLV2_CLIENT_HELLO_RECORD, client=True) == len(prefix)


@pytest.mark.parametrize("hello", [SERVER_HELLO_RECORD, ALERT_RECORD, SSLV2_SERVER_HELLO_START])
def test_finds_the_server_side_start(hello: bytes) -> None:
    assert find_tls_start(SMTP_SERVER + hello, client=False) == len(SMTP_SERVER)
    assert find_tls_start(hello, client=True) is None


def one_byte_records(data: bytes) -> bytes:
    return b"".join(b"\x16\x03\x01\x00\x01" + data[i:i + 1] for i in range(len(data)))


def test_finds_a_hello_spanning_small_records_and_a_draft_hrr() -> None:
    tiny = one_byte_records(CLIENT_HELLO_RECORD[5:])
    assert find_tls_start(SMTP_CLIENT + tiny, client=True) == len(SMTP_CLIENT)
    assert find_tls_start(SMTP_CLIENT + tiny[:6 * 6 - 1], client=True) is None     # hello version not in yet
    assert find_tls_start(tiny[:12] + b"\x17" + tiny[13:], client=True) is None     # not all handshake records
    split_header = bytes.fromhex("1603010002" "0100" "1603010004" "002b0303")
    assert find_tls_start(split_header, client=True) == 0
    draft_hrr = bytes.fromhex("160301000e" "0600000a" "7f12" "0006" "0028000200 17".replace(" ", ""))
    assert find_tls_start(draft_hrr, client=False) == 0


@pytest.mark.parametrize(("data", "limit"), [
    (b"hello world\r\n" * 10, 16384),
    (SMTP_CLIENT + CLIENT_HELLO_RECORD, len(SMTP_CLIENT)),          # starts exactly at the limit
    (SMTP_CLIENT + CLIENT_HELLO_RECORD[:10], 16384),               # candidate cut before its hello version
])
def test_nothing_found(data: bytes, limit: int) -> None:
    assert find_tls_start(data, client=True, limit=limit) is None


@pytest.mark.parametrize("candidate", [
    bytes.fromhex("1603010030" "0100002b" "0909"),            # hello version 0x0909
    bytes.fromhex("1603010000" "0100002b" "0303"),            # an empty record cannot start a hello
    bytes.fromhex("1603010030" "01000010" "0303"),            # hello shorter than any ClientHello
    bytes.fromhex("1603010030" "01030000" "0303"),            # hello longer than 2^17
    bytes.fromhex("8040" "01" "0301" "0004" "0000" "0010"),    # SSLv2: specs not a multiple of 3
    bytes.fromhex("8040" "01" "0301" "0003" "0000" "0010"),    # SSLv2: lengths do not add up
])
def test_implausible_client_candidates_are_skipped(candidate: bytes) -> None:
    assert find_tls_start(candidate + b"\x00" * 80, client=True) is None


@pytest.mark.parametrize("candidate", [
    bytes.fromhex("1503030002" "0328"),                 # alert level 3
    bytes.fromhex("801d" "04" "05" "01"),               # SSLv2 SERVER-HELLO with session_id_hit 5
])
def test_implausible_server_candidates_are_skipped(candidate: bytes) -> None:
    assert find_tls_start(candidate + b"\x00" * 40, client=False) is None


@given(st.binary(max_size=200), st.booleans())
def test_find_tls_start_never_fails(data: bytes, client: bool) -> None:
    found = find_tls_start(data, client=client, limit=150)
    assert found is None or 0 <= found < 150


# ---- guess_upgrade ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("prefix", "name"), [
    (SMTP_CLIENT, "smtp-starttls"),
    (b". CAPABILITY\r\n. STARTTLS\r\n", "imap-starttls"),
    (b"STLS\r\n", "pop3-stls"),
    (b"FEAT\r\nAUTH TLS\r\n", "ftp-auth-tls"),
    (b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='jabber.ccc.de' version='1.0'>"
     b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", "xmpp-starttls"),
    (b"0\x1d\x02\x01\x01w\x18\x80\x161.3.6.1.4.1.1466.20037", "ldap-starttls"),
    (b"STARTTLS\r\n", "irc-starttls"),
    (b"CAPABILITIES\r\nSTARTTLS\r\n", "nntp-starttls"),
    (HTTP_CONNECT, "http-connect"),
    (b"\x04\x01\x01\xbb]\xb8\xd8w\x00", "socks4"),
    (b"\x05\x02\x00\x01\x05\x01\x00\x01]\xb8\xd8w\x01\xbb", "socks5"),
    (b"PROXY TCP4 11.111.11.111 222.222.222.22 52176 443\r\n", "proxy-protocol-v1"),
    (b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c" + bytes(12), "proxy-protocol-v2"),
    (b" \x00\x00\x01\x85\xae\xff \x00\x00\x00\x01!" + bytes(23), "mysql-ssl"),
    (b"\x00\x00\x00\x08\x04\xd2\x16/", "postgres-ssl"),
    (b"\x00\x01\x02garbage", "unknown"),
])
def test_guess_upgrade_names_the_client_opening(prefix: bytes, name: str) -> None:
    assert guess_upgrade(prefix) == name


@pytest.mark.parametrize(("server", "name"), [
    (SMTP_SERVER, "smtp-starttls"),
    (b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n. OK Begin TLS\r\n", "imap-starttls"),
    (b"+OK POP3 server ready\r\n+OK Begin TLS negotiation now\r\n", "pop3-stls"),
    (b"220 (vsFTPd 3.0.5)\r\n234 Proceed with negotiation.\r\n", "ftp-auth-tls"),
    (b":irc.joulunet.org 670  :STARTTLS successful, go ahead with TLS handshake\r\n", "irc-starttls"),
    (b"200 news.example.com ready\r\n382 Continue with TLS negotiation\r\n", "nntp-starttls"),
    (b"HTTP/1.0 200 Connection Established\r\nProxy-agent: Apache\r\n\r\n", "http-connect"),
    (b"\x00Z\x99\xb4\n\xb4\x9c\xf9", "socks4"),
    (b"\x05\x00\x05\x00\x00\x01\n\xb4\x9c\xf9\x99\xb6", "socks5"),
    (b"0\x0c\x02\x01\x01x\x07\n\x01\x00\x04\x00\x04\x00", "ldap-starttls"),
    (b"J\x00\x00\x00\n8.0.28\x00" + bytes(20), "mysql-ssl"),
    (b"S", "postgres-ssl"),
    (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client'>", "xmpp-starttls"),
    (b"garbage\r\n", "unknown"),
])
def test_guess_upgrade_reads_the_server_side_when_the_client_says_nothing(server: bytes, name: str) -> None:
    assert guess_upgrade(b"\x01", server) == name


def test_server_side_breaks_a_bare_starttls_tie() -> None:
    assert guess_upgrade(b"STARTTLS\r\n", b"201 news.example.com\r\n382 go\r\n") == "nntp-starttls"
    assert guess_upgrade(b"STARTTLS\r\n", b"220 mail.example.com ESMTP\r\n") == "smtp-starttls"


@given(st.binary(max_size=80), st.binary(max_size=80))
def test_guess_upgrade_always_names_something(prefix: bytes, server: bytes) -> None:
    assert isinstance(guess_upgrade(prefix, server), str)


def test_find_record_boundary_needs_two_headers_or_the_end() -> None:
    from pcaptls.tls.start import find_record_boundary
    ccs, appdata = bytes.fromhex("140303000101"), bytes.fromhex("1703030004") + b"abcd"
    noise = b"\x17\x03\x03\x00\x05xx"                      # a header whose record runs into more noise
    assert find_record_boundary(b"junk" + ccs + appdata) == 4
    assert find_record_boundary(b"junk" + appdata) == 4     # ends exactly at the end of the data
    assert find_record_boundary(noise + b"zzzzzzzz") is None
    assert find_record_boundary(b"") is None
