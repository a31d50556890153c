"""Select connections. Owns: the filters shared by inspect, report and show (client/server CIDR, port, SNI
glob, version floor, AWS/FIPS, outcome, connection numbers). Imports: results, tls.registry.
"""
from __future__ import annotations

import fnmatch
import ipaddress
from dataclasses import dataclass

from pcaptls.results import Connection, client_max_version, negotiated_version
from pcaptls.tls import registry

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

VERSION_NAMES = {"SSLv2": registry.SSL2, "SSLv3": registry.SSL3, "TLSv1.0": registry.TLS1_0,
                 "TLSv1.1": registry.TLS1_1, "TLSv1.2": registry.TLS1_2, "TLSv1.3": registry.TLS1_3}


def parse_network(text: str) -> Network:
    """``10.0.0.0/8``, ``10.1.2.3`` or ``2001:db8::/32``; raises ValueError."""
    return ipaddress.ip_network(text.strip("[]"), strict=False)


def parse_server(text: str) -> tuple[Network, int | None]:
    """``IP``, ``CIDR``, ``IP:PORT`` or ``[IPv6]:PORT``."""
    if text.startswith("[") and "]:" in text:
        host, port = text[1:].split("]:", 1)
        return parse_network(host), int(port)
    if text.count(":") == 1:
        host, port = text.split(":")
        return parse_network(host), int(port)
    return parse_network(text), None


def is_below(version: int | None, floor: int) -> bool:
    """Is ``version`` a known version ranked below ``floor``? (None and unknown codes are not.)"""
    if version is None:
        return False
    rank, floor_rank = registry.version_rank(version), registry.version_rank(floor)
    return rank is not None and floor_rank is not None and rank < floor_rank


@dataclass(frozen=True, slots=True)
class ConnectionFilter:
    clients: tuple[Network, ...] = ()
    servers: tuple[tuple[Network, int | None], ...] = ()
    ports: tuple[int, ...] = ()              # server port
    sni: tuple[str, ...] = ()                # globs on the SNI or, without one, the server name
    below: int | None = None                 # the client cannot do it, or less was negotiated
    aws_only: bool = False
    fips_only: bool = False
    outcomes: tuple[str, ...] = ()
    conns: tuple[int, ...] = ()

    def __call__(self, c: Connection) -> bool:
        if self.conns and c.conn not in self.conns:
            return False
        if self.clients and not any(c.client.ip in net for net in self.clients if net.version == c.client.ip.version):
            return False
        if self.servers and not any(c.server.ip in net and (port is None or port == c.server.port)
                                    for net, port in self.servers if net.version == c.server.ip.version):
            return False
        if self.ports and c.server.port not in self.ports:
            return False
        if self.sni:
            name = _name(c)
            if name is None or not any(fnmatch.fnmatchcase(name, glob.lower()) for glob in self.sni):
                return False
        if self.below is not None and not (is_below(client_max_version(c), self.below)
                                           or is_below(negotiated_version(c), self.below)):
            return False
        aws = c.identity.aws if c.identity is not None else None
        if (self.aws_only or self.fips_only) and aws is None:
            return False
        if self.fips_only and not aws.fips:
            return False
        return not self.outcomes or c.outcome in self.outcomes


def _name(c: Connection) -> str | None:
    if c.client_hello is not None and c.client_hello.server_name:
        return c.client_hello.server_name.decode("utf-8", "backslashreplace").lower()
    if c.identity is not None and c.identity.server_name:
        return c.identity.server_name
    return None
