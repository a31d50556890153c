"""The command line's shared options. Owns: the option groups that several commands share (the memory
limits and naming sources, the connection selection, where output goes), and the click types they need.
Imports: enrich.sources, pipeline (InspectOptions), report.filters, errors.
"""
from __future__ import annotations

import functools
import gc
from collections.abc import Callable

import click

from pcaptls.enrich.sources import build_enrichment
from pcaptls.errors import EnrichmentDataError
from pcaptls.pipeline import InspectOptions
from pcaptls.report.escape import terminal as escape_terminal
from pcaptls.report.filters import VERSION_NAMES, ConnectionFilter, parse_network, parse_server


class _Size(click.ParamType):
    """A byte count: 4096, 512K, 16M, 1G (binary units)."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B")
        scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
        try:
            number = int(text[:-1] if scale > 1 else text) * scale
        except ValueError:
            self.fail(f"{value!r} is not a size (e.g. 4096, 512K, 16M)", param, ctx)
        if number < 1:
            self.fail("must be at least 1", param, ctx)
        return number


_DEFAULTS = InspectOptions()


def enrichment_options(func: Callable) -> Callable:
    """--dns-snapshot, --ip-ranges, --no-capture-dns, --dns-grace: where server names come from; and the
    memory limits (--max-flows, --max-state, --max-pending, --max-dns-answers)."""
    @click.option("--max-flows", type=click.IntRange(1), default=_DEFAULTS.max_flows, show_default=True,
                  help="TCP flows tracked at once; finished ones, then the least recently active, are evicted beyond "
                       "(counted: flows_evicted).")
    @click.option("--max-state", "max_state", type=_Size(), default=f"{_DEFAULTS.max_state_bytes >> 20}M", show_default=True,
                  metavar="SIZE", help="Memory for the connections being followed (buffers, parsed hellos); beyond "
                                       "it the least recently active are reported early (flows_reported_early).")
    @click.option("--max-pending", type=_Size(), default=f"{_DEFAULTS.max_pending_bytes >> 10}K", show_default=True,
                  metavar="SIZE", help="Out-of-order bytes held per TCP direction before a gap is declared.")
    @click.option("--max-dns-answers", type=click.IntRange(1), default=_DEFAULTS.max_dns_answers, show_default=True,
                  help="DNS answers from the capture kept for naming; the oldest are dropped beyond "
                       "(dns_answers_evicted).")
    @click.option("--dns-snapshot", "snapshots", multiple=True, metavar="FILE[@TIME]",
                  help="DNS snapshot (dig, nslookup, JSON, CSV or hosts file); repeatable. @TIME: when it was taken.")
    @click.option("--ip-ranges", type=click.Path(exists=True, dir_okay=False), help="AWS ip-ranges.json.")
    @click.option("--no-capture-dns", is_flag=True, help="Do not learn names from DNS answers in the capture.")
    @click.option("--dns-grace", type=click.IntRange(0), default=300, show_default=True, metavar="SECONDS",
                  help="A DNS answer names its addresses for its TTL plus this long.")
    @functools.wraps(func)
    def wrapper(*args, snapshots, ip_ranges, no_capture_dns, dns_grace, max_flows, max_state, max_pending,
                max_dns_answers, **kwargs):
        try:
            enrichment, problems = build_enrichment(snapshots, ip_ranges)
        except EnrichmentDataError as exc:
            raise click.ClickException(str(exc)) from exc
        for problem in problems:
            click.echo(f"warning: {escape_terminal(str(problem))}", err=True)
        options = InspectOptions(capture_dns=not no_capture_dns, dns_grace_s=dns_grace, max_flows=max_flows,
                                 max_state_bytes=max_state, max_pending_bytes=max_pending,
                                 max_dns_answers=max_dns_answers)
        gc.freeze()         # what start-up made lives to the end: the collector need not scan it again
        return func(*args, enrichment=enrichment, options=options, **kwargs)
    return wrapper


def _version(ctx, param, value):
    if value is None:
        return None
    if value not in VERSION_NAMES:
        raise click.BadParameter(f"one of {', '.join(VERSION_NAMES)}")
    return VERSION_NAMES[value]


def filter_options(func: Callable) -> Callable:
    """The selection shared by inspect, report and show."""
    @click.option("--client", "clients", multiple=True, metavar="CIDR", help="Client address or network; repeatable.")
    @click.option("--server", "servers", multiple=True, metavar="IP[:PORT]|CIDR", help="Server; repeatable.")
    @click.option("--port", "ports", multiple=True, type=click.IntRange(0, 65535), help="Server port; repeatable.")
    @click.option("--sni", "sni", multiple=True, metavar="GLOB", help="SNI (or server name) glob, e.g. '*.amazonaws.com'.")
    @click.option("--below", callback=_version, metavar="VERSION",
                  help="Only connections whose client cannot do VERSION, or that negotiated less (e.g. TLSv1.2).")
    @click.option("--aws-only", is_flag=True, help="Only servers that are AWS endpoints.")
    @click.option("--fips-only", is_flag=True, help="Only AWS FIPS endpoints.")
    @click.option("--outcome", "outcomes", multiple=True, type=click.Choice(["established", "failed", "incomplete"]))
    @functools.wraps(func)
    def wrapper(*args, clients, servers, ports, sni, below, aws_only, fips_only, outcomes, conns=(), **kwargs):
        try:
            selection = ConnectionFilter(
                clients=tuple(parse_network(c) for c in clients), servers=tuple(parse_server(s) for s in servers),
                ports=tuple(ports), sni=tuple(sni), below=below, aws_only=aws_only, fips_only=fips_only,
                outcomes=tuple(outcomes), conns=tuple(conns))
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from exc
        return func(*args, selection=selection, **kwargs)
    return wrapper


def output_options(func: Callable) -> Callable:
    """--output, --quiet, --fail-on and --jobs, shared by inspect and report."""
    func = click.option("--jobs", "-j", type=click.IntRange(1, 16), default=None,
                        help="Processes per capture file (default: the cores, up to 4, for a file of 64 MiB or "
                             "more, else 1); the output is the same either way.")(func)
    func = click.option("--fail-on", type=click.Choice(["legacy"]),
                        help="Exit 3 if a selected client cannot do TLS 1.2.")(func)
    func = click.option("--quiet", "-q", is_flag=True, help="No counts on stderr (errors are still shown).")(func)
    return click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
                        help="Write the output here instead of stdout.")(func)
