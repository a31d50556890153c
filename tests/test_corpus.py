"""Every TLS-over-TCP capture of ../shared/corpus gives tshark's per-connection hellos.

The stored ``*.tshark.tsv`` came from tshark 4.0.17 with default preferences. Where the two disagree
the difference is listed in KNOWN with its cause (and in docs/tshark-differences.md); those are strict
xfails, so a difference that goes away is noticed too.
"""
from __future__ import annotations

import json

import pytest

import pcaptls
from tests.conftest import CORPUS
from tests.oracle import HAVE_TSHARK, compare, hellos_from_report, hellos_from_tsv, run_tshark

pytestmark = pytest.mark.corpus

MANIFEST = CORPUS / "manifest.json"
ENTRIES = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else []

# The stored .tshark.tsv were made with tshark's default preferences, which do not reassemble TCP segments
# that arrive out of order. For these captures a live tshark run with -o tcp.reassemble_out_of_order:TRUE
# is the reference: the stored file must differ from pcaptls and the live run must agree with it.
OUT_OF_ORDER = {
    "ja4/socks4-https.pcap": "ServerHello segment arrives after a later one (frame 9 before 16)",
    "zeek/hrr.pcap": "the ServerHello after the HRR arrives out of order (frame 11 after 9)",
    "ndpi/google_ssl.pcap": "ServerHello in a retransmission that fills a hole",
    "ndpi/tls_multiple_synack_different_seq.pcapng": "four SYN-ACKs with new ISNs; data follows the last",
}
# file -> (the differences from tshark, exactly; why tshark is wrong or why pcaptls differs by design).
# docs/tshark-differences.md explains each.
KNOWN: dict[str, tuple[list[str], str]] = {
    "zeek/irc-starttls.pcap": (
        ["('203.143.168.47', 55123, '185.18.76.170', 6667) ch: tshark has 0, pcaptls 1",
         "('203.143.168.47', 55123, '185.18.76.170', 6667) sh: tshark has 0, pcaptls 1"],
        "tshark has no IRC STARTTLS dissector; pcaptls finds TLS by content after the STARTTLS exchange"),
    "ndpi/KakaoTalk_chat.pcap": (
        ["('10.24.82.188', 35503, '173.252.97.2', 443) sh: tshark has 0, pcaptls 1"],
        "the server sends a second SYN-ACK with a bogus ISN; tshark follows it and takes the real data for "
        "retransmissions; the client's ClientKeyExchange proves the ServerHello pcaptls reads was received"),
    "suricata-verify/tls13_draft14.pcap": (
        ["('10.0.2.15', 54049, '52.32.149.186', 443) sh[0].suite: tshark 44205, pcaptls 49195"],
        "tshark 4.0 reads the draft-14 ServerHello (no session_id) with the TLS 1.2 layout; 0xacad is "
        "bytes of the random, the suite is 0xc02b"),
    "ndpi/tls_cipher_lens.pcap": (
        ["('192.168.11.11', 51589, '173.194.35.191', 443) ch: tshark has 1, pcaptls 0",
         "('192.168.11.11', 51590, '173.194.35.191', 443) ch: tshark has 1, pcaptls 0"],
        "fuzzed cipher_suites lengths (odd, or past the end): damage before the extension block, so pcaptls "
        "reports the connection with a malformed_handshake error and no hello fields; tshark shows a partial "
        "hello. (Port 51591's hello, whose damage is its extension block length, is kept and agrees.)"),
    "suricata-verify/tls-duplicate-hello.pcap": (
        ["('127.0.0.1', 49954, '127.0.0.1', 8443) ch: tshark has 2, pcaptls 1"],
        "a second ClientHello without a HelloRetryRequest (suricata's anomaly test): pcaptls keeps the "
        "first and reports the second as an unexpected_message error on the connection"),
}


def _tcp_entries() -> list[dict]:
    out = []
    for e in ENTRIES:
        tsv = [t for t in e["tshark"] if t.endswith(".tshark.tsv")]
        if tsv:
            out.append(e)
    return out


@pytest.mark.skipif(not ENTRIES, reason="../shared/corpus not present")
@pytest.mark.parametrize("entry", _tcp_entries(), ids=lambda e: e["file"])
def test_corpus_capture_matches_tshark(entry: dict) -> None:
    tsv = next(t for t in entry["tshark"] if t.endswith(".tshark.tsv"))
    theirs = hellos_from_tsv((CORPUS / tsv).read_text())
    report = pcaptls.inspect_file(str(CORPUS / entry["file"]))
    ours = hellos_from_report(report)
    diffs = compare(theirs, ours)
    name = entry["file"]
    if name in OUT_OF_ORDER:
        assert diffs, f"{name}: the stored tshark output now agrees; drop it from OUT_OF_ORDER"
        if not HAVE_TSHARK:
            pytest.skip("needs tshark to check against out-of-order reassembly")
        extra = tuple(entry["tshark_extra_args"] or ())
        live = compare(hellos_from_tsv(run_tshark(CORPUS / name, extra)), ours)
        assert not live, "\n".join(live[:40])
    elif name in KNOWN:
        assert diffs == KNOWN[name][0]
    else:
        assert not diffs, "\n".join(diffs[:40])
