"""Crafted captures (fixtures/build.py): they rebuild byte for byte, tshark sees in them what
``expected()`` says, and pcaptls reports what ``expected()`` says."""
from __future__ import annotations

import ipaddress
import shutil
import subprocess
from pathlib import Path

import pytest

from fixtures import build
from tests.conftest import CAPTURES

CRAFTED = CAPTURES / "crafted"
EXPECTED = build.expected()
NAMES = sorted(build.CAPTURES)


# --- (a) the committed files are what the recipes produce ------------------------------------
@pytest.mark.fixtures
@pytest.mark.parametrize("name", NAMES)
def test_capture_rebuilds_byte_identical(name: str, tmp_path: Path) -> None:
    (path,) = build.build(tmp_path, [name])
    assert path.read_bytes() == (CRAFTED / name).read_bytes(), \
        f"{name} differs from its recipe: run `python -m fixtures.build` and review the diff"


@pytest.mark.fixtures
def test_no_capture_without_recipe() -> None:
    assert sorted(p.name for p in CRAFTED.iterdir()) == NAMES


def test_every_capture_has_expected_results() -> None:
    assert sorted(EXPECTED) == NAMES


# --- (b) pcaptls reports what the files were built to carry ----------------------------------
def _plain(value):
    """Row values as expected() writes them: tuples as lists, addresses as text."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    return value


def _explain(got: list[dict], want: list[dict]) -> str:
    lines = [f"{len(got)} connection(s) with a hello, expected {len(want)}"]
    for i, (g, w) in enumerate(zip(got, want)):
        lines += [f"  conn {i} {k}: got {g[k]!r}, want {w[k]!r}" for k in w if g[k] != w[k]]
    lines += [f"  extra: {g}" for g in got[len(want):]] + [f"  missing: {w}" for w in want[len(got):]]
    return "\n".join(lines)


@pytest.mark.parametrize("name", NAMES)
def test_inspect_matches_expected(name: str) -> None:
    import pcaptls                    # imported here so part (a) runs before the pipeline exists
    from pcaptls.report.rows import connection_row

    want = EXPECTED[name]
    report = pcaptls.inspect_file(str(CRAFTED / name))
    assert (report.error is not None) == want["file_error"], report.error
    rows = sorted((connection_row(c) for c in report.connections), key=lambda r: r["ts"])
    keys = want["connections"][0].keys() if want["connections"] else ()
    got = [{k: _plain(r[k]) for k in keys} for r in rows
           if r["client_version"] is not None or r["server_version"] is not None]
    assert got == want["connections"], _explain(got, want["connections"])


# --- (c) the oracle: tshark sees the same hellos and alerts ------------------------------------
FIELDS = ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport", "tls.record.version",
          "tls.handshake.type", "tls.handshake.version", "tls.handshake.extensions.supported_version",
          "tls.handshake.ciphersuite", "tls.handshake.extensions_server_name",
          "tls.handshake.extensions_alpn_str", "tls.alert_message.desc"]
ALERTS = {"50": "decode_error", "70": "protocol_version"}
VERSIONS = {"0x0301": "TLSv1.0", "0x0302": "TLSv1.1", "0x0303": "TLSv1.2", "0x0304": "TLSv1.3"}


def _tshark_messages(path: Path) -> tuple[list[tuple], str]:
    """("ch"|"sh"|"alert", fields...) per message tshark dissects, in frame order; and its stderr."""
    cmd = ["tshark", "-r", str(path), "-o", "tcp.reassemble_out_of_order:TRUE",
           "-d", "tcp.port==80,tls", "-d", "tcp.port==8080,tls",
           "-Y", "tls.handshake.type==1 || tls.handshake.type==2 || tls.alert_message",
           "-T", "fields", *[a for f in FIELDS for a in ("-e", f)]]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    out = []
    for line in proc.stdout.splitlines():
        f = {k: v.split(",") if v else [] for k, v in zip(FIELDS, line.split("\t"))}
        src = ((f["ip.src"] or f["ipv6.src"])[-1], int(f["tcp.srcport"][-1]))   # tunnels: inner header
        dst = ((f["ip.dst"] or f["ipv6.dst"])[-1], int(f["tcp.dstport"][-1]))
        versions = [v for v in f["tls.handshake.extensions.supported_version"] if int(v, 16) & 0x0F0F != 0x0A0A]
        alpn = f["tls.handshake.extensions_alpn_str"] or None
        if "1" in f["tls.handshake.type"]:
            out.append(("ch", *src, *dst, (f["tls.handshake.extensions_server_name"] or [None])[0],
                        f["tls.record.version"][0], f["tls.handshake.version"][0], versions or None, alpn))
        if "2" in f["tls.handshake.type"]:
            negotiated = versions[0] if versions else f["tls.handshake.version"][0]
            out.append(("sh", *dst, *src, VERSIONS[negotiated], f["tls.handshake.ciphersuite"][0],
                        alpn[0] if alpn else None))
        out += [("alert", src[0], ALERTS[d]) for d in f["tls.alert_message.desc"]]
    return out, proc.stderr


def _expected_messages(conns: list[dict]) -> list[tuple]:
    out = []
    for c in conns:
        client, server = (c["client_ip"], c["client_port"]), (c["server_ip"], c["server_port"])
        if c["client_version"]:
            out.append(("ch", *client, *server, c["sni"], c["record_version"], c["client_version"],
                        c["client_supported_versions"], c["alpn"]))
        if c["negotiated_version"]:
            out.append(("sh", *client, *server, c["negotiated_version"], c["cipher_suite_id"], c["alpn_selected"]))
        if c["alert"]:
            out.append(("alert", client[0] if c["alert_from"] == "client" else server[0], c["alert"]))
    return out


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
@pytest.mark.parametrize("name", NAMES)
def test_tshark_sees_expected_hellos(name: str) -> None:
    want = EXPECTED[name]
    got, stderr = _tshark_messages(CRAFTED / name)
    assert got == _expected_messages(want["connections"])
    assert ("cut short" in stderr) == want["file_error"], stderr
