"""tshark (-o tcp.reassemble_out_of_order:TRUE) is the oracle for every capture in fixtures/captures.

Where tshark cannot see what is there (TLS on a port it does not dissect as TLS without decode-as,
one-direction or mid-stream captures, damaged files) the case is listed with the reason; a
disagreement that is not listed fails.
"""
from __future__ import annotations

import pytest

import pcaptls
from tests.conftest import CAPTURES
from tests.oracle import HAVE_TSHARK, compare, hellos_from_report, hellos_from_tsv, run_tshark

pytestmark = [pytest.mark.tshark, pytest.mark.skipif(not HAVE_TSHARK, reason="tshark not installed")]

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".gz", ".zst", ".xz", ".bz2")

# file name -> extra tshark arguments (pcaptls finds TLS by content; tshark needs to be told the port)
DECODE_AS: dict[str, tuple[str, ...]] = {
    "tls_on_port_80.pcap": ("-d", "tcp.port==80,tls", "-d", "tcp.port==8080,tls"),
    "compressed.pcap.gz": ("-d", "tcp.port==80,tls", "-d", "tcp.port==8080,tls"),
    "compressed.pcap.zst": ("-d", "tcp.port==80,tls", "-d", "tcp.port==8080,tls"),
    "misnamed_gzip.pcap": ("-d", "tcp.port==80,tls", "-d", "tcp.port==8080,tls"),
}
# file name -> (the differences, exactly; why tshark is wrong). docs/tshark-differences.md has the detail.
KNOWN: dict[str, tuple[list[str], str]] = {
    "KakaoTalk_chat.pcap": (
        ["('10.24.82.188', 35503, '173.252.97.2', 443) sh: tshark has 0, pcaptls 1"],
        "second SYN-ACK with a bogus ISN; tshark takes the real data for retransmissions"),
    "tcp-fastopen-10-syn-data-ignore.pcap": (
        ["('192.168.0.45', 51615, '17.253.144.10', 443) sh: tshark has 0, pcaptls 1"],
        "SYN-ACKs with several ISNs; with out-of-order reassembly on, tshark buffers the server's data "
        "against the wrong ISN and never dissects the ServerHello (its default preferences do find it)"),
}


def _captures() -> list:
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and p.name.endswith(CAPTURE_SUFFIXES))


@pytest.mark.parametrize("path", _captures(), ids=lambda p: str(p.relative_to(CAPTURES)))
def test_fixture_matches_tshark(path) -> None:
    theirs = hellos_from_tsv(run_tshark(path, DECODE_AS.get(path.name, ())))
    ours = hellos_from_report(pcaptls.inspect_file(str(path)))
    diffs = compare(theirs, ours)
    if path.name in KNOWN:
        assert diffs == KNOWN[path.name][0]
    else:
        assert not diffs, "\n".join(diffs[:40])
