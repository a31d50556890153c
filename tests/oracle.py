"""tshark as an oracle: run it (or read a stored .tshark.tsv), turn its per-frame rows into hellos per
TCP connection, and compare them with pcaptls's results field by field."""
from __future__ import annotations

import csv
import ipaddress
import io
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from pcaptls.results import Report

TSHARK_FIELDS = (
    "frame.number", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
    "tls.record.version", "tls.handshake.type", "tls.handshake.version",
    "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite",
    "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
)
HAVE_TSHARK = shutil.which("tshark") is not None

Key = tuple[str, int, str, int]
ALTERNATIVE: dict[Key, Key] = {}     # tunnel rows: IPv6 key -> IPv4 key (which one is inner is unknown)


def run_tshark(path: Path, extra_args: tuple[str, ...] = ()) -> str:
    cmd = ["tshark", "-n", "-r", str(path), "-o", "tcp.reassemble_out_of_order:TRUE", *extra_args,
           "-Y", "tls.handshake.type==1 || tls.handshake.type==2", "-T", "fields", "-E", "header=y",
           "-E", "separator=/t"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return done.stdout


def _last(value: str) -> str:
    return value.split(",")[-1] if value else ""


def _ints(value: str) -> list[int]:
    return [int(v, 16) for v in value.split(",") if v]


def hellos_from_tsv(text: str) -> dict[Key, dict[str, list[dict]]]:
    """{(client_ip, client_port, server_ip, server_port): {"ch": [...], "sh": [...]}} in frame order."""
    out: dict[Key, dict[str, list[dict]]] = defaultdict(lambda: {"ch": [], "sh": []})
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        if not row["tcp.srcport"]:
            continue                       # QUIC / other UDP transports
        # In 6in4/4in6 tunnels both ip.* and ipv6.* are filled and tshark's columns do not say which
        # header is inner: key the row by IPv6 and remember the IPv4 key as the alternative.
        src = _last(row["ipv6.src"] or row["ip.src"])
        dst = _last(row["ipv6.dst"] or row["ip.dst"])
        if not src or not dst:
            continue
        src, dst = str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst))
        sport, dport = int(_last(row["tcp.srcport"])), int(_last(row["tcp.dstport"]))
        if row["ip.src"] and row["ipv6.src"]:
            v4 = (str(ipaddress.ip_address(_last(row["ip.src"]))), str(ipaddress.ip_address(_last(row["ip.dst"]))))
            ALTERNATIVE[(src, sport, dst, dport)] = (v4[0], sport, v4[1], dport)
            ALTERNATIVE[(dst, dport, src, sport)] = (v4[1], dport, v4[0], sport)
        types = [int(t) for t in row["tls.handshake.type"].split(",") if t]
        records = _ints(row["tls.record.version"])
        versions = _ints(row["tls.handshake.version"])
        if records and records[0] == 0x0002 and types == [2]:
            continue                       # SSLv2 CLIENT-MASTER-KEY, not a ServerHello (corpus README)
        if 1 in types:
            out[(src, sport, dst, dport)]["ch"].append({
                "record_version": records[0] if records else None,
                "version": versions[0] if versions else None,
                "supported_versions": _ints(row["tls.handshake.extensions.supported_version"]) or None,
                "suites": _ints(row["tls.handshake.ciphersuite"]),
                "sni": row["tls.handshake.extensions_server_name"] or None,
                "alpn": row["tls.handshake.extensions_alpn_str"].split(",") if row["tls.handshake.extensions_alpn_str"] else None,
            })
        if 2 in types:
            sv = _ints(row["tls.handshake.extensions.supported_version"])
            suites = _ints(row["tls.handshake.ciphersuite"])
            out[(dst, dport, src, sport)]["sh"].append({
                "version": versions[-1] if versions else None,
                "selected": sv[-1] if sv else None,
                "suite": suites[-1] if suites else None,
                "alpn": _last(row["tls.handshake.extensions_alpn_str"]) or None,
            })
    return dict(out)


def _ch_dict(ch, record_version) -> dict:
    return {
        "record_version": record_version,
        "version": ch.legacy_version,
        "supported_versions": list(ch.supported_versions) if ch.supported_versions else None,
        "suites": list(ch.cipher_suites),
        "sni": ch.server_name.decode("utf-8", "replace") if ch.server_name else None,
        "alpn": [p.decode("utf-8", "replace") for p in ch.alpn] if ch.alpn else None,
    }


def _sh_dict(sh) -> dict:
    return {"version": sh.legacy_version, "selected": sh.selected_version, "suite": sh.cipher_suite,
            "alpn": sh.alpn.decode("utf-8", "replace") if sh.alpn else None}


def hellos_from_report(report: Report) -> dict[Key, dict[str, list[dict]]]:
    out: dict[Key, dict[str, list[dict]]] = defaultdict(lambda: {"ch": [], "sh": []})
    for c in sorted(report.connections, key=lambda c: c.conn):
        key = (str(c.client.ip), c.client.port, str(c.server.ip), c.server.port)
        if c.client_hello is not None:
            out[key]["ch"].append(_ch_dict(c.client_hello, c.client_record_version))
        if c.hello_retry_request is not None:
            out[key]["sh"].append(_sh_dict(c.hello_retry_request))
        if c.retry_client_hello is not None:
            out[key]["ch"].append(_ch_dict(c.retry_client_hello, None))
        if c.server_hello is not None:
            out[key]["sh"].append(_sh_dict(c.server_hello))
    return dict(out)


def compare(theirs: dict, ours: dict) -> list[str]:
    """Differences as readable lines; empty when pcaptls and tshark agree."""
    diffs = []
    theirs = {(ALTERNATIVE[k] if k not in ours and ALTERNATIVE.get(k) in ours else k): v for k, v in theirs.items()}
    for key in sorted(set(theirs) | set(ours), key=str):
        t, o = theirs.get(key, {"ch": [], "sh": []}), ours.get(key, {"ch": [], "sh": []})
        for kind in ("ch", "sh"):
            if len(t[kind]) != len(o[kind]):
                diffs.append(f"{key} {kind}: tshark has {len(t[kind])}, pcaptls {len(o[kind])}")
                continue
            for i, (a, b) in enumerate(zip(t[kind], o[kind])):
                for field, tv in a.items():
                    ov = b[field]
                    if field == "record_version" and ov is None:
                        continue   # record version is only reported for the first ClientHello
                    if field == "suites" and not tv and b.get("record_version") == 0x0002:
                        continue   # tshark puts SSLv2 cipher specs in another field
                    if field == "alpn" and tv is None and ov == [""]:
                        continue   # tshark prints a list holding one empty name as an empty field
                    if tv != ov:
                        diffs.append(f"{key} {kind}[{i}].{field}: tshark {tv!r}, pcaptls {ov!r}")
    return diffs
