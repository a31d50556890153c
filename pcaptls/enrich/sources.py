"""Build the name sources a user asked for. Owns: turning ``--dns-snapshot FILE[@TIME]`` and
``--ip-ranges FILE`` into an Enrichment, collecting every file:line problem. Imports: enrich.loaders,
enrich.dns, enrich.identity, errors.

Reading the files is enrich/loaders.py's job; this module only assembles what it returns.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pcaptls.enrich.dns import NameTable
from pcaptls.enrich.identity import Enrichment
from pcaptls.enrich.loaders import LoadProblem, load_ip_ranges, load_snapshot
from pcaptls.errors import EnrichmentDataError


def parse_time(text: str) -> int:
    """ISO 8601 (``2023-06-27T10:00:00Z``, offsets allowed, naive = UTC) or epoch seconds -> ns."""
    try:
        return int(round(float(text) * 1e9))
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise EnrichmentDataError(f"{text!r} is not a time (ISO 8601 or epoch seconds)") from err
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp()) * 10**9 + when.microsecond * 1000


def split_snapshot_arg(arg: str) -> tuple[str, int | None]:
    """``FILE`` or ``FILE@TIME``: the time the snapshot was taken, for entries without their own."""
    path, sep, when = arg.rpartition("@")
    if sep and path:
        try:
            return path, parse_time(when)
        except EnrichmentDataError:
            pass                      # an @ that is part of the file name
    return arg, None


def build_enrichment(snapshots: Sequence[str] = (), ip_ranges: str | None = None,
                     ) -> tuple[Enrichment, list[LoadProblem]]:
    """Load every snapshot and ip-ranges file. Bad lines come back as problems; an unreadable file
    raises EnrichmentDataError."""
    problems: list[LoadProblem] = []
    table = None
    if snapshots:
        table = NameTable()
        for arg in snapshots:
            path, ts_ns = split_snapshot_arg(arg)
            entries, found = load_snapshot(path, default_ts_ns=ts_ns)
            problems += found
            # Among entries of equal time the one added last wins: add in reverse file order, so the name
            # asked for (first in a dig/nslookup CNAME chain) and a hosts line's canonical name win.
            for entry in reversed(entries):
                table.add_static(entry.ip, entry.name, "snapshot", entry.ts_ns)
    ranges = None
    if ip_ranges:
        ranges, found = load_ip_ranges(ip_ranges)
        problems += found
    return Enrichment(snapshots=table, ip_ranges=ranges), problems
