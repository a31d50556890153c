"""The command line. Owns: options, where output goes, exit codes. Imports: pcaptls (public API), report.

No logic here: each command validates options through click types, calls one API function, renders.
Exit codes: 0 ok; 1 an input could not be read or was damaged (results before the damage are still
printed); 2 usage error.
"""
from __future__ import annotations

import sys

import click

from pcaptls import __version__
from pcaptls.errors import CaptureError
from pcaptls.pipeline import inspect_file, iter_connections
from pcaptls.report import render
from pcaptls.report.rows import connection_row


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pcaptls")
def cli() -> None:
    """Inspect TLS handshakes in packet captures: which clients speak which TLS version, to whom."""


@cli.command()
@click.argument("captures", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(render.FORMATS), default="table", show_default=True,
              help="Output format. jsonl streams connections as they finish.")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8", lazy=True), default="-",
              help="Write results here instead of stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No counts on stderr (errors are still shown).")
def inspect(captures: tuple[str, ...], fmt: str, output, quiet: bool) -> None:
    """Show every TLS handshake in CAPTURES (pcap, pcapng, compressed; - for stdin).

    Example:

    \b
        pcaptls inspect capture.pcap
        tcpdump -i any -w - port 443 | pcaptls inspect - --format jsonl
    """
    failed = False
    rows_all: list[dict] = []
    for path in captures:
        try:
            if fmt == "jsonl":
                insp = iter_connections(path)
                render.write_jsonl((connection_row(c) for c in insp), output)
                report = insp.report()
            else:
                report = inspect_file(path)
                rows_all.extend(connection_row(c) for c in report.connections)
        except CaptureError as exc:
            click.echo(f"Error: {exc}" if exc.path else f"Error: {path}: {exc}", err=True)
            failed = True
            continue
        if not quiet:
            for line in render.summary(report):
                click.echo(line, err=True)
        if report.error is not None:
            err = report.error
            click.echo(f"Error: {err if err.path else f'{path}: {err}'} (connections before this point are reported)", err=True)
            failed = True
    if fmt != "jsonl":
        render.WRITERS[fmt](rows_all, output)
    output.flush()
    sys.exit(1 if failed else 0)


def main() -> None:
    cli(prog_name="pcaptls")
