"""Who the server is. Owns: the precedence of name sources (SNI, then DNS seen in the capture, then
snapshots, then AWS ip-ranges) and the AWS endpoint and TLS 1.2 cut-off that follow from the name.
Imports: enrich.dns, enrich.aws, enrich.ipranges.

Pure: the tables are built elsewhere (enrich/loaders.py reads files, the pipeline feeds capture DNS).
An IP range says "this address is on AWS's network", not "this is an AWS API endpoint": an EC2 range
holds customers' servers. So a connection named only by ip-ranges gets the range's region and service but
no server_name, and no cut-off date unless the hostname itself is an AWS endpoint.
"""
from __future__ import annotations

from dataclasses import dataclass

from pcaptls.enrich.aws import AwsEndpoint, Catalog
from pcaptls.enrich.dns import NameHit, NameTable
from pcaptls.enrich.ipranges import IpRangeHit, IpRanges

SNI, DNS, SNAPSHOT, IP_RANGES = "sni", "dns", "snapshot", "ip-ranges"


@dataclass(frozen=True, slots=True)
class ServerIdentity:
    server_name: str | None
    name_source: str | None          # "sni", "dns", "snapshot", "ip-ranges" or None
    name_chain: tuple[str, ...]      # CNAME targets behind server_name (capture DNS / snapshots)
    aws: AwsEndpoint | None          # from the hostname, through the endpoint catalog
    ip_range: IpRangeHit | None      # from ip-ranges.json, whatever named the server
    dns_name: str | None             # what capture DNS / snapshots said, even when SNI named the server

    @property
    def tls12_required_since(self) -> str | None:
        return self.aws.tls12_required_since if self.aws is not None else None


@dataclass(frozen=True, slots=True)
class Enrichment:
    """Name sources that outlive one capture (loaded once, shared by every capture of a run)."""
    snapshots: NameTable | None = None
    ip_ranges: IpRanges | None = None
    catalog: Catalog | None = None       # None: the catalog shipped with pcaptls


NO_IDENTITY = ServerIdentity(None, None, (), None, None, None)


class Resolver:
    """Names servers from the sources it was given (any may be None)."""

    def __init__(self, *, capture_dns: NameTable | None = None, snapshots: NameTable | None = None,
                 ip_ranges: IpRanges | None = None, catalog: Catalog | None = None) -> None:
        self.capture_dns = capture_dns
        self.snapshots = snapshots
        self.ip_ranges = ip_ranges
        self.catalog = catalog

    def identify(self, sni: str | None, server_ip: str, ts_ns: int) -> ServerIdentity:
        dns_hit = self._dns(server_ip, ts_ns)
        range_hit = self.ip_ranges.lookup(server_ip) if self.ip_ranges is not None else None
        if sni:
            name, source, chain = sni.lower().rstrip("."), SNI, ()
        elif dns_hit is not None:
            name, source, chain = dns_hit.name, dns_hit.source, dns_hit.chain
        elif range_hit is not None:
            name, source, chain = None, IP_RANGES, ()
        else:
            return NO_IDENTITY
        aws = self.catalog.lookup(name) if self.catalog is not None and name else None
        return ServerIdentity(name, source, chain, aws, range_hit,
                              dns_hit.name if dns_hit is not None else None)

    def _dns(self, ip: str, ts_ns: int) -> NameHit | None:
        if self.capture_dns is not None:
            hit = self.capture_dns.lookup(ip, ts_ns)
            if hit is not None:
                return NameHit(hit.name, DNS, hit.chain, hit.first_seen_ns, hit.last_seen_ns, hit.ts_ns)
        if self.snapshots is not None:
            hit = self.snapshots.lookup(ip, ts_ns)
            if hit is not None:
                return NameHit(hit.name, SNAPSHOT, hit.chain, hit.first_seen_ns, hit.last_seen_ns, hit.ts_ns)
        return None
