"""Tests for pcaptls/tls/handshake.py: defragmentation, encryption tracking, the state table."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pcaptls.errors import MalformedHandshake, MalformedRecord, ResourceLimitExceeded
from pcaptls.tls.handshake import (
    EOF, NEED_DATA, TRANSITIONS, Alert, ChangeCipherSpec, EncryptedAlert, EncryptedData, HandshakeMessage,
    HandshakeReader, Heartbeat, Input, SSLv2Message, State, advance,
)

BASE = 100


def record(content_type: int, fragment: bytes, version: int = 0x0303) -> bytes:
    return bytes([content_type]) + version.to_bytes(2, "big") + len(fragment).to_bytes(2, "big") + fragment


def handshake(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def events(data: bytes, *, base: int = BASE, end: bool = True, **kw: object) -> list[object]:
    reader = HandshakeReader(base_offset=base, **kw)  # type: ignore[arg-type]
    reader.feed(data)
    if end:
        reader.feed(b"")
    out = []
    while (ev := reader.next_event()) is not NEED_DATA:
        out.append(ev)
        if ev is EOF:
            break
    return out


# Two messages in one record: ServerHello (TLS 1.2, no extensions) and ServerHelloDone.
SERVER_HELLO_BODY = (
    b"\x03\x03"             # legacy_version - TLS 1.2
    + b"\x5a" * 32          # random
    + b"\x00"               # session id - empty
    + b"\xc0\x2f"           # cipher suite - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    + b"\x00"               # compression - null
)
assert len(SERVER_HELLO_BODY) == 38
TWO_MESSAGES = (
    b"\x16"                 # content type - handshake
    + b"\x03\x03"           # record version - TLS 1.2
    + b"\x00\x2e"           # record length - 46 = 4 + 38 + 4
    + b"\x02"               # msg type - server_hello
    + b"\x00\x00\x26"       # length - 38
    + SERVER_HELLO_BODY
    + b"\x0e"               # msg type - server_hello_done
    + b"\x00\x00\x00"       # length - 0
)
assert len(TWO_MESSAGES) == 5 + 46


def test_several_messages_in_one_record() -> None:
    assert events(TWO_MESSAGES) == [
        HandshakeMessage(2, SERVER_HELLO_BODY, BASE + 5, 0x0303),
        HandshakeMessage(14, b"", BASE + 47, 0x0303),
        EOF,
    ]
    assert HandshakeMessage(2, b"", BASE + 5, 0x0303).body_offset == BASE + 9


def test_message_spanning_three_records_with_a_split_header() -> None:
    msg = handshake(1, bytes(range(200)))
    stream = record(22, msg[:2], 0x0301) + record(22, msg[2:150]) + record(22, msg[150:] + handshake(14, b""))
    assert events(stream) == [
        HandshakeMessage(1, bytes(range(200)), BASE + 5, 0x0301),      # version of the first record
        HandshakeMessage(14, b"", BASE + 5 + 2 + 5 + 148 + 5 + 54, 0x0303),
        EOF,
    ]


def test_records_of_other_types() -> None:
    stream = (record(21, b"\x01\x00")                     # warning close_notify
              + record(23, b"early data")                 # application data (0-RTT)
              + record(24, b"\x01\x00\x10" + bytes(16))   # heartbeat
              + record(21, b"\x02\x28\x00")               # 3-byte alert: protected
              + record(22, b""))                          # an empty handshake record yields nothing
    assert events(stream) == [
        Alert(1, 0, BASE), EncryptedData(23, BASE + 7, 10), Heartbeat(BASE + 22),
        EncryptedAlert(BASE + 46, 3), EOF,
    ]


def test_after_change_cipher_spec_handshake_records_are_encrypted() -> None:
    finished = b"\x00" * 8 + b"\x9a" * 32                 # GCM explicit nonce 0 + ciphertext
    stream = record(20, b"\x01") + record(22, finished) + record(21, b"\x01\x00") + record(20, b"\xe3" * 24)
    assert events(stream) == [
        ChangeCipherSpec(BASE), EncryptedData(22, BASE + 6, 40), Alert(1, 0, BASE + 51),
        ChangeCipherSpec(BASE + 58),                      # renegotiation: the second CCS is protected
        EOF,
    ]


@pytest.mark.parametrize("body", [b"", b"\x02", b"\x01\x01"])
def test_cleartext_change_cipher_spec_must_be_01(body: bytes) -> None:
    with pytest.raises(MalformedHandshake) as info:
        events(record(22, handshake(14, b"")) + record(20, body))
    assert (info.value.what, info.value.offset) == ("change_cipher_spec", BASE + 9 + 5)


def test_empty_change_cipher_spec_is_malformed_when_encrypted_too() -> None:
    with pytest.raises(MalformedHandshake):
        events(record(20, b"\x01") + record(20, b""))


def test_mark_encrypted_applies_to_the_next_record() -> None:
    reader = HandshakeReader(base_offset=BASE)
    reader.feed(record(22, handshake(2, SERVER_HELLO_BODY)) + record(22, b"\x17" * 30))
    assert isinstance(reader.next_event(), HandshakeMessage)
    reader.mark_encrypted()
    assert reader.state is State.ENCRYPTED
    assert reader.next_event() == EncryptedData(22, BASE + 47, 30)
    assert reader.next_event() is NEED_DATA


def test_compat_ccs_keeps_handshake_records_readable() -> None:
    """TLS 1.3 with HelloRetryRequest: ClientHello1, CCS, ClientHello2 (RFC 8446 D.4)."""
    stream = record(22, handshake(1, b"first")) + record(20, b"\x01") + record(22, handshake(1, b"second"))
    reader = HandshakeReader()
    reader.feed(stream)
    assert reader.next_event() == HandshakeMessage(1, b"first", 5, 0x0303)
    reader.mark_compat_ccs()
    assert reader.next_event() == ChangeCipherSpec(14)
    assert reader.next_event() == HandshakeMessage(1, b"second", 25, 0x0303)
    assert reader.state is State.CLEARTEXT


def test_sslv2_records_become_sslv2_messages() -> None:
    stream = bytes.fromhex("8003" "00" "0001")           # SSLv2 ERROR, no-cipher
    assert events(stream) == [SSLv2Message(0, b"\x00\x01", BASE, 2), EOF]
    assert SSLv2Message(0, b"", BASE, 3).body_offset == BASE + 4


@pytest.mark.parametrize("intruder", [record(20, b"\x01"), record(21, b"\x02\x28"), record(23, b"x"), record(24, b"y")])
def test_another_content_type_inside_a_fragmented_message_is_malformed(intruder: bytes) -> None:
    stream = record(22, handshake(11, bytes(100))[:50]) + intruder
    with pytest.raises(MalformedHandshake) as info:
        events(stream)
    assert info.value.offset == BASE + 55
    assert "inside a fragmented handshake message" in info.value.detail


@pytest.mark.parametrize("cut", [1, 3, 4, 50])
def test_stream_ending_inside_a_message_is_truncated(cut: int) -> None:
    with pytest.raises(MalformedHandshake) as info:
        events(record(22, handshake(11, bytes(100))[:cut]))
    assert (info.value.what, info.value.offset) == ("truncated handshake message", BASE + 5)


def test_mark_encrypted_inside_a_fragment_is_malformed_and_sticky() -> None:
    reader = HandshakeReader(base_offset=BASE)
    reader.feed(record(22, handshake(11, bytes(100))[:50]))
    assert reader.next_event() is NEED_DATA and reader.state is State.FRAGMENT
    with pytest.raises(MalformedHandshake) as info:
        reader.mark_encrypted()
    assert info.value.offset == BASE + 5
    for call in (reader.next_event, reader.mark_encrypted, lambda: reader.feed(b"x")):
        with pytest.raises(MalformedHandshake) as again:
            call()
        assert again.value is info.value


def test_oversized_message_hits_the_resource_limit() -> None:
    with pytest.raises(ResourceLimitExceeded) as info:
        events(record(22, b"\x0b\x00\x10\x01"), max_handshake_len=4096)
    assert info.value.limit == 4096 and "at offset 105" in info.value.detail


def test_record_errors_pass_through_and_stick() -> None:
    reader = HandshakeReader(max_record_len=10)
    reader.feed(record(23, bytes(11)))
    with pytest.raises(MalformedRecord) as info:
        reader.next_event()
    with pytest.raises(MalformedRecord) as again:
        reader.next_event()
    assert info.value is again.value


def test_closed_reader_keeps_answering_eof() -> None:
    reader = HandshakeReader()
    reader.feed(b"")
    assert reader.next_event() is EOF
    reader.mark_encrypted()
    assert reader.next_event() is EOF and reader.state is State.CLOSED


# ---- the state table (h2 style: every pair either moves as the table says or is malformed) ----------

@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("inp", list(Input))
def test_every_state_input_pair(state: State, inp: Input) -> None:
    expected = TRANSITIONS.get((state, inp))
    if expected is None:
        with pytest.raises(MalformedHandshake) as info:
            advance(state, inp, 42)
        assert info.value.offset == 42
    else:
        assert advance(state, inp, 42) is expected


def test_state_table_shape() -> None:
    assert all(nxt is not State.FRAGMENT or inp is Input.HANDSHAKE_PARTIAL for (_, inp), nxt in TRANSITIONS.items())
    assert [inp for (state, inp) in TRANSITIONS if state is State.FRAGMENT] == [
        Input.HANDSHAKE_WHOLE, Input.HANDSHAKE_PARTIAL]
    assert all(TRANSITIONS.get((s, Input.END)) in (State.CLOSED, None) for s in State)


# Realistic routes into each state, and a record per input, for the black-box version of the table test.
def _reach(state: State) -> HandshakeReader:
    reader = HandshakeReader()
    reader.feed({State.CLEARTEXT: record(22, handshake(14, b"")),
                 State.FRAGMENT: record(22, b"\x0b\x00\x00\x08" + b"abc"),
                 State.ENCRYPTED: record(20, b"\x01"),
                 State.CLOSED: b""}[state])
    while reader.next_event() not in (NEED_DATA, EOF):
        pass
    assert reader.state is state
    return reader


_INPUT_RECORDS = {
    Input.CHANGE_CIPHER_SPEC: record(20, b"\x01"), Input.ALERT: record(21, b"\x02\x28"),
    Input.APPLICATION_DATA: record(23, b"data"), Input.HEARTBEAT: record(24, b"\x01"),
}


@given(st.sampled_from([State.CLEARTEXT, State.FRAGMENT, State.ENCRYPTED]),
       st.sampled_from(sorted(_INPUT_RECORDS, key=str)))
def test_records_drive_the_table(state: State, inp: Input) -> None:
    reader = _reach(state)
    reader.feed(_INPUT_RECORDS[inp])
    expected = TRANSITIONS.get((state, inp))
    if expected is None:
        with pytest.raises(MalformedHandshake):
            reader.next_event()
    else:
        assert reader.next_event() not in (NEED_DATA, EOF)
        assert reader.state is expected


# ---- arbitrary input (STYLE §5.15 c) ----------------------------------------------------------------

ALLOWED = (MalformedRecord, MalformedHandshake, ResourceLimitExceeded)


def streams() -> st.SearchStrategy[bytes]:
    fragment = st.one_of(st.binary(max_size=30),
                         st.builds(handshake, st.integers(0, 255), st.binary(max_size=40)),
                         st.just(b"\x01"), st.just(b"\x02\x28"))
    rec = st.builds(record, st.sampled_from([20, 21, 22, 23, 24]), fragment, st.sampled_from([0x0301, 0x0303]))
    return st.lists(rec, max_size=8).map(b"".join)


@given(st.one_of(streams(), st.binary(max_size=200)), st.booleans())
def test_arbitrary_streams_give_events_or_our_errors(data: bytes, compat: bool) -> None:
    reader = HandshakeReader(max_handshake_len=64)
    if compat:
        reader.mark_compat_ccs()
    reader.feed(data)
    reader.feed(b"")
    try:
        while reader.next_event() is not EOF:
            pass
    except ALLOWED:
        pass


def test_queued_events_are_not_returned_after_an_error() -> None:
    reader = HandshakeReader()
    reader.feed(record(22, handshake(14, b"") + handshake(14, b"") + b"\x0b\x00"))
    assert reader.next_event() == HandshakeMessage(14, b"", 5, 0x0303)
    with pytest.raises(MalformedHandshake) as info:
        reader.mark_encrypted()                 # a message is half-read: the caller cannot be right
    with pytest.raises(MalformedHandshake) as again:
        reader.next_event()                     # the second ServerHelloDone stays queued, unseen
    assert again.value is info.value


def test_one_byte_records() -> None:
    msg = handshake(1, b"\x03\x03" + bytes(40))
    assert events(b"".join(record(22, msg[i:i + 1]) for i in range(len(msg)))) == [
        HandshakeMessage(1, msg[4:], BASE + 5, 0x0303), EOF]
