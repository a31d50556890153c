"""The legacy-TLS verdict. Owns: grouping connections by client IP x server, what each client can do,
whether it breaks when TLS 1.2 becomes the minimum and whether a cut-off already applies, the risk order
and the one-sentence summary. Imports: results, report.rows, tls.registry, report.filters.

Pure and incremental (``Aggregator.add`` one row at a time), so the batch runner aggregates archives of
captures without holding their connections, and can rebuild the report from connections.jsonl.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pcaptls.report.filters import is_below
from pcaptls.report.rows import connection_row
from pcaptls.results import Connection
from pcaptls.tls import registry

# Verdicts, most urgent first.
BROKEN = "broken"          # cannot do TLS 1.2, and the endpoint's TLS 1.2 cut-off had passed when seen
WILL_BREAK = "will-break"  # cannot do TLS 1.2; the endpoint's cut-off was still ahead when seen
LEGACY = "legacy"          # cannot do TLS 1.2; no known cut-off (not an AWS endpoint)
OK = "ok"                  # offers TLS 1.2 or better
UNKNOWN = "unknown"        # no ClientHello seen
RANK = {BROKEN: 0, WILL_BREAK: 1, LEGACY: 2, UNKNOWN: 3, OK: 4}

REPORT_FIELDS = (
    "verdict", "breaks_under_tls12", "cutoff_applies", "client_ip", "server", "server_port", "server_ips",
    "name_source", "aws_partition", "aws_service", "aws_service_name", "aws_region", "aws_fips",
    "tls12_required_since", "connections", "first_seen", "last_seen", "client_max_version",
    "negotiated_versions", "cipher_suites", "failed", "alerts", "outcomes", "captures", "reason",
)


@dataclass(slots=True)
class _Pair:
    client_ip: str
    server: str
    server_port: int
    first: str
    last: str
    aws: dict | None = None                    # the aws_* fields of a row that had them
    name_source: str | None = None
    server_ips: set[str] = field(default_factory=set)
    best: int | None = None                    # highest version offered in any ClientHello
    connections: int = 0
    negotiated: Counter = field(default_factory=Counter)
    suites: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    alerts: Counter = field(default_factory=Counter)
    captures: set[str] = field(default_factory=set)


_AWS_KEYS = ("aws_partition", "aws_service", "aws_service_name", "aws_region", "aws_fips", "tls12_required_since")
_VERSION_CODES = {registry.version_name(code): code for code in registry.VERSIONS}


class Aggregator:
    """Connection rows (``report.rows.connection_row``, or lines of connections.jsonl) in, one row per
    client IP x server out. Working on rows lets the batch runner rebuild the report from its output."""

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str, int], _Pair] = {}

    def add_connection(self, c: Connection) -> None:
        self.add(connection_row(c))

    def add(self, row: dict) -> None:
        server = row.get("server_name") or row["server_ip"]
        key = (row["client_ip"], server, row["server_port"])
        pair = self._pairs.get(key)
        if pair is None:
            pair = self._pairs[key] = _Pair(key[0], server, key[2], row["ts"], row.get("last_ts") or row["ts"])
        pair.first = min(pair.first, row["ts"])
        pair.last = max(pair.last, row.get("last_ts") or row["ts"])
        if pair.aws is None and row.get("aws_service"):
            pair.aws = {k: row.get(k) for k in _AWS_KEYS}
        pair.name_source = pair.name_source or row.get("name_source")
        pair.server_ips.add(row["server_ip"])
        pair.connections += 1
        pair.captures.add(row["capture"])
        best = _VERSION_CODES.get(row["client_max_version"]) if row["client_max_version"] else None
        if best is not None and (pair.best is None or is_below(pair.best, best)):
            pair.best = best
        if row["negotiated_version"]:
            pair.negotiated[row["negotiated_version"]] += 1
        if row["cipher_suite"]:
            pair.suites[row["cipher_suite"]] += 1
        pair.outcomes[row["outcome"]] += 1
        if row["alert"]:
            pair.alerts[f"{row['alert']} from {row['alert_from']}"] += 1

    def rows(self) -> list[dict[str, object]]:
        rows = [_row(p) for p in self._pairs.values()]
        rows.sort(key=lambda r: (RANK[r["verdict"]], -r["connections"], r["client_ip"], r["server"], r["server_port"]))
        return rows


def _row(p: _Pair) -> dict[str, object]:
    aws = p.aws or dict.fromkeys(_AWS_KEYS)
    cutoff = aws["tls12_required_since"]
    breaks = p.best is not None and is_below(p.best, registry.TLS1_2)
    applies = cutoff is not None and cutoff <= p.last[:10]
    if p.best is None:
        verdict = UNKNOWN
    elif not breaks:
        verdict = OK
    elif cutoff is None:
        verdict = LEGACY
    else:
        verdict = BROKEN if applies else WILL_BREAK
    row = {
        "verdict": verdict,
        "breaks_under_tls12": breaks if p.best is not None else None,
        "cutoff_applies": applies if cutoff is not None else None,
        "client_ip": p.client_ip,
        "server": p.server,
        "server_port": p.server_port,
        "server_ips": sorted(p.server_ips),
        "name_source": p.name_source,
        **{k: aws[k] for k in _AWS_KEYS[:5]},
        "tls12_required_since": cutoff,
        "connections": p.connections,
        "first_seen": p.first,
        "last_seen": p.last,
        "client_max_version": registry.version_name(p.best) if p.best is not None else None,
        "negotiated_versions": dict(sorted(p.negotiated.items())),
        "cipher_suites": dict(sorted(p.suites.items())),
        "failed": p.outcomes.get("failed", 0),
        "alerts": dict(sorted(p.alerts.items())),
        "outcomes": dict(sorted(p.outcomes.items())),
        "captures": sorted(p.captures),
    }
    row["reason"] = _reason(row)
    return row


def _reason(r: dict) -> str:
    best = r["client_max_version"]
    if r["verdict"] == UNKNOWN:
        return "no ClientHello captured"
    if r["verdict"] == OK:
        return f"offers up to {best}"
    where = f"{r['aws_service_name'] or r['aws_service']} {'FIPS ' if r['aws_fips'] else ''}endpoint" \
        if r["aws_service"] else "server"
    text_ = f"offers at most {best}"
    if r["verdict"] == BROKEN:
        text_ += f"; the {where} requires TLS 1.2 since {r['tls12_required_since']}"
    elif r["verdict"] == WILL_BREAK:
        text_ += f"; the {where} requires TLS 1.2 from {r['tls12_required_since']}"
    else:
        text_ += "; breaks if this server requires TLS 1.2"
    if r["failed"]:
        text_ += f"; {r['failed']} of {r['connections']} handshakes failed"
        if r["alerts"]:
            text_ += " (" + ", ".join(f"{k} x{v}" for k, v in r["alerts"].items()) + ")"
    return text_


def summary(rows: list[dict]) -> str:
    """One sentence: how many clients and connections fall below TLS 1.2."""
    clients = {r["client_ip"] for r in rows}
    bad = [r for r in rows if r["breaks_under_tls12"]]
    bad_clients = {r["client_ip"] for r in bad}
    conns = sum(r["connections"] for r in rows)
    bad_conns = sum(r["connections"] for r in bad)
    if not bad:
        return f"No client offers less than TLS 1.2: {len(clients)} clients, {conns} connections checked."
    broken = sum(1 for r in bad if r["verdict"] == BROKEN)
    pairs = "pair already hits" if broken == 1 else "pairs already hit"
    tail = f"; {broken} client-server {pairs} a TLS 1.2 cut-off" if broken else ""
    return (f"{len(bad_clients)} of {len(clients)} clients ({bad_conns} of {conns} connections) offer nothing "
            f"above TLS 1.1 and break when TLS 1.2 is required{tail}.")
