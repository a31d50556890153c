"""Render connection rows. Owns: the table, JSON, JSON lines and CSV renderings and the summary of
counters. Imports: report.rows, report.escape, report.tables, report.spill, results.

Every renderer writes to a text stream it is given; nothing here chooses where output goes.
"""
from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Iterable
from json.encoder import c_make_encoder, encode_basestring
from typing import TextIO


from pcaptls.report import escape, tables
from pcaptls.report.tables import StreamedTable
from pcaptls.report.rows import FIELDS, connection_row, iso_time
from pcaptls.results import Report

FORMATS = ("table", "json", "jsonl", "csv")

# Columns of the human table: (header, row key).
TABLE_COLUMNS = (
    ("conn", "conn"), ("time (UTC)", "ts"), ("client", "client"), ("server", "server"), ("server name", "server_name"),
    ("record", "record_version"), ("client max", "client_max_version"),
    ("negotiated", "negotiated_version"), ("cipher suite", "cipher_suite"), ("alpn", "alpn_selected"),
    ("outcome", "outcome"), ("alert", "alert"),
)


def _json_encoder() -> Callable[[object], str]:
    """``json.dumps(value, ensure_ascii=False)`` as one reusable function. json.dumps builds a new encoder on
    every call; this builds json's C encoder once (without the check for circular references: rows are trees)."""
    encoder = json.JSONEncoder(ensure_ascii=False, check_circular=False)
    if c_make_encoder is None:                  # no _json accelerator: the pure-Python encoder, same text
        return encoder.encode
    encode = c_make_encoder(None, encoder.default, encode_basestring, None, encoder.key_separator,
                            encoder.item_separator, False, False, True)
    return lambda value: "".join(encode(value, 0))


_encode_json = _json_encoder()


def jsonl_line(record: dict) -> str:
    """One JSON lines line: the text of ``json.dumps(record, ensure_ascii=False)`` and a newline."""
    return _encode_json(record) + "\n"


def write_jsonl(rows: Iterable[dict], out: TextIO) -> None:
    for row in rows:
        out.write(_encode_json(row))
        out.write("\n")


def json_element(row: dict) -> str:
    """A row as an element of ``write_json``'s array (indented by two more spaces)."""
    return json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n  ")


def write_json(rows: Iterable[dict], out: TextIO) -> None:
    """``json.dumps(list(rows), indent=2)``, written a row at a time (the whole text is never built). JSON
    strings hold no raw newline, so indenting each line of a row's text gives the same bytes."""
    write_texts("json", map(json_element, rows), out)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


_SAFE_CELLS: dict[str, str] = {}            # cell text -> escaped; most cells (codes, names, None) recur
_SAFE_CELLS_LIMIT, _SAFE_CELL_MAX_LEN = 4096, 64   # a full cache starts over; longer texts are not kept


def _csv_cell(value: object) -> str:
    """``escape.csv_cell(escape.terminal(_cell(value)))``, from a cache for short texts."""
    text = value if type(value) is str else _cell(value)
    found = _SAFE_CELLS.get(text)
    if found is None:
        found = escape.csv_cell(escape.terminal(text))
        if len(text) <= _SAFE_CELL_MAX_LEN:
            if len(_SAFE_CELLS) >= _SAFE_CELLS_LIMIT:
                _SAFE_CELLS.clear()
            _SAFE_CELLS[text] = found
    return found


class _Line:
    """What csv.writer writes, kept: one CSV line at a time."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text


_CSV_LINE = _Line()
_CSV_WRITER = csv.writer(_CSV_LINE, lineterminator="\n")


def csv_line(row: dict) -> str:
    _CSV_WRITER.writerow([_csv_cell(row[f]) for f in FIELDS])
    return _CSV_LINE.text


def write_csv(rows: Iterable[dict], out: TextIO) -> None:
    write_texts("csv", map(csv_line, rows), out)


TABLE_LEGEND = ("\nrecord: the record-layer version of the ClientHello, not the TLS version (OpenSSL writes 0x0301 "
                "there even for TLS 1.3); client max: the best version the client offers; negotiated: what the "
                "server chose.\n")


def _endpoint(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def table_cells(row: dict) -> list[str]:
    """A row's cells in the inspect table, escaped and stripped (as tabulate strips them)."""
    shown = dict(row, client=_endpoint(row["client_ip"], row["client_port"]),
                 server=_endpoint(row["server_ip"], row["server_port"]), ts=row["ts"][:23].replace("T", " "))
    return [escape.terminal(_cell(shown[key])).strip() for _, key in TABLE_COLUMNS]


def inspect_table() -> StreamedTable:
    return StreamedTable([h for h, _ in TABLE_COLUMNS], ["right" if k == "conn" else "left" for _, k in TABLE_COLUMNS])


def table_text(row: dict) -> str:
    """A row as the table keeps it while it waits to be written (its cells joined)."""
    return tables.joined(table_cells(row))


def write_table(rows: Iterable[dict], out: TextIO) -> None:
    table = inspect_table()
    texts = [table_text(row) for row in rows]
    for text in texts:
        table.measure(tables.split(text))
    write_texts("table", texts, out, table)


SORTED_TEXTS = {"table": table_text, "json": json_element, "csv": csv_line}   # a row as it waits to be sorted


def write_texts(fmt: str, texts: Iterable[str], out: TextIO, table: StreamedTable | None = None) -> None:
    """Rows in the given order, each already made text by SORTED_TEXTS[fmt]. The table needs ``table``
    with every row measured (``table.measure``) before this is called."""
    if fmt == "json":
        sep = "[\n  "
        for text in texts:
            out.write(sep)
            out.write(text)
            sep = ",\n  "
        out.write("[]\n" if sep == "[\n  " else "\n]\n")
    elif fmt == "csv":
        _CSV_WRITER.writerow(FIELDS)
        out.write(_CSV_LINE.text)
        for text in texts:
            out.write(text)
    else:
        assert table is not None
        rows = (tables.split(text) for text in texts)
        first = next(rows, None)
        if first is None:
            out.write("no TLS handshakes found\n")
            return
        table.write(itertools.chain([first], rows), out)
        out.write("\n" + TABLE_LEGEND)


def order_key(c) -> tuple:
    """The report order: first packet time, then addresses (STYLE 13)."""
    return (c.ts_ns, c.client.ip.version, c.client.ip.packed, c.client.port, c.server.ip.packed, c.server.port,
            c.capture, c.conn)


def sorted_rows(conns) -> list[dict]:
    """Rows in the report order."""
    return [connection_row(c) for c in sorted(conns, key=order_key)]


_NAME_KEYS = ("from", "ip", "names", "first_seen", "last_seen", "source")


def write_names(name_tables, fmt: str, out: TextIO) -> None:
    """The learned name tables: one row per IP with its names, first/last seen and source. ``name_tables`` is
    consumed as it goes ((where, NameTable) pairs, e.g. a generator reading one capture at a time): json and
    csv rows are written as each table comes; the table's rows wait, bounded, in a SortedSpill."""
    def rows():
        for where, names in name_tables:
            for e in names.entries():
                yield {"from": where, "ip": e.ip, "names": list(e.names),
                       "first_seen": iso_time(e.first_seen_ns) if e.first_seen_ns is not None else None,
                       "last_seen": iso_time(e.last_seen_ns) if e.last_seen_ns is not None else None,
                       "source": e.source}

    if fmt == "json":
        sep = "[\n  "
        for r in rows():
            out.write(sep)
            out.write(json.dumps(r, ensure_ascii=False, indent=2).replace("\n", "\n  "))
            sep = ",\n  "
        out.write("[]\n" if sep == "[\n  " else "\n]\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_NAME_KEYS)
        for r in rows():
            writer.writerow([escape.csv_cell(escape.terminal(_cell(r[k]))) for k in _NAME_KEYS])
    else:
        from pcaptls.report.spill import SortedSpill
        table = StreamedTable(["capture", "ip", "names", "first seen", "last seen", "source"], ["left"] * 6)
        waiting = SortedSpill()
        for n, r in enumerate(rows()):
            cells = table.measure([escape.terminal(_cell(r[k])).strip() for k in _NAME_KEYS])
            waiting.add(n, tables.joined(cells))
        if not len(waiting):
            out.write("no names learned\n")
            return
        table.write((tables.split(text) for text in waiting), out)
        out.write("\n")


REPORT_FORMATS = ("table", "json", "csv", "markdown")
REPORT_TABLE = (
    ("verdict", "verdict"), ("client", "client_ip"), ("server", "server"), ("port", "server_port"),
    ("aws", "aws"), ("cut-off", "tls12_required_since"), ("conns", "connections"),
    ("client max", "client_max_version"), ("negotiated", "negotiated_versions"), ("failed", "failed"),
    ("first seen", "first_seen"), ("last seen", "last_seen"), ("why", "reason"),
)


# The report table's alignment, given rather than guessed: tabulate's guess looks at every cell of every
# column (1.3 s for 12,000 rows) and would right-align a column of names that all happen to look numeric.
_REPORT_ALIGN = tuple("right" if key in ("server_port", "connections", "failed") else "left" for _, key in REPORT_TABLE)


def _report_cell(row: dict, key: str) -> str:
    if key == "aws":
        if not row["aws_service"]:
            return ""
        return " ".join(x for x in (row["aws_service_name"] or row["aws_service"], row["aws_region"] or "",
                                    "FIPS" if row["aws_fips"] else "") if x)
    value = row[key]
    if isinstance(value, dict):
        return ", ".join(f"{k} x{v}" for k, v in value.items())
    if key in ("first_seen", "last_seen") and value:
        return value[:19].replace("T", " ")
    return _cell(value)


def write_report(rows: Iterable[dict], headline: str, fmt: str, out: TextIO, fields: tuple[str, ...]) -> None:
    """The legacy-TLS report: the one-sentence summary first, then one row per client x server. Written a
    row at a time; the tables read ``rows`` twice (widths first), so give a list or a report.verdict.Verdict."""
    if fmt == "json":           # json.dumps({"summary": ..., "rows": rows}, indent=2), a row at a time
        out.write('{\n  "summary": ' + json.dumps(headline, ensure_ascii=False) + ',\n  "rows": ')
        sep = "[\n    "
        for r in rows:
            out.write(sep)
            out.write(json.dumps(r, ensure_ascii=False, indent=2).replace("\n", "\n    "))
            sep = ",\n    "
        out.write("[]\n}\n" if sep == "[\n    " else "\n  ]\n}\n")
        return
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for r in rows:
            writer.writerow([escape.csv_cell(escape.terminal(_report_cell(r, f) if isinstance(r[f], dict)
                                                             else _cell(r[f]))) for f in fields])
        return
    markdown = fmt == "markdown"

    def cells(r: dict) -> list[str]:
        shown = [escape.terminal(_report_cell(r, key)).strip() for _, key in REPORT_TABLE]
        return [cell.replace("|", "\\|") for cell in shown] if markdown else shown

    table = StreamedTable([h for h, _ in REPORT_TABLE], _REPORT_ALIGN)
    count = 0
    for r in rows:
        table.measure(cells(r))
        count += 1
    out.write(f"**{escape.terminal(headline)}**\n\n" if markdown else escape.terminal(headline) + "\n")
    if count:
        if not markdown:
            out.write("\n")
        table.write((cells(r) for r in rows), out, "github" if markdown else "simple")
        out.write("\n")


WRITERS = {"table": write_table, "json": write_json, "jsonl": write_jsonl, "csv": write_csv}


def summary(report: Report) -> list[str]:
    """Lines for stderr: counts, skipped frames by reason, flow errors, and the file error if any."""
    c = report.counters
    skipped = {k: v for k, v in c.items() if k.startswith("skip_") or k in _SKIP_REASONS}
    lines = [
        f"{escape.terminal(report.capture)}: {c.get('packets', 0)} packets, {c.get('tcp_packets', 0)} TCP, "
        f"{c.get('flows', 0)} TCP flows, {c.get('tls_connections', 0)} TLS connections, "
        f"{c.get('flow_errors', 0)} flow errors"
        + (f", {c.get('flows_evicted', 0)} flows evicted" if c.get("flows_evicted") else "")
        + (f", {c['flows_reported_early']} connections reported early (memory bound)"
           if c.get("flows_reported_early") else "")
    ]
    if skipped:
        lines.append("  skipped frames: " + ", ".join(f"{k}={v}" for k, v in sorted(skipped.items())))
    tcp = {k[4:]: v for k, v in c.items()
           if k in ("tcp_retransmitted_bytes", "tcp_gap_bytes", "tcp_overlap_conflicts") and v}
    if tcp:
        lines.append("  tcp: " + ", ".join(f"{k}={v}" for k, v in sorted(tcp.items())))
    dns = {k: v for k, v in c.items() if k.startswith("dns_")}
    if dns:
        lines.append("  dns: " + ", ".join(f"{k[4:]}={v}" for k, v in sorted(dns.items())))
    for err in report.flow_errors:
        lines.append(f"  conn {err.conn} {err.direction}: {err.kind}: {escape.terminal(err.detail)}")
    more = c.get("flow_errors", 0) - len(report.flow_errors)
    if more > 0:
        lines.append(f"  ... and {more} more flow errors (each connection's are in its row's errors)")
    return lines


_SKIP_REASONS = frozenset({
    "unknown_linktype", "non_ip", "ip_fragment", "non_tcp_udp", "truncated_frame", "bad_ip_header",
    "bad_tcp_header", "tunnel_depth",
})
