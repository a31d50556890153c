"""Tests for pcaptls/enrich/dns.py: the time-aware IP -> name table, and the recorded DNS capture end to end."""
from __future__ import annotations

import json

import pytest

from pcaptls.capture.decap import decode_frame
from pcaptls.capture.files import open_capture
from pcaptls.enrich.dns import DEFAULT_GRACE_S, NameEntry, NameHit, NameTable
from pcaptls.enrich.dnsmsg import DnsMessage, Question, ResourceRecord, parse_dns_message, split_tcp_dns
from tests.conftest import CAPTURES

S = 1_000_000_000          # one second in ns
T0 = 1_700_000_000 * S
A, CNAME, AAAA = 1, 5, 28


def _response(qname: str, *answers: tuple[str, int, str, int], rcode: int = 0, qtype: int = A,
              is_response: bool = True) -> DnsMessage:
    """answers: (owner, type, value, ttl)."""
    return DnsMessage(7, is_response, rcode, (Question(qname, qtype, 1),),
                      tuple(ResourceRecord(o, t, 1, ttl, v) for o, t, v, ttl in answers))


# -- validity windows ------------------------------------------------------------------------------------------

def test_answer_window_is_ttl_plus_grace_from_the_answer() -> None:
    table = NameTable(grace_s=100)
    table.add_answer("192.0.2.1", "a.example", T0, 60, "dns")
    assert table.lookup("192.0.2.1", T0 - 1) is None                        # before the answer
    assert table.lookup("192.0.2.1", T0) == NameHit("a.example", "dns", (), T0, T0, T0, False)
    assert table.lookup("192.0.2.1", T0 + 160 * S - 1).name == "a.example"  # last ns of TTL + grace
    assert table.lookup("192.0.2.1", T0 + 160 * S) is None
    assert table.lookup("192.0.2.1", T0 + 160 * S, strict=False) == NameHit("a.example", "dns", (), T0, T0, T0, True)
    assert table.lookup("192.0.2.1", T0 - 1, strict=False) is None          # later answers are never used
    assert table.lookup("192.0.2.99", T0) is None


def test_default_grace_and_ttl_clamps() -> None:
    table = NameTable()
    assert table.grace_s == DEFAULT_GRACE_S == 300
    table.add_answer("192.0.2.1", "zero.example", T0, 0, "dns")
    table.add_answer("192.0.2.2", "neg.example", T0, 0x80000000, "dns")     # top bit set: RFC 2181 says 0
    table.add_answer("192.0.2.3", "long.example", T0, 0x7FFFFFFF, "dns")    # capped at 7 days
    assert table.lookup("192.0.2.1", T0 + 299 * S).name == "zero.example"
    assert table.lookup("192.0.2.2", T0 + 300 * S) is None
    assert table.lookup("192.0.2.3", T0 + (7 * 86400 + 299) * S).name == "long.example"
    assert table.lookup("192.0.2.3", T0 + (7 * 86400 + 300) * S) is None


def test_latest_valid_answer_wins() -> None:
    table = NameTable(grace_s=0)
    table.add_answer("192.0.2.1", "long.example", T0, 1000, "dns")
    table.add_answer("192.0.2.1", "short.example", T0 + 10 * S, 5, "dns")
    assert table.lookup("192.0.2.1", T0 + 5 * S).name == "long.example"
    assert table.lookup("192.0.2.1", T0 + 12 * S).name == "short.example"
    assert table.lookup("192.0.2.1", T0 + 20 * S).name == "long.example"    # short one expired, long one is not
    table.add_answer("192.0.2.1", "same-time.example", T0 + 10 * S, 5, "dns")
    assert table.lookup("192.0.2.1", T0 + 12 * S).name == "same-time.example"   # tie: the one added last


def test_name_changing_over_time_and_out_of_order_adds() -> None:
    table = NameTable(grace_s=0)
    table.add_answer("192.0.2.25", "new.example", T0 + 100 * S, 2, "dns")    # added first, happened later
    table.add_answer("192.0.2.25", "old.example", T0, 2, "dns")
    assert table.lookup("192.0.2.25", T0 + 1 * S).name == "old.example"
    assert table.lookup("192.0.2.25", T0 + 50 * S) is None
    assert table.lookup("192.0.2.25", T0 + 50 * S, strict=False) == NameHit(
        "old.example", "dns", (), T0, T0, T0, True)
    assert table.lookup("192.0.2.25", T0 + 101 * S).name == "new.example"
    assert table.lookup("192.0.2.25", T0 + 500 * S, strict=False).name == "new.example"


def test_first_and_last_seen_per_name() -> None:
    table = NameTable()
    for k in range(3):
        table.add_answer("192.0.2.1", "a.example", T0 + k * S, 60, "dns")
    hit = table.lookup("192.0.2.1", T0 + 1 * S)
    assert (hit.first_seen_ns, hit.last_seen_ns, hit.ts_ns) == (T0, T0 + 2 * S, T0 + 1 * S)


def test_addresses_and_names_are_normalised() -> None:
    table = NameTable()
    table.add_answer("2001:DB8:0:0::1", "A.Example.", T0, 60, "dns")
    assert table.lookup("2001:db8::1", T0).name == "a.example"
    with pytest.raises(ValueError):
        table.lookup("not-an-ip", T0)
    with pytest.raises(ValueError):
        NameTable(grace_s=-1)


# -- add_message -----------------------------------------------------------------------------------------------

def test_cname_chain_is_attributed_to_the_question() -> None:
    table = NameTable()
    added = table.add_message(_response(
        "www.example.com",
        ("b.cdn.net", A, "1.2.3.4", 300),                    # out of order: the address first
        ("www.example.com", CNAME, "a.cdn.net", 120),
        ("a.cdn.net", CNAME, "b.cdn.net", 30),
        ("b.cdn.net", A, "1.2.3.5", 300),
        ("b.cdn.net", AAAA, "2001:db8::5", 300),
    ), T0)
    assert added == 3
    for ip in ("1.2.3.4", "1.2.3.5", "2001:db8::5"):
        hit = table.lookup(ip, T0)
        assert (hit.name, hit.chain, hit.source) == ("www.example.com", ("a.cdn.net", "b.cdn.net"), "dns")
    # the smallest TTL on the chain (30 s) is what counts
    assert table.lookup("1.2.3.4", T0 + (30 + DEFAULT_GRACE_S) * S - 1) is not None
    assert table.lookup("1.2.3.4", T0 + (30 + DEFAULT_GRACE_S) * S) is None


def test_direct_answers_several_questions_and_unreachable_records() -> None:
    table = NameTable()
    msg = DnsMessage(1, True, 0, (Question("a.example", A, 1), Question("b.example", A, 1)), (
        ResourceRecord("a.example", A, 1, 60, "192.0.2.1"),
        ResourceRecord("b.example", A, 1, 60, "192.0.2.2"),
        ResourceRecord("stray.example", A, 1, 60, "192.0.2.3"),       # reachable from no question
        ResourceRecord("a.example", 16, 1, 60, None),                 # TXT: ignored
        ResourceRecord("a.example", A, 3, 60, None),                  # CHAOS class: ignored
    ))
    assert table.add_message(msg, T0, source="dns") == 3
    assert [table.lookup(f"192.0.2.{k}", T0).name for k in (1, 2, 3)] == ["a.example", "b.example", "stray.example"]
    assert table.lookup("192.0.2.3", T0).chain == ()


def test_cname_loops_and_long_chains_terminate() -> None:
    table = NameTable()
    loop = _response("x.example", ("x.example", CNAME, "y.example", 60), ("y.example", CNAME, "x.example", 60),
                     ("y.example", A, "192.0.2.9", 60))
    assert table.add_message(loop, T0) == 1
    assert table.lookup("192.0.2.9", T0).chain == ("y.example",)
    links = [(f"n{k}.example", CNAME, f"n{k + 1}.example", 60) for k in range(40)]
    long_chain = _response("n0.example", *links, ("n40.example", A, "192.0.2.10", 60))
    table.add_message(long_chain, T0)
    assert table.lookup("192.0.2.10", T0).name == "n40.example"       # past 16 hops: its own owner name


def test_errors_and_queries_add_nothing() -> None:
    table = NameTable()
    answer = ("a.example", A, "192.0.2.1", 60)
    assert table.add_message(_response("a.example", answer, rcode=3), T0) == 0
    assert table.add_message(_response("a.example", answer, rcode=16), T0) == 0
    assert table.add_message(_response("a.example", answer, is_response=False), T0) == 0
    notify = DnsMessage(1, True, 0, (), (ResourceRecord("a.example", A, 1, 60, "192.0.2.1"),), opcode=4)
    assert table.add_message(notify, T0) == 0
    assert table.lookup("192.0.2.1", T0) is None and len(table) == 0
    assert table.counters == {"dns_rcode_error": 2, "dns_not_a_query_response": 2}


# -- sources and static entries --------------------------------------------------------------------------------

def test_static_entries_rank_below_valid_answers_above_stale_ones() -> None:
    table = NameTable(grace_s=0)
    table.add_static("192.0.2.1", "snap.example")
    assert table.lookup("192.0.2.1", 0) == NameHit("snap.example", "snapshot", (), None, None, None, False)
    table.add_answer("192.0.2.1", "dns.example", T0, 10, "dns")
    assert table.lookup("192.0.2.1", T0 + 1 * S).name == "dns.example"
    assert table.lookup("192.0.2.1", T0 + 20 * S).name == "snap.example"                # valid beats stale
    assert table.lookup("192.0.2.1", T0 + 20 * S, strict=False).name == "snap.example"
    assert table.lookup("192.0.2.1", T0 + 20 * S, strict=False, sources=("dns",)) == NameHit(
        "dns.example", "dns", (), T0, T0, T0, True)
    assert table.lookup("192.0.2.1", T0 + 1 * S, sources=["snapshot"]).name == "snap.example"
    assert table.lookup("192.0.2.1", T0 + 1 * S, sources=()) is None


def test_timed_static_entries() -> None:
    table = NameTable()
    table.add_static("192.0.2.1", "untimed.example", "snapshot")
    table.add_static("192.0.2.1", "t100.example", "snapshot", T0 + 100 * S)
    table.add_static("192.0.2.1", "t200.example", "snapshot", T0 + 200 * S)
    table.add_static("192.0.2.1", "t200.example", "snapshot", T0 + 200 * S)   # duplicate: ignored
    assert table.lookup("192.0.2.1", T0).name == "t100.example"               # none before: earliest after
    assert table.lookup("192.0.2.1", T0 + 150 * S).name == "t100.example"     # latest at or before
    hit = table.lookup("192.0.2.1", T0 + 999 * S)
    assert hit == NameHit("t200.example", "snapshot", (), T0 + 200 * S, T0 + 200 * S, T0 + 200 * S, False)
    table.add_static("192.0.2.2", "first.example", "snapshot")
    table.add_static("192.0.2.2", "second.example", "snapshot")
    assert table.lookup("192.0.2.2", T0).name == "second.example"              # untimed: the one added last


# -- entries() ---------------------------------------------------------------------------------------------------

def test_entries_listing() -> None:
    table = NameTable()
    table.add_answer("10.0.0.10", "b.example", T0 + 5 * S, 60, "dns")
    table.add_answer("10.0.0.10", "a.example", T0 + 9 * S, 60, "dns")
    table.add_answer("10.0.0.10", "b.example", T0 + 20 * S, 60, "dns")
    table.add_answer("10.0.0.2", "c.example", T0, 60, "dns")
    table.add_answer("::1", "v6.example", T0, 60, "dns")
    table.add_static("10.0.0.2", "snap.example", "snapshot")
    table.add_static("10.0.0.2", "timed.example", "snapshot", T0 + 1 * S)
    assert table.entries() == [
        NameEntry("10.0.0.2", ("c.example",), T0, T0, "dns"),
        NameEntry("10.0.0.2", ("timed.example", "snap.example"), T0 + 1 * S, T0 + 1 * S, "snapshot"),
        NameEntry("10.0.0.10", ("b.example", "a.example"), T0 + 5 * S, T0 + 20 * S, "dns"),
        NameEntry("::1", ("v6.example",), T0, T0, "dns"),
    ]
    assert NameTable().entries() == []


# -- memory cap ----------------------------------------------------------------------------------------------------

def test_answer_cap_evicts_the_oldest() -> None:
    table = NameTable(max_answers=3)
    for k in range(5):
        table.add_answer(f"192.0.2.{k % 2}", f"n{k}.example", T0 + k * S, 3600, "dns")
    assert len(table) == 3 and table.counters == {"answers_evicted": 2}
    assert table.lookup("192.0.2.0", T0) is None                       # n0 evicted
    assert table.lookup("192.0.2.1", T0 + 1 * S) is None               # n1 evicted
    assert table.lookup("192.0.2.0", T0 + 2 * S).name == "n2.example"
    assert {e.names for e in table.entries()} == {("n2.example", "n4.example"), ("n3.example",)}
    for k in range(5, 10):
        table.add_answer("192.0.2.7", "x.example", T0 + k * S, 60, "dns")
    assert len(table) == 3 and [e.ip for e in table.entries()] == ["192.0.2.7"]
    assert table.lookup("192.0.2.7", T0 + 7 * S).first_seen_ns == T0 + 5 * S   # first seen survives eviction


def test_static_cap_evicts_the_oldest() -> None:
    table = NameTable(max_static=2)
    for k in range(3):
        table.add_static(f"192.0.2.{k}", f"s{k}.example")
    assert table.counters == {"static_evicted": 1}
    assert table.lookup("192.0.2.0", T0) is None and table.lookup("192.0.2.2", T0).name == "s2.example"


# -- the recorded capture ------------------------------------------------------------------------------------------

DNS_CAPTURE = CAPTURES / "dns" / "dns_names.pcap"
TRUTH = json.loads((CAPTURES / "dns" / "dns_names.json").read_text())
CONNECTIONS = [e for e in TRUTH["events"] if e["event"] == "tls"]
SYN, ACK = 0x02, 0x10


def _read_capture(grace_s: int = DEFAULT_GRACE_S) -> tuple[NameTable, dict[int, int], list[bytes]]:
    """Feed the capture's port-53 answers (UDP, and TCP streams per direction) to a table, as the pipeline will.

    Returns the table, the SYN time of each TLS connection by client port, and the UDP 5353 payloads.
    """
    table, syns, mdns, streams, counters = NameTable(grace_s=grace_s), {}, [], {}, {}
    with open_capture(DNS_CAPTURE) as reader:
        for ts_ns, linktype, frame, _ in reader:
            decoded = decode_frame(linktype, frame, counters)
            assert decoded is not None
            proto, src, dst, sport, dport, _, _, flags, payload, missing = decoded
            assert missing == 0
            if proto == 17 and 53 in (sport, dport):
                table.add_message(parse_dns_message(payload), ts_ns)
            elif proto == 6 and 53 in (sport, dport):
                key = (src, sport, dst, dport)
                messages, used = split_tcp_dns(streams.get(key, b"") + payload)
                streams[key] = (streams.get(key, b"") + payload)[used:]
                for message in messages:
                    table.add_message(parse_dns_message(message), ts_ns)
            elif proto == 6 and dport == TRUTH["tls_port"] and flags & (SYN | ACK) == SYN:
                syns[sport] = ts_ns
            elif proto == 17 and 5353 in (sport, dport):
                mdns.append(payload)
    assert all(not rest for rest in streams.values())
    return table, syns, mdns


@pytest.fixture(scope="module")
def recorded() -> tuple[NameTable, dict[int, int], list[bytes]]:
    return _read_capture()


def test_capture_truth_covers_the_scenarios() -> None:
    assert {c["server_ip"] for c in CONNECTIONS} == {f"127.0.0.{k}" for k in (21, 22, 23, 24, 25)} | {"::1"}
    assert [c["sni_sent"] for c in CONNECTIONS].count(True) == 1
    assert any(c["expect"]["dns_chain"] for c in CONNECTIONS)
    assert any(not c["expect"]["within_ttl"] for c in CONNECTIONS)
    assert {e["status"] for e in TRUTH["events"] if e["event"] == "dns"} == {"NOERROR", "NXDOMAIN", "REFUSED"}
    assert {e["transport"] for e in TRUTH["events"] if e["event"] == "dns"} == {"udp", "tcp"}
    assert DNS_CAPTURE.stat().st_size < 60_000 and TRUTH["capture"]["dropped"] == 0


@pytest.mark.parametrize("conn", CONNECTIONS, ids=[f"{c['seq']}-{c['server_ip']}" for c in CONNECTIONS])
def test_capture_every_connection_gets_the_expected_name(recorded, conn: dict) -> None:
    table, syns, _ = recorded
    ts = syns[conn["client_port"]]
    hit = table.lookup(conn["server_ip"], ts)
    expect = conn["expect"]
    assert hit is not None
    assert (hit.name, hit.chain, hit.source, hit.stale) == (expect["dns_name"], tuple(expect["dns_chain"]), "dns",
                                                            False)
    assert hit.ts_ns < ts
    if expect["source"] == "sni":
        assert conn["server_hostname"] == expect["name"] == hit.name       # SNI and capture DNS agree here


def test_capture_after_ttl_without_grace_is_stale() -> None:
    table, syns, _ = _read_capture(grace_s=0)
    late = [c for c in CONNECTIONS if not c["expect"]["within_ttl"]]
    assert late
    for conn in late:
        ts = syns[conn["client_port"]]
        assert table.lookup(conn["server_ip"], ts) is None
        hit = table.lookup(conn["server_ip"], ts, strict=False)
        assert (hit.name, hit.stale) == (conn["expect"]["dns_name"], True)


def test_capture_mdns_claim_is_ignored(recorded) -> None:
    table, _, mdns = recorded
    assert len(mdns) == 1
    claim = parse_dns_message(mdns[0])                   # a well-formed IN A answer: only the port keeps it out
    assert claim.answers == (ResourceRecord("evil.local", A, 1, 120, "127.0.0.21"),)
    fooled = NameTable()
    fooled.add_message(claim, 0)
    assert fooled.lookup("127.0.0.21", 0).name == "evil.local"
    names = {e.ip: e.names for e in table.entries()}
    assert "evil.local" not in names["127.0.0.21"]
    assert names["127.0.0.25"] == ("old.fixture.test", "new.fixture.test")
    assert set(names) == {f"127.0.0.{k}" for k in (21, 22, 23, 24, 25)} | {"::1"}
    assert table.counters == {"dns_not_a_query_response": 9, "dns_rcode_error": 2}
