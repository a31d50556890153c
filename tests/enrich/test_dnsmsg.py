"""Tests for pcaptls/enrich/dnsmsg.py: DNS message parsing, name decompression, TCP framing."""
from __future__ import annotations

import dataclasses
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcaptls.enrich.dnsmsg import (
    MAX_POINTERS, DnsMessage, Question, ResourceRecord, parse_dns_message, split_tcp_dns,
)
from pcaptls.errors import MalformedInput

BASE = 5000

# dig api.fixture.test A -> 127.0.0.21, the answer name compressed to the question.
A_RESPONSE = (
    b"\x12\x34"                         # 0   id 0x1234
    b"\x81\x80"                         # 2   flags: QR, opcode QUERY, RD, RA, rcode 0
    b"\x00\x01\x00\x01\x00\x00\x00\x00"  # 4   qdcount 1, ancount 1, nscount 0, arcount 0
    b"\x03api\x07fixture\x04test\x00"   # 12  question name api.fixture.test (18 bytes)
    b"\x00\x01\x00\x01"                 # 30  qtype A, qclass IN
    b"\xc0\x0c"                         # 34  answer name: pointer to 12
    b"\x00\x01\x00\x01"                 # 36  type A, class IN
    b"\x00\x00\x01\x2c"                 # 40  ttl 300
    b"\x00\x04"                         # 44  rdlength 4
    b"\x7f\x00\x00\x15"                 # 46  127.0.0.21
)
assert len(A_RESPONSE) == 50

# www.fixture.test CNAME edge.cdn.fixture.test CNAME node.cdn.fixture.test A 127.0.0.22, compressed as dnsmasq
# does: each rdata name ends in a pointer into an earlier name, each owner name is a pointer to an rdata name.
CNAME_CHAIN = (
    b"\xab\xcd\x81\x80"                 # 0   id 0xabcd, flags QR RD RA
    b"\x00\x01\x00\x03\x00\x00\x00\x00"  # 4   qdcount 1, ancount 3
    b"\x03www\x07fixture\x04test\x00"   # 12  question www.fixture.test; "fixture" label at 16
    b"\x00\x01\x00\x01"                 # 30  qtype A, qclass IN
    b"\xc0\x0c\x00\x05\x00\x01"         # 34  answer 1: www.fixture.test CNAME IN
    b"\x00\x00\x00\x78\x00\x0b"         # 40  ttl 120, rdlength 11
    b"\x04edge\x03cdn\xc0\x10"          # 46  edge.cdn + pointer to 16 (fixture.test); "cdn" label at 51
    b"\xc0\x2e\x00\x05\x00\x01"         # 57  answer 2: pointer to 46 (edge.cdn.fixture.test) CNAME IN
    b"\x00\x00\x00\x3c\x00\x07"         # 63  ttl 60, rdlength 7
    b"\x04node\xc0\x33"                 # 69  node + pointer to 51 (cdn.fixture.test)
    b"\xc0\x45\x00\x01\x00\x01"         # 76  answer 3: pointer to 69 (node.cdn.fixture.test) A IN
    b"\x00\x00\x01\x2c\x00\x04"         # 82  ttl 300, rdlength 4
    b"\x7f\x00\x00\x16"                 # 88  127.0.0.22
)
assert len(CNAME_CHAIN) == 92

# v6.fixture.test AAAA 2001:db8::1, with the EDNS OPT record dig and dnsmasq add.
AAAA_RESPONSE = (
    b"\x00\x07\x85\x80"                 # 0   id 7, flags QR AA RD RA
    b"\x00\x01\x00\x01\x00\x00\x00\x01"  # 4   qdcount 1, ancount 1, arcount 1
    b"\x02v6\x07fixture\x04test\x00"    # 12  question v6.fixture.test (17 bytes)
    b"\x00\x1c\x00\x01"                 # 29  qtype AAAA, qclass IN
    b"\xc0\x0c\x00\x1c\x00\x01"         # 33  answer: pointer to 12, AAAA, IN
    b"\x00\x00\x00\x3c\x00\x10"         # 39  ttl 60, rdlength 16
    b"\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x01"   # 45  2001:db8::1
    + b"\x00\x00\x29\x04\xd0"           # 61  OPT: root name, type 41, udp payload size 1232
    b"\x00\x00\x00\x00\x00\x00"         # 66  ext rcode 0, version 0, flags 0, rdlength 0
)
assert len(AAAA_RESPONSE) == 72

VALID = [A_RESPONSE, CNAME_CHAIN, AAAA_RESPONSE]


def _header(qd: int = 0, an: int = 0, ns: int = 0, ar: int = 0, flags: int = 0x8180, msg_id: int = 1) -> bytes:
    return struct.pack("!HHHHHH", msg_id, flags, qd, an, ns, ar)


def _rr(name: bytes, rtype: int, rdata: bytes, ttl: int = 60, rclass: int = 1) -> bytes:
    return name + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def _parse_error(data: bytes) -> MalformedInput:
    with pytest.raises(MalformedInput) as info:
        parse_dns_message(data, BASE)
    return info.value


# -- byte literals ---------------------------------------------------------------------------------------------

def test_a_response() -> None:
    assert parse_dns_message(A_RESPONSE) == DnsMessage(
        id=0x1234, is_response=True, rcode=0,
        questions=(Question("api.fixture.test", 1, 1),),
        answers=(ResourceRecord("api.fixture.test", 1, 1, 300, "127.0.0.21"),))


def test_cname_chain_with_compression_pointers() -> None:
    msg = parse_dns_message(CNAME_CHAIN)
    assert msg.questions == (Question("www.fixture.test", 1, 1),)
    assert msg.answers == (
        ResourceRecord("www.fixture.test", 5, 1, 120, "edge.cdn.fixture.test"),
        ResourceRecord("edge.cdn.fixture.test", 5, 1, 60, "node.cdn.fixture.test"),
        ResourceRecord("node.cdn.fixture.test", 1, 1, 300, "127.0.0.22"),
    )


def test_aaaa_response_with_opt_record() -> None:
    msg = parse_dns_message(AAAA_RESPONSE)
    assert (msg.id, msg.is_response, msg.rcode, msg.opcode, msg.truncated) == (7, True, 0, 0, False)
    assert msg.answers == (ResourceRecord("v6.fixture.test", 28, 1, 60, "2001:db8::1"),)


def test_query_rcode_opcode_tc_and_extended_rcode() -> None:
    query = _header(qd=1, flags=0x0100) + b"\x01a\x00\x00\x01\x00\x01"              # RD only: a query
    assert parse_dns_message(query).is_response is False
    nxdomain = _header(flags=0x8183)
    assert parse_dns_message(nxdomain).rcode == 3
    tc_notify = _header(flags=0x8000 | (4 << 11) | 0x0200)
    assert (parse_dns_message(tc_notify).opcode, parse_dns_message(tc_notify).truncated) == (4, True)
    opt_badvers = _header(ar=1) + _rr(b"\x00", 41, b"", ttl=0x01000000, rclass=1232)  # ext rcode 1 -> 16
    assert parse_dns_message(opt_badvers).rcode == 16


def test_authority_and_other_types_are_skipped_but_framed() -> None:
    soa_like = _rr(b"\xc0\x0c", 6, b"\x00" * 22)
    mx = _rr(b"\xc0\x0c", 15, b"\x00\x0a\xc0\x0c")
    data = _header(qd=1, an=1, ns=1) + b"\x01a\x00\x00\x0f\x00\x01" + mx + soa_like
    msg = parse_dns_message(data)
    assert msg.answers == (ResourceRecord("a", 15, 1, 60, None),)


def test_ptr_and_dname_values_and_non_in_address_classes() -> None:
    ptr = _rr(b"\x0221\x00", 12, b"\x03api\x00")
    dname = _rr(b"\x01x\x00", 39, b"\x01y\x00")
    chaos_a = _rr(b"\x01c\x00", 1, b"\x01z\x00\x00\x01", rclass=3)     # CH A: a name and an address, not IPv4
    msg = parse_dns_message(_header(an=3) + ptr + dname + chaos_a)
    assert [rr.value for rr in msg.answers] == ["api", "y", None]


def test_names_are_lowercased_and_escaped_like_dig() -> None:
    label = b"A.b\\ c\"\xff"                                                  # dot, backslash, space, quote, 0xff
    data = _header(qd=1) + bytes([len(label)]) + label + b"\x03CoM\x00" + b"\x00\x01\x00\x01"
    assert parse_dns_message(data).questions[0].name == 'a\\.b\\\\\\032c\\"\\255.com'


def test_root_name() -> None:
    data = _header(qd=1) + b"\x00\x00\x02\x00\x01"                             # ". NS"
    assert parse_dns_message(data).questions == (Question(".", 2, 1),)


# -- malformed input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("msg", VALID, ids=["a", "cname", "aaaa"])
def test_every_truncation_raises_inside_the_cut(msg: bytes) -> None:
    for cut in range(len(msg)):
        err = _parse_error(msg[:cut])
        assert BASE <= err.offset <= BASE + cut, (cut, err)


@pytest.mark.parametrize("msg", VALID, ids=["a", "cname", "aaaa"])
def test_trailing_bytes_are_an_error(msg: bytes) -> None:
    err = _parse_error(msg + b"\x00")
    assert (err.what, err.offset, err.detail) == ("dns message", BASE + len(msg), "1 unexpected trailing bytes")


def test_pointer_to_itself() -> None:
    err = _parse_error(_header(qd=1) + b"\xc0\x0c\x00\x01\x00\x01")
    assert (err.what, err.offset) == ("dns question 1 name", BASE + 12)
    assert "does not point backwards" in err.detail


def test_pointer_loop_through_a_label() -> None:
    # "a" then a pointer back to the "a": a rule of "pointer < its own position" would loop forever here.
    err = _parse_error(_header(qd=1) + b"\x01a\xc0\x0c\x00\x01\x00\x01")
    assert err.offset == BASE + 14 and "does not point backwards" in err.detail


def test_pointer_forwards() -> None:
    err = _parse_error(_header(qd=1) + b"\xc0\x12\x00\x01\x00\x01\x01a\x00")
    assert "does not point backwards" in err.detail


def test_pointer_loop_between_two_records() -> None:
    # answer 1's name points into answer 2's rdata, which points back: the second jump is not backwards.
    first = _rr(b"\x01a\xc0\x1e", 5, b"\xc0\x0c")    # name at 12 ("a" + pointer to 30, forward)
    err = _parse_error(_header(an=1) + first)
    assert "does not point backwards" in err.detail


def _pointer_chain(n: int) -> bytes:
    """Answer 1 (unknown type) holds a root label and n pointers, each to the one before; answer 2's name points
    at the last, so decoding it follows n + 1 pointers."""
    head = _header(an=2)                                       # 12 bytes
    rr1_fixed = b"\x00" + struct.pack("!HHIH", 0xFF00, 1, 0, 1 + 2 * n)   # rdata starts at 12 + 11 = 23
    rdata = b"\x00" + b"".join(struct.pack("!H", 0xC000 | (23 if k == 0 else 24 + 2 * (k - 1))) for k in range(n))
    last = 24 + 2 * (n - 1)
    return head + rr1_fixed + rdata + _rr(struct.pack("!H", 0xC000 | last), 0xFF00, b"")


def test_pointer_jump_limit() -> None:
    assert parse_dns_message(_pointer_chain(MAX_POINTERS - 1)).answers[1].name == "."
    err = _parse_error(_pointer_chain(MAX_POINTERS))
    assert f"more than {MAX_POINTERS} compression pointers" in err.detail


def test_name_longer_than_255_octets() -> None:
    ok = b"\x3f" + b"a" * 63
    name_255 = ok * 3 + b"\x3d" + b"a" * 61 + b"\x00"                          # 3*64 + 62 + 1 = 255
    assert len(parse_dns_message(_header(qd=1) + name_255 + b"\x00\x01\x00\x01").questions[0].name) == 253
    name_257 = ok * 4 + b"\x00"
    err = _parse_error(_header(qd=1) + name_257 + b"\x00\x01\x00\x01")
    assert "longer than 255" in err.detail and err.offset == BASE + 12 + 3 * 64


def test_extended_label_types() -> None:
    for first in (0x40, 0x80):
        err = _parse_error(_header(qd=1) + bytes([first]) + b"\x00\x00\x01\x00\x01")
        assert "unsupported label type" in err.detail and err.offset == BASE + 12


@pytest.mark.parametrize(("rtype", "rdata"), [(1, b"\x7f\x00\x00"), (1, b"\x7f\x00\x00\x01\x00"), (28, b"\x00" * 4)])
def test_address_rdata_of_the_wrong_length(rtype: int, rdata: bytes) -> None:
    err = _parse_error(_header(an=1) + _rr(b"\x00", rtype, rdata))
    assert err.offset == BASE + 12 + 11 and "expected" in err.detail


def test_cname_rdata_must_be_exactly_one_name() -> None:
    err = _parse_error(_header(an=1) + _rr(b"\x00", 5, b"\x01x\x00\xff"))
    assert "1 unexpected trailing bytes" in err.detail and err.offset == BASE + 12 + 11 + 3
    err = _parse_error(_header(an=1) + _rr(b"\x00", 5, b"\x01x") + b"\x00")      # name runs out of its rdata
    assert err.offset == BASE + 12 + 11 + 2


@settings(max_examples=500)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_parse_or_raise_malformed(data: bytes) -> None:
    try:
        parse_dns_message(data, BASE)
    except MalformedInput as exc:
        assert BASE <= exc.offset <= BASE + len(data)


def mutated(msg: bytes, edits: list[tuple[int, int]]) -> bytearray:
    """``msg`` with each (position, value) edit applied, positions wrapped into its length."""
    data = bytearray(msg)
    for pos, value in edits:
        data[pos % len(data)] = value
    return data


@settings(max_examples=500)
@given(st.sampled_from(VALID), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), min_size=1, max_size=4))
def test_mutated_messages_parse_or_raise_malformed(msg: bytes, edits: list[tuple[int, int]]) -> None:
    data = mutated(msg, edits)
    try:
        parse_dns_message(bytes(data), BASE)
    except MalformedInput as exc:
        assert BASE <= exc.offset <= BASE + len(data)


def _outcome(data: bytes) -> object:
    try:
        return parse_dns_message(data, BASE, trailing_ok=True)
    except MalformedInput as exc:
        return ("error", exc.what, exc.offset, exc.detail)


def _pointer_heavy(seed: int) -> bytes:
    """A response whose names point at names, at labels inside names and at pointers, some long."""
    import random
    rng = random.Random(seed)
    body = bytearray(b"\x00\x01\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00")
    starts = [len(body)]
    body += b"".join(bytes([n]) + b"a" * n for n in (rng.randrange(1, 64) for _ in range(rng.randrange(1, 5)))) + b"\0"
    body += b"\x00\x01\x00\x01"
    count = rng.randrange(1, 12)
    for _ in range(count):
        starts.append(len(body))
        for _ in range(rng.randrange(0, 3)):
            n = rng.randrange(1, 64)
            body += bytes([n]) + bytes(rng.choice(b"abcXYZ.\\09") for _ in range(n))
        body += struct.pack("!H", 0xC000 | rng.choice(starts[:-1] + [rng.randrange(12, len(body))]))
        rtype = rng.choice((1, 5))
        rdata = bytes(4) if rtype == 1 else struct.pack("!H", 0xC000 | rng.choice(starts))
        body += struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata
    authority = rng.randrange(0, count + 1)             # the last records walked (not decoded) as authority
    body[6:10] = struct.pack("!HH", count - authority, authority)
    return bytes(body)


@settings(max_examples=400)
@given(st.integers(0, 10**9))
def test_name_memo_gives_what_decoding_every_name_gives(seed: int) -> None:
    """The per-message memo of decoded names, and walking the authority names without decoding them, are
    optimisations only: same names, same errors and offsets as decoding every name."""
    import pcaptls.enrich.dnsmsg as dnsmsg
    data = _pointer_heavy(seed)
    with_memo = _outcome(data)
    real = dnsmsg._name
    try:
        dnsmsg._name = lambda buf, pos, limit, base, what, memo=None, decode=True: real(buf, pos, limit, base, what)
        without = _outcome(data)
    finally:
        dnsmsg._name = real
    assert with_memo == without


def test_ipv6_text_is_ipaddress_text() -> None:
    import ipaddress

    from pcaptls.enrich.dnsmsg import _ipv6_text
    for text in ("::", "::1", "2001:db8::1", "2001:db8:0:1:0:0:0:1", "fe80::1:0:0:1", "::ffff:1.2.3.4", "::1.2.3.4",
                 "64:ff9b::192.0.2.33", "2001:0:0:1::", "1:0:1:0:1:0:1:0", "0:0:1::"):
        packed = ipaddress.IPv6Address(text).packed
        assert _ipv6_text(packed) == str(ipaddress.IPv6Address(packed)), text


# -- TCP framing -----------------------------------------------------------------------------------------------

def _framed(*messages: bytes) -> bytes:
    return b"".join(struct.pack("!H", len(m)) + m for m in messages)


def test_split_tcp_whole_and_partial_messages() -> None:
    stream = _framed(A_RESPONSE, CNAME_CHAIN)
    assert split_tcp_dns(stream) == ([A_RESPONSE, CNAME_CHAIN], len(stream))
    assert split_tcp_dns(stream[:-1]) == ([A_RESPONSE], 2 + len(A_RESPONSE))
    assert split_tcp_dns(stream[:1]) == ([], 0)
    assert split_tcp_dns(b"") == ([], 0)
    assert split_tcp_dns(memoryview(bytearray(stream))) == ([A_RESPONSE, CNAME_CHAIN], len(stream))


def test_split_tcp_rejects_lengths_below_a_header() -> None:
    with pytest.raises(MalformedInput) as info:
        split_tcp_dns(_framed(A_RESPONSE) + b"\x00\x05hello", base=BASE)
    assert info.value.offset == BASE + 2 + len(A_RESPONSE)


def test_split_tcp_leaves_the_callers_bytearray_resizable() -> None:
    buf = bytearray(_framed(A_RESPONSE) + b"\x00\x05hello")
    with pytest.raises(MalformedInput):
        split_tcp_dns(buf)
    buf.clear()                                       # no BufferError: the memoryviews were released on raise
    buf += _framed(A_RESPONSE)
    messages, used = split_tcp_dns(buf)
    del buf[:used]
    assert messages == [A_RESPONSE] and buf == b""


@settings(max_examples=200)
@given(st.lists(st.sampled_from(VALID), min_size=1, max_size=6), st.lists(st.integers(1, 64), min_size=1))
def test_split_tcp_random_chunking_gives_the_same_messages(messages: list[bytes], sizes: list[int]) -> None:
    stream = _framed(*messages)
    got, pending, pos, i = [], b"", 0, 0
    while pos < len(stream):
        size = sizes[i % len(sizes)]
        pending += stream[pos:pos + size]
        pos, i = pos + size, i + 1
        whole, used = split_tcp_dns(pending)
        got += whole
        pending = pending[used:]
    assert got == messages and pending == b""
    assert [parse_dns_message(m) for m in got] == [parse_dns_message(m) for m in messages]


@given(st.binary(max_size=300))
def test_split_tcp_arbitrary_bytes_split_or_raise(data: bytes) -> None:
    try:
        messages, used = split_tcp_dns(data)
    except MalformedInput:
        return
    assert used == sum(2 + len(m) for m in messages) <= len(data)


@pytest.mark.parametrize("msg", VALID, ids=["a", "cname", "aaaa"])
def test_trailing_bytes_are_counted_when_allowed(msg: bytes) -> None:
    whole = parse_dns_message(msg, BASE)
    lenient = parse_dns_message(msg + b"\x00junk", BASE, trailing_ok=True)
    assert lenient.trailing == 5 and whole.trailing == 0
    assert dataclasses.replace(lenient, trailing=0) == whole


@settings(max_examples=300)
@given(st.integers(0, 10**9), st.integers(0, 400))
def test_error_texts_name_the_section_record_and_field(seed: int, cut: int) -> None:
    """Error texts are built only when raising (lazily from parts): they still read as before."""
    import re
    data = _pointer_heavy(seed)
    data = data[:cut % (len(data) + 1)]
    try:
        parse_dns_message(data, BASE)
    except MalformedInput as exc:
        assert re.fullmatch(r"dns (header|message)|dns (question|answer|authority|additional) \d+"
                            r"( name| type/class| type/class/ttl/rdlength| rdata| rdata name| A rdata| AAAA rdata)",
                            exc.what), exc.what
