"""Which AWS prefix an IP address falls in. Owns: the ip-ranges.json prefix index, longest-prefix lookup, IP text.
Imports: stdlib only (pure: no I/O; ``enrich/loaders.py`` reads the file).

AWS lists one prefix several times, once per service subset (``AMAZON`` is the superset, then ``EC2``,
``S3``, ...). ``IpRanges`` merges identical prefixes and answers with the MOST SPECIFIC prefix that
contains the address. Lookups probe one dict per prefix length present in the file, longest first
(about 20 probes for IPv4, fewer for IPv6), so their cost does not grow with the number of prefixes.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SUPERSET_SERVICE = "AMAZON"  # "the ranges in the EC2 subset are also in the AMAZON subset" (AWS docs, 2014)


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``text`` names, or None. An IPv6 zone id (``fe80::1%eth0``) is dropped, because captured
    packets carry none, and an IPv4-mapped IPv6 address (``::ffff:192.0.2.1``) is the IPv4 address."""
    text = text.strip()
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0] if ":" in text else text)
    except ValueError:
        return None
    return addr.ipv4_mapped if addr.version == 6 and addr.ipv4_mapped is not None else addr


@dataclass(frozen=True, slots=True)
class IpRangeHit:
    prefix: str                   # canonical network text, "52.61.0.0/16"
    region: str                   # "us-gov-west-1", or "GLOBAL"
    services: tuple[str, ...]     # specific services sorted, "AMAZON" last: ("EC2", "AMAZON")
    network_border_group: str     # the region when the file predates the field (the 2018 sample has none)


@dataclass(frozen=True, slots=True)
class PrefixProblem:
    """An entry of ``prefixes``/``ipv6_prefixes`` that was skipped or only partly used."""
    key: str        # "prefixes" or "ipv6_prefixes"
    index: int      # position in that list
    detail: str


class IpRanges:
    """An index of AWS prefixes. ``lookup`` is the only question it answers."""

    __slots__ = ("_count", "_tables", "create_date", "problems", "sync_token")

    def __init__(self, hits: Mapping[ipaddress.IPv4Network | ipaddress.IPv6Network, IpRangeHit],
                 sync_token: str | None, create_date: str | None, problems: tuple[PrefixProblem, ...] = ()) -> None:
        self.sync_token = sync_token
        self.create_date = create_date
        self.problems = problems
        self._count = len(hits)
        # version -> (address width, ((prefix length, {network int >> host bits: hit}), ...) longest first)
        by_len: dict[int, dict[int, dict[int, IpRangeHit]]] = {4: {}, 6: {}}
        for net, hit in hits.items():
            host_bits = net.max_prefixlen - net.prefixlen
            by_len[net.version].setdefault(net.prefixlen, {})[int(net.network_address) >> host_bits] = hit
        self._tables = {v: (32 if v == 4 else 128, tuple(sorted(t.items(), reverse=True))) for v, t in by_len.items()}

    @classmethod
    def from_prefixes(cls, v4: Iterable[Any], v6: Iterable[Any], sync_token: str | None = None,
                      create_date: str | None = None) -> IpRanges:
        """Build the index from the ``prefixes`` and ``ipv6_prefixes`` lists of ip-ranges.json.

        Never raises for bad entries: each one is skipped and listed in ``problems`` with its index.
        """
        merged: dict[Any, tuple[str, str, set[str]]] = {}
        problems: list[PrefixProblem] = []
        for key, field, version, items in (("prefixes", "ip_prefix", 4, v4), ("ipv6_prefixes", "ipv6_prefix", 6, v6)):
            for index, item in enumerate(items):
                detail = _add(merged, item, field, version)
                if detail:
                    problems.append(PrefixProblem(key, index, detail))
        hits = {net: IpRangeHit(str(net), region, _order(services), nbg)
                for net, (region, nbg, services) in merged.items()}
        return cls(hits, sync_token, create_date, tuple(problems))

    def __len__(self) -> int:
        """Distinct prefixes (after merging the per-service duplicates)."""
        return self._count

    def lookup(self, ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> IpRangeHit | None:
        """The most specific prefix containing ``ip`` (text as ``parse_ip`` reads it), or None.
        Never raises for any ``str``."""
        if isinstance(ip, str):
            addr = parse_ip(ip)
            if addr is None:
                return None
        elif isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            addr = ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped is not None else ip
        else:
            raise TypeError(f"ip must be str or an ipaddress address, not {type(ip).__name__}")
        width, tables = self._tables[addr.version]
        value = int(addr)
        for prefixlen, table in tables:
            hit = table.get(value >> (width - prefixlen))
            if hit is not None:
                return hit
        return None


def _add(merged: dict[Any, tuple[str, str, set[str]]], item: Any, field: str, version: int) -> str:
    """Merge one list entry into ``merged``; return why it was skipped (or only partly used), or ""."""
    if not isinstance(item, Mapping):
        return f"entry is {type(item).__name__}, not an object"
    values = {key: item.get(key) for key in (field, "region", "service")}
    values["network_border_group"] = item.get("network_border_group", values["region"])  # absent in old files
    for key, value in values.items():
        if not isinstance(value, str) or not value:
            return f"{key} is missing or not a non-empty string"
    raw, region, service, nbg = (str(value) for value in values.values())
    try:
        net = ipaddress.ip_network(raw, strict=True)
    except ValueError as err:
        return f"{field} {raw!r}: {err}"
    if net.version != version:
        return f"{field} {raw!r} is IPv{net.version}, expected IPv{version}"
    old = merged.get(net)
    if old is None:
        merged[net] = (region, nbg, {service})
        return ""
    old[2].add(service)
    if (old[0], old[1]) != (region, nbg):
        return (f"{net} is listed again with region {region!r}/{nbg!r} (kept {old[0]!r}/{old[1]!r});"
                f" service {service!r} was merged")
    return ""


def _order(services: set[str]) -> tuple[str, ...]:
    """Specific services first (sorted), the AMAZON superset last."""
    return tuple(sorted(services - {SUPERSET_SERVICE})) + ((SUPERSET_SERVICE,) if SUPERSET_SERVICE in services else ())
