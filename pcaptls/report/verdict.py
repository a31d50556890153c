"""The legacy-TLS verdict. Owns: grouping connections by client IP x server, what each client can do,
whether it breaks when TLS 1.2 becomes the minimum and whether a cut-off already applies, the risk order
and the one-sentence summary. Imports: results, report.rows, report.spill, tls.registry, report.filters,
errors.

Incremental (``Aggregator.add`` one row at a time), so the batch runner aggregates archives of captures
without holding their connections, and can rebuild the report from connections.jsonl; bounded (beyond
MAX_PAIRS pairs, partial pairs wait sorted in temporary files and are merged at the end).
"""
from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from pcaptls.report.filters import is_below
from pcaptls.report.spill import SortedSpill, read_run, write_run
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
MAX_PAIRS = 5_000           # client x server pairs held in memory by an Aggregator (more go to disk)
_PAIR_COST = 1 << 10        # about what a pair pickles to (a run holds one chunk of each in memory at a merge)

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
# the fields of a connection row that Aggregator.add reads: a row cut to them is what a report needs (a row
# of a hello with 10,000 extensions is 100 KB, its cut a few hundred bytes)
AGGREGATED_FIELDS = ("client_ip", "server_name", "server_ip", "server_port", "ts", "last_ts", "name_source",
                     "capture", "client_max_version", "negotiated_version", "cipher_suite", "outcome", "alert",
                     "alert_from", *_AWS_KEYS)


def aggregated(row: dict) -> dict:
    """``row`` cut to what ``Aggregator.add`` reads."""
    return {key: row.get(key) for key in AGGREGATED_FIELDS}
_VERSION_CODES = {registry.version_name(code): code for code in registry.VERSIONS}


def _merge(a: _Pair, b: _Pair) -> _Pair:
    """Two partial aggregates of one client x server (``b`` from rows after ``a``'s) as one."""
    a.first, a.last = min(a.first, b.first), max(a.last, b.last)
    a.aws = a.aws or b.aws
    a.name_source = a.name_source or b.name_source
    a.server_ips |= b.server_ips
    if b.best is not None and (a.best is None or is_below(a.best, b.best)):
        a.best = b.best
    a.connections += b.connections
    a.negotiated.update(b.negotiated)
    a.suites.update(b.suites)
    a.outcomes.update(b.outcomes)
    a.alerts.update(b.alerts)
    a.captures |= b.captures
    return a


def _sort_key(r: dict) -> tuple:
    return (RANK[r["verdict"]], -r["connections"], r["client_ip"], r["server"], r["server_port"])


class Verdict:
    """The report rows in risk order and the one-sentence summary, from ``Aggregator.finish``. The rows can
    be read several times (``for row in verdict``); beyond a bound they wait in a temporary file."""

    def __init__(self, summary: str, count: int, texts: list[str] | None, file: IO[bytes] | None) -> None:
        self.summary = summary
        self.count = count
        self._texts = texts
        self._file = file

    @property
    def on_disk(self) -> bool:
        return self._file is not None

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict:
        if self._texts is not None:
            return json.loads(self._texts[index])
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Verdict, list)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    def __iter__(self) -> Iterator[dict]:
        if self._texts is not None:
            for text in self._texts:
                yield json.loads(text)
            return
        for text in read_run(self._file):
            yield json.loads(text)


class Aggregator:
    """Connection rows (``report.rows.connection_row``, or lines of connections.jsonl) in, one row per
    client IP x server out. Working on rows lets the batch runner rebuild the report from its output.

    Memory: at most ``max_pairs`` client x server pairs are held; beyond, the partial pairs are written,
    sorted, to a temporary file (in ``directory``) and merged at the end, so a capture of millions of
    clients is reported in bounded memory."""

    def __init__(self, *, max_pairs: int = MAX_PAIRS, directory: str | None = None) -> None:
        self._pairs: dict[tuple[str, str, int], _Pair] = {}
        self.max_pairs = max_pairs
        self.directory = directory
        self._runs: list[IO[bytes]] = []

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
        if len(self._pairs) > self.max_pairs:
            self._spill()

    def _spill(self) -> None:
        items = sorted(self._pairs.items(), key=lambda kv: kv[0])
        self._runs.append(write_run(items, self.directory, lambda kv: _PAIR_COST))
        self._pairs = {}

    def _merged(self) -> Iterator[_Pair]:
        """Every pair, whole, in key order (runs and what is in memory merged; earlier rows first)."""
        streams = [read_run(run) for run in self._runs]
        streams.append(iter(sorted(self._pairs.items(), key=lambda kv: kv[0])))
        current: tuple | None = None
        pair: _Pair | None = None
        for key, part in heapq.merge(*streams, key=lambda kv: kv[0]):   # stable: earlier runs first
            if key == current:
                _merge(pair, part)
                continue
            if pair is not None:
                yield pair
            current, pair = key, part
        if pair is not None:
            yield pair

    def finish(self) -> Verdict:
        """The rows in risk order and the summary sentence; the aggregator is spent."""
        ordered = SortedSpill(directory=self.directory)
        clients = bad_clients = conns = bad_conns = broken = 0
        last_client, last_bad = None, None
        for pair in self._merged():               # in (client, server, port) order: a client's rows together
            row = _row(pair)
            ordered.add(_sort_key(row), json.dumps(row, ensure_ascii=False))
            if row["client_ip"] != last_client:
                last_client, last_bad = row["client_ip"], False
                clients += 1
            conns += row["connections"]
            if row["breaks_under_tls12"]:
                bad_conns += row["connections"]
                broken += row["verdict"] == BROKEN
                if not last_bad:
                    last_bad = True
                    bad_clients += 1
        for run in self._runs:
            run.close()
        self._runs, self._pairs = [], {}
        headline = _sentence(clients, bad_clients, conns, bad_conns, broken)
        if not ordered.runs_written:
            return Verdict(headline, len(ordered), list(ordered), None)
        file = write_run(ordered, self.directory, len)          # rows read again from disk, in order
        return Verdict(headline, len(ordered), None, file)

    def rows(self) -> list[dict[str, object]]:
        """Every row in risk order, in memory (the report of one capture or a test; see ``finish``)."""
        return list(self.finish())


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


def summary(rows: Iterable[dict]) -> str:
    """One sentence: how many clients and connections fall below TLS 1.2."""
    rows = list(rows)
    bad = [r for r in rows if r["breaks_under_tls12"]]
    return _sentence(len({r["client_ip"] for r in rows}), len({r["client_ip"] for r in bad}),
                     sum(r["connections"] for r in rows), sum(r["connections"] for r in bad),
                     sum(1 for r in bad if r["verdict"] == BROKEN))


def _sentence(clients: int, bad_clients: int, conns: int, bad_conns: int, broken: int) -> str:
    if not bad_clients:
        return f"No client offers less than TLS 1.2: {clients} clients, {conns} connections checked."
    pairs = "pair already hits" if broken == 1 else "pairs already hit"
    tail = f"; {broken} client-server {pairs} a TLS 1.2 cut-off" if broken else ""
    return (f"{bad_clients} of {clients} clients ({bad_conns} of {conns} connections) offer nothing "
            f"above TLS 1.1 and break when TLS 1.2 is required{tail}.")
