"""Re-run the live recorder (fixtures/live/record.py) for a few scenarios.

Records real Python-ssl handshakes on loopback with tcpdump into tmp_path and
checks the endpoints' JSON and that tshark sees the handshake in the capture.
Needs root, tcpdump, tshark and the openssl CLI; skipped otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ["tls12", "protocol_version", "split_ch"]
# Run on other ports than the committed recordings (44300-44399) so that a
# concurrent manual re-recording does not collide with the test.
PORT_OFFSET = 1000
TIMEOUT = 120

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                       reason="live capture needs root"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in ("tcpdump", "tshark", "openssl")),
                       reason="needs tcpdump, tshark and the openssl CLI"),
]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("live")
    proc = subprocess.run(
        [sys.executable, "-m", "fixtures.live.record", "--out", str(out),
         "--port-offset", str(PORT_OFFSET), *SCENARIOS],
        cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    # Exit status 1 = the recorder's own tshark cross-check found a mismatch;
    # the table on stdout says which.
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def _load(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text())


def _tshark_hellos(pcap: Path, port: int) -> list[list[str]]:
    """[handshake types, handshake.version, supported_version, SNI, segment count] per hello."""
    proc = subprocess.run(
        ["tshark", "-n", "-r", str(pcap), "-o", "tcp.reassemble_out_of_order:TRUE",
         "-d", f"tcp.port=={port},tls",
         "-Y", "tls.handshake.type==1 || tls.handshake.type==2 || tls.alert_message",
         "-T", "fields", "-e", "tls.handshake.type", "-e", "tls.handshake.version",
         "-e", "tls.handshake.extensions.supported_version",
         "-e", "tls.handshake.extensions_server_name", "-e", "tcp.segment.count",
         "-e", "tls.alert_message.desc", "-e", "tcp.srcport"],
        capture_output=True, text=True, timeout=60, check=True)
    return [line.split("\t") for line in proc.stdout.splitlines()]


@pytest.mark.parametrize("name", SCENARIOS)
def test_files_written(recorded: Path, name: str) -> None:
    data = _load(recorded, name)
    assert data["scenario"] == name
    assert data["port"] >= 44300 + PORT_OFFSET
    pcap = recorded / data["capture"]["file"]
    assert pcap.exists() and 0 < pcap.stat().st_size < 30_000
    assert data["capture"]["dropped"] == 0
    assert data["capture"]["linktype"] == 1  # EN10MB on lo
    for side in ("client", "server"):
        assert set(data[side]) >= {"version", "cipher", "alpn", "error",
                                   "offered_max", "offered_min"}
    assert "sni" in data["server"]
    assert set(data["expect"]) >= {"negotiated_version", "alert", "alert_from",
                                   "hello_retry", "cipher_suite"}


def test_tls12(recorded: Path) -> None:
    data = _load(recorded, "tls12")
    c, s, e = data["client"], data["server"], data["expect"]
    assert c["version"] == s["version"] == "TLSv1.2"
    assert c["error"] is s["error"] is None
    assert c["received"] == "hello"
    assert s["sni"] == "tls12.example.test"
    assert c["cipher"] == s["cipher"]
    assert e["negotiated_version"] == "TLSv1.2"
    assert e["cipher_suite"].startswith("TLS_") and "_WITH_" in e["cipher_suite"]
    assert e["alert"] is None and e["hello_retry"] is False

    rows = _tshark_hellos(recorded / "tls12.pcap", data["port"])
    ch = [r for r in rows if "1" in r[0].split(",")]
    sh = [r for r in rows if "2" in r[0].split(",")]
    assert len(ch) == 1 and len(sh) == 1
    assert ch[0][1] == "0x0303" and ch[0][2] == ""  # TLS 1.2 only: no supported_versions
    assert ch[0][3] == "tls12.example.test"
    assert sh[0][1] == "0x0303"


def test_protocol_version(recorded: Path) -> None:
    data = _load(recorded, "protocol_version")
    c, s, e = data["client"], data["server"], data["expect"]
    assert c["version"] is None and s["version"] is None
    assert "TLSV1_ALERT_PROTOCOL_VERSION" in c["error"]  # the client received the alert
    assert s["error"]                                    # the server refused the hello
    assert c["offered_max"] == "TLSv1.0" and s["offered_min"] == "TLSv1.2"
    assert e["negotiated_version"] is None
    assert e["alert"] == "protocol_version" and e["alert_from"] == "server"

    rows = _tshark_hellos(recorded / "protocol_version.pcap", data["port"])
    ch = [r for r in rows if "1" in r[0].split(",")]
    assert len(ch) == 1 and ch[0][1] == "0x0301"
    assert not [r for r in rows if "2" in r[0].split(",")]
    alerts = [r for r in rows if r[5]]
    assert [(r[5], int(r[6])) for r in alerts] == [("70", data["port"])]


def test_split_clienthello(recorded: Path) -> None:
    data = _load(recorded, "split_ch")
    e = data["expect"]
    assert e["negotiated_version"] == "TLSv1.3"
    assert e["alpn"] == "h2"
    assert data["client"]["received"] == "hello"

    rows = _tshark_hellos(recorded / "split_ch.pcap", data["port"])
    ch = [r for r in rows if "1" in r[0].split(",")]
    assert len(ch) == 1
    assert int(ch[0][4] or 1) >= 3  # tcp.segment.count of the reassembled ClientHello
    assert ch[0][3] == data["client"]["server_hostname"]
    assert "0x0304" in ch[0][2].split(",")
