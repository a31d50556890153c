"""A handshake message split over many records is read in one pass (``RecordSplitter.continue_fragments``
and its strided run of tiny records): the events and errors must be exactly those of reading the same
stream record by record, whatever the record sizes, chunking, versions, intruding records and limits."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.errors import MalformedInput, ResourceLimitExceeded
from pcaptls.tls.handshake import EOF, NEED_DATA, HandshakeMessage, HandshakeReader
from pcaptls.tls.records import RecordSplitter


def record(content_type: int, fragment: bytes, version: int = 0x0303) -> bytes:
    return bytes([content_type]) + version.to_bytes(2, "big") + len(fragment).to_bytes(2, "big") + fragment


def handshake(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def run(data: bytes, chunks: list[int], *, coalesce: bool, **kw: object) -> list[object]:
    """Events (and the error, as its type, offset and text) of ``data`` fed in ``chunks``."""
    reader = HandshakeReader(base_offset=1000, **kw)  # type: ignore[arg-type]
    if not coalesce:                  # the reference: every record goes through next_record on its own
        reader._records.continue_fragments = lambda *_args: b""  # type: ignore[method-assign]
    out: list[object] = []
    pos = 0
    pieces = [*chunks, len(data)]
    try:
        for size in pieces:
            piece = data[pos:pos + size]
            pos += len(piece)
            if piece:
                reader.feed(piece)
            if pos >= len(data):
                reader.feed(b"")
            while (ev := reader.next_event()) is not NEED_DATA:
                out.append(ev)
                if ev is EOF:
                    return out
    except (MalformedInput, ResourceLimitExceeded) as exc:
        out.append((type(exc).__name__, getattr(exc, "offset", None), str(exc)))
    return out


@st.composite
def split_stream(draw: st.DrawFn) -> bytes:
    """Handshake messages cut into records: runs of equal tiny records, random sizes, other record types."""
    messages = draw(st.lists(st.builds(handshake, st.sampled_from([1, 2, 11, 14, 16, 254]),
                                       st.binary(max_size=120)), min_size=1, max_size=4))
    data = b"".join(messages)
    out, pos = [], 0
    while pos < len(data):
        kind = draw(st.integers(0, 3))
        version = draw(st.sampled_from([0x0301, 0x0303]))
        if kind == 0:                     # a run of records of one tiny size
            size, count = draw(st.integers(1, 17)), draw(st.integers(1, 40))
            for _ in range(count):
                if pos >= len(data):
                    break
                out.append(record(22, data[pos:pos + size], version))
                pos += size
        elif kind == 3 and draw(st.booleans()):   # something else in between (legal or not)
            out.append(record(draw(st.sampled_from([20, 21, 23])), draw(st.sampled_from([b"\x01", b"\x02\x28", b"xyz"]))))
        else:
            size = draw(st.integers(1, 300))
            out.append(record(22, data[pos:pos + size], version))
            pos += size
    stream = b"".join(out)
    if draw(st.booleans()):               # a damaged tail: a bad header or a record cut short
        stream += draw(st.sampled_from([b"\x16\x03\x03\x00\x05ab", b"\x99\x03\x03\x00\x01a", b"\x16\x03"]))
    return stream


@settings(max_examples=300, deadline=None)
@given(split_stream(), st.lists(st.integers(1, 200), max_size=30), st.booleans(), st.sampled_from([64, 2 ** 17]))
def test_coalesced_reading_equals_record_by_record(data: bytes, chunks: list[int], keep_hellos: bool,
                                                   max_len: int) -> None:
    kw = {"max_handshake_len": max_len, "keep_types": frozenset({1, 2}) if keep_hellos else None}
    assert run(data, chunks, coalesce=True, **kw) == run(data, chunks, coalesce=False, **kw)


def test_a_hello_in_one_byte_records_is_one_pass_with_right_offsets() -> None:
    body = b"\x03\x03" + bytes(range(200))
    msg = handshake(1, body)
    stream = b"".join(record(22, msg[i:i + 1]) for i in range(len(msg))) + record(22, handshake(14, b""))
    reader = HandshakeReader(base_offset=1000)
    reader.feed(stream)
    calls = []
    real = reader._records.next_record
    reader._records.next_record = lambda: calls.append(1) or real()  # type: ignore[method-assign]
    assert reader.next_event() == HandshakeMessage(1, body, 1000 + 5, 0x0303)
    assert reader.next_event() == HandshakeMessage(14, b"", 1000 + 6 * len(msg) + 5, 0x0303)
    assert len(calls) < 10          # 4 header records, one that takes the rest, the ServerHelloDone


def test_uniform_run_reads_records_of_several_bytes_and_stops_at_the_limit() -> None:
    splitter = RecordSplitter(allow_sslv2=False)
    payload = bytes(range(48))
    splitter.feed(b"".join(record(22, payload[i:i + 3]) for i in range(0, 48, 3)) + record(22, b"tail"))
    assert splitter.continue_fragments(22, 30) == payload[:30]      # ten whole 3-byte records
    assert splitter.continue_fragments(22, 100) == payload[30:] + b"tail"
    assert splitter.next_record() is NEED_DATA


def test_continue_fragments_leaves_other_types_and_partial_records() -> None:
    splitter = RecordSplitter(allow_sslv2=False)
    splitter.feed(record(22, b"ab") + record(21, b"\x02\x28") + record(22, b"cd"))
    assert splitter.continue_fragments(22, 10) == b"ab"
    assert splitter.continue_fragments(22, 10) == b""               # an alert is next
    assert splitter.next_record().content_type == 21
    splitter.feed(record(22, b"efgh")[:6])
    assert splitter.continue_fragments(22, 10) == b"cd"             # the cut record stays
    assert splitter.next_record() is NEED_DATA
