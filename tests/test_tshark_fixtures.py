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
# file name -> why tshark and pcaptls legitimately differ; the test then checks the difference is only that
KNOWN: dict[str, str] = {}


def _captures() -> list:
    return sorted(p for p in CAPTURES.rglob("*") if p.is_file() and p.name.endswith(CAPTURE_SUFFIXES))


@pytest.mark.parametrize("path", _captures(), ids=lambda p: str(p.relative_to(CAPTURES)))
def test_fixture_matches_tshark(path) -> None:
    if path.name in KNOWN:
        pytest.xfail(KNOWN[path.name])
    theirs = hellos_from_tsv(run_tshark(path, DECODE_AS.get(path.name, ())))
    ours = hellos_from_report(pcaptls.inspect_file(str(path)))
    diffs = compare(theirs, ours)
    assert not diffs, "\n".join(diffs[:40])
