"""Every capture of ../shared/corpus reads with the manifest's format, link type and packet count, and every
frame decodes or is skipped with a counter; nothing but CaptureError may escape (there should be none)."""
from __future__ import annotations

import json

import pytest

from pcaptls.capture.decap import decode_frame
from pcaptls.capture.files import open_capture
from tests.conftest import CORPUS

MANIFEST = CORPUS / "manifest.json"
if not MANIFEST.exists():
    pytest.skip("../shared/corpus not present", allow_module_level=True)

pytestmark = pytest.mark.corpus
ENTRIES = json.loads(MANIFEST.read_text())


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["file"])
def test_reads_every_frame(entry: dict) -> None:
    counters: dict[str, int] = {}
    linktypes = set()
    decoded = frames = 0
    with open_capture(CORPUS / entry["file"]) as reader:
        for ts_ns, linktype, frame, orig_len in reader:
            frames += 1
            linktypes.add(linktype)
            assert type(ts_ns) is int and ts_ns > 0 and orig_len >= len(frame) > 0
            if decode_frame(linktype, frame, counters) is not None:
                decoded += 1
        assert reader.format == entry["format"]
    assert frames == entry["packets"]
    expected = entry["linktype"] if isinstance(entry["linktype"], list) else [entry["linktype"]]
    assert linktypes == set(expected)
    assert decoded + sum(counters.values()) == frames
    assert not {"unknown_linktype", "bad_ip_header", "bad_tcp_header", "bad_udp_header", "tunnel_depth"} & set(counters)
