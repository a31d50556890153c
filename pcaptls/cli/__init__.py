"""The command line. Owns: the commands, where output goes, exit codes (shared options: cli.options).
Imports: pcaptls API modules, report, cli.options.

No protocol logic here: each command validates options through click types, calls the API, renders.
Exit codes: 0 ok; 1 an input could not be read or was damaged (results before the damage are still
printed); 2 usage error; 3 ``--fail-on legacy`` found a client that cannot do TLS 1.2, or ``batch``
finished but some inputs failed; 4 the output could not be written (disk full, read-only, no permission,
a batch output folder in use); 130 interrupted (Ctrl-C). Everything printed to standard error goes through
report.escape (file names and capture text can hold terminal escapes).
"""
from __future__ import annotations

import dataclasses
import gc
import os
import sys
import time
from collections.abc import Callable, Iterator

import click

from pcaptls import __version__
from pcaptls.enrich.identity import Enrichment
from pcaptls.errors import CaptureError, EnrichmentDataError, OutputError
from pcaptls.parallel import MappedInspection
from pcaptls.pipeline import InspectOptions, iter_connections
from pcaptls.report import render
from pcaptls.cli.options import enrichment_options, filter_options, output_options
from pcaptls.report.cloudtrail import cloudtrail_record
from pcaptls.report.filters import is_below
from pcaptls.report.rows import connection_row
from pcaptls.report.spill import SortedSpill
from pcaptls.report.tables import split as split_cells
from pcaptls.report.escape import terminal as escape_terminal
from pcaptls.report.escape import terminal_lines
from pcaptls.report.verdict import REPORT_FIELDS, Aggregator, aggregated
from pcaptls.results import Connection, client_max_version
from pcaptls.sink import PipeClosed, Sink
from pcaptls.tls import registry

EXIT_LEGACY, EXIT_OUTPUT, EXIT_INTERRUPTED = 3, 4, 130


def _error(message: str) -> None:
    """An ``Error: ...`` line on stderr, escaped like capture text (it names files, which can hold escapes)."""
    click.echo(f"Error: {escape_terminal(message)}", err=True)


def _inspections(paths, options: InspectOptions, enrichment: Enrichment, quiet: bool, failed: list[str],
                 fn: Callable[[Connection], object] | None = None) -> Iterator[Iterator]:
    """For each readable capture, ``fn(connection)`` for its connections as they finish (None dropped);
    its counts and errors go to stderr once consumed. With ``fn`` a large file is read by several processes
    (pcaptls.parallel) and only ``fn``'s results cross between them; without, the connections themselves."""
    for path in paths:
        try:
            if fn is None:
                insp = iter_connections(path, options, enrichment=enrichment)
            else:
                insp = MappedInspection(path, fn, options, enrichment=enrichment)
        except CaptureError as exc:
            _error(str(exc) if exc.path else f"{path}: {exc}")
            failed.append(path)
            continue
        yield iter(insp)
        report = insp.report()
        if not quiet:
            for line in render.summary(report):
                click.echo(line, err=True)
        if report.error is not None:
            _error(f"{report.error} (connections before this point are reported)")
            failed.append(path)


def _exit(failed: list[str], legacy: bool = False) -> None:
    sys.exit(1 if failed else EXIT_LEGACY if legacy else 0)


def _is_legacy(conn: Connection) -> bool:
    return is_below(client_max_version(conn), registry.TLS1_2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pcaptls")
def cli() -> None:
    """Inspect TLS handshakes in packet captures: which clients speak which TLS version, to whom."""


@cli.command()
@click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice([*render.FORMATS, "cloudtrail"]), default="table",
              show_default=True, help="Output format. jsonl and cloudtrail stream connections as they finish.")
@output_options
@filter_options
@enrichment_options
def inspect(captures, fmt, output, quiet, fail_on, jobs, selection, options, enrichment) -> None:
    """Show every TLS handshake in CAPTURES (pcap, pcapng, compressed; - for stdin).

    Example:

    \b
        pcaptls inspect capture.pcap
        pcaptls inspect capture.pcap --below TLSv1.2 --fail-on legacy
        tcpdump -i any -w - port 443 | pcaptls inspect - --format jsonl
    """
    failed: list[str] = []
    options = dataclasses.replace(options, jobs=jobs)
    streaming = fmt in ("jsonl", "cloudtrail")

    def each(conn: Connection):             # runs where the connection was followed (maybe another process)
        if not selection(conn):
            return None
        if streaming:
            record = cloudtrail_record(conn) if fmt == "cloudtrail" else connection_row(conn)
            return render.jsonl_line(record), _is_legacy(conn)
        return render.order_key(conn), render.SORTED_TEXTS[fmt](connection_row(conn)), _is_legacy(conn)

    legacy = False
    # the formats that sort hold each row as its text, in memory up to a bound and on disk beyond it
    ordered = SortedSpill() if not streaming else None
    table = render.inspect_table() if fmt == "table" else None
    with Sink(output) as out:
        for results in _inspections(captures, options, enrichment, quiet, failed, each):
            for result in results:
                legacy = legacy or result[-1]
                if ordered is None:
                    out.write(result[0])
                    continue
                if table is not None:
                    table.measure(split_cells(result[1]))
                ordered.add(result[0], result[1])
        if ordered is not None:
            render.write_texts(fmt, ordered, out, table)
    _exit(failed, fail_on == "legacy" and legacy)


@cli.command()
@click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(render.REPORT_FORMATS), default="table", show_default=True)
@output_options
@filter_options
@enrichment_options
def report(captures, fmt, output, quiet, fail_on, jobs, selection, options, enrichment) -> None:
    """Legacy-TLS verdict per client and server: who breaks when TLS 1.2 is the minimum, riskiest first.

    Example:

    \b
        pcaptls report capture.pcap
        pcaptls report rotated-*.pcap.gz --aws-only --format markdown -o report.md
    """
    failed: list[str] = []
    options = dataclasses.replace(options, jobs=jobs)
    aggregate = Aggregator()
    legacy = False

    def each(conn: Connection):             # runs where the connection was followed: only the cut crosses
        return (aggregated(connection_row(conn)), _is_legacy(conn)) if selection(conn) else None

    with Sink(output) as out:           # opened first: an output that cannot be written is said at once
        for results in _inspections(captures, options, enrichment, quiet, failed, each):
            for row, is_legacy in results:
                aggregate.add(row)
                legacy = legacy or is_legacy
        verdict = aggregate.finish()
        render.write_report(verdict, verdict.summary, fmt, out, REPORT_FIELDS)
    _exit(failed, fail_on == "legacy" and legacy)


@cli.command()
@click.argument("capture", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--conn", "conns", multiple=True, type=click.IntRange(0), help="Connection number; repeatable.")
@click.option("--hex", "hexdump", is_flag=True, help="Add a hex dump of each hello.")
@click.option("--color/--no-color", default=None, help="Colour (default: when stdout is a terminal).")
@filter_options
@enrichment_options
def show(capture, hexdump, color, selection, options, enrichment) -> None:
    """Show the ClientHello and ServerHello of connections in CAPTURE as a Wireshark-like tree.

    Example:

    \b
        pcaptls show capture.pcap --client 10.25.35.243 --sni monitoring.us-gov-west-1.amazonaws.com
        pcaptls show capture.pcap --conn 3 --hex
    """
    failed: list[str] = []
    color = sys.stdout.isatty() if color is None else color
    options = dataclasses.replace(options, keep_raw=hexdump)
    from pcaptls.report.show import render_connection   # only this command needs it (start-up time)
    ordered = SortedSpill()             # each tree as text, in memory up to a bound and on disk beyond it
    with Sink("-") as out:
        for conns in _inspections([capture], options, enrichment, True, failed):
            for conn in conns:
                if selection(conn):
                    ordered.add((conn.ts_ns, conn.conn), render_connection(conn, hexdump=hexdump, color=color))
        shown = len(ordered)
        for n, text in enumerate(ordered):
            out.write(text if not n else "\n" + text)    # a blank line between connections
    if not shown and not failed:
        click.echo("no matching TLS connection", err=True)
    _exit(failed)


@cli.command()
@click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@enrichment_options
def names(captures, fmt, options, enrichment) -> None:
    """Print the name table learned from DNS in CAPTURES (and from --dns-snapshot files), to cross-check.

    Example:

    \b
        pcaptls names capture.pcap
        pcaptls names capture.pcap --dns-snapshot nslookup.txt --format json
    """
    failed: list[str] = []

    def tables():                       # one capture's name table at a time
        for path in captures:
            try:
                insp = iter_connections(path, options, enrichment=enrichment)
            except CaptureError as exc:
                _error(str(exc))
                failed.append(path)
                continue
            for _ in insp:
                pass
            if insp.error is not None:
                _error(str(insp.error))
                failed.append(path)
            if insp.names is not None:
                yield path, insp.names
        if enrichment.snapshots is not None:
            yield "(snapshots)", enrichment.snapshots

    with Sink("-") as out:
        render.write_names(tables(), fmt, out)
    _exit(failed)


class _ProgressBar:
    """files and bytes done, rate and ETA on one stderr line; only on a terminal."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self, line: dict, done: int, total: int, done_bytes: int, total_bytes: int) -> None:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = done_bytes / elapsed
        eta = (total_bytes - done_bytes) / rate if rate else 0
        click.echo(f"\r{done}/{total} files, {done_bytes / 1e6:,.1f}/{total_bytes / 1e6:,.1f} MB, "
                   f"{rate / 1e6:,.1f} MB/s, ETA {eta:,.0f} s   ", err=True, nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Output folder: connections.jsonl, files.jsonl, report.json, report.txt. Rerun to resume.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None, help="Worker processes (default: all cores).")
@click.option("--join-rotated", is_flag=True, help="Read the files of one rotation (tcpdump -C/-G) as one stream.")
@click.option("--dask", "dask", envvar="DASK_SCHEDULER_ADDRESS", metavar="ADDRESS",
              help="Run on a Dask cluster (tcp://host:8786; default $DASK_SCHEDULER_ADDRESS).")
@enrichment_options
def batch(paths, out, jobs, join_rotated, dask, options, enrichment) -> None:
    """Inspect every capture under PATHS (files, folders, globs, tar/zip archives) into --out.

    Example:

    \b
        pcaptls batch /var/captures/ --out results/ --join-rotated
        pcaptls batch 'archive/*.tar.gz' --out results/ --dask tcp://scheduler:8786
    """
    ctx = click.get_current_context()
    from pcaptls.batch import Settings, run_batch         # only this command needs it (start-up time)
    settings = Settings(options=options, snapshots=tuple(ctx.params.get("snapshots", ())),
                        ip_ranges=ctx.params.get("ip_ranges"))
    tty = sys.stderr.isatty()
    try:
        result = run_batch(list(paths), out, jobs=jobs, join_rotated=join_rotated, settings=settings, dask=dask,
                           progress=_ProgressBar() if tty else None)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    except OutputError as exc:
        if tty:
            click.echo("", err=True)
        _error(str(exc))
        sys.exit(EXIT_OUTPUT)
    except KeyboardInterrupt:
        click.echo(("\n" if tty else "") + "interrupted: rerun the same command to resume (finished inputs are kept)",
                   err=True)
        sys.exit(EXIT_INTERRUPTED)
    if tty:
        click.echo("", err=True)
    counts = {status: sum(1 for f in result.files if f["status"] == status) for status in ("ok", "failed", "skipped")}
    click.echo(f"{len(result.files)} inputs: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} "
               f"not captures" + (f", {result.skipped_done} already done" if result.skipped_done else "")
               + (", output repaired after an interrupted run" if result.repaired else ""), err=True)
    for line in result.failed:
        error = line["error"] or ""
        click.echo(f"failed: {escape_terminal(error if error.startswith(line['path']) else line['path'] + ': ' + error)}",
                   err=True)
    click.echo(result.summary)
    sys.exit(EXIT_LEGACY if result.failed else 0)


@cli.command("refresh-catalog")
@click.option("--dest", type=click.Path(dir_okay=False), default=None,
              help="Where to write the catalog (default: the copy shipped inside the installed package).")
def refresh_catalog_cmd(dest) -> None:
    """Refresh the AWS endpoint catalog from the installed botocore's endpoints.json.

    Example:

    \b
        pip install botocore && pcaptls refresh-catalog
    """
    import datetime as dt
    from pathlib import Path

    from pcaptls.enrich.catalog_refresh import refresh_catalog, shipped_catalog_path
    target = Path(dest) if dest else shipped_catalog_path()
    try:
        version = refresh_catalog(target, date=dt.date.today().isoformat())
    except EnrichmentDataError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {target} from botocore {version}")


# A capture makes millions of short-lived objects and almost no reference cycles: collect the youngest
# generation once 200,000 more objects are alive instead of 700 (bench/: 15% of the time of a 1 GB
# capture; peak RSS unchanged at 88 MB).
GC_THRESHOLDS = (200_000, 20, 100)


class _Escaped:
    """stderr for click's own messages (usage errors name files and options as given): escaped as capture
    text is, newlines kept."""

    def write(self, text: str) -> int:
        return sys.stderr.write(terminal_lines(text))

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        code = cli.main(prog_name="pcaptls", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):   # click turns Ctrl-C into Abort
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show(file=_Escaped())
        sys.exit(exc.exit_code)
    except OutputError as exc:
        _error(str(exc))
        sys.exit(EXIT_OUTPUT)
    except PipeClosed:
        # the reader went away (| head): nothing more can be written; point stdout at /dev/null so that the
        # flush at exit does not fail again, and exit as a command killed by the closed pipe would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    sys.exit(code or 0)
