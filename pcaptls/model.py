"""Shared value types. Owns: flow identity (FlowKey), direction names, address conversion.
Imports: errors.

Timestamps are int nanoseconds since the Unix epoch everywhere (field names end in ``_ns``).
Addresses travel as packed ``bytes`` (4 or 16) on the hot path and become ``ipaddress`` objects
here, once per connection.
"""
from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

TCP = 6
UDP = 17


class Direction(enum.Enum):
    CLIENT = "client"
    SERVER = "server"

    @property
    def other(self) -> Direction:
        return Direction.SERVER if self is Direction.CLIENT else Direction.CLIENT


def ip_from_packed(packed: bytes) -> IPAddress:
    """Turn a 4- or 16-byte packed address into an ipaddress object."""
    return ipaddress.ip_address(packed)


@dataclass(frozen=True, slots=True)
class Endpoint:
    ip: IPAddress
    port: int

    def __str__(self) -> str:
        if self.ip.version == 6:
            return f"[{self.ip}]:{self.port}"
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True, slots=True)
class FlowKey:
    """A connection's identity, oriented client -> server."""

    transport: int
    client: Endpoint
    server: Endpoint

    def sort_key(self) -> tuple[int, int, bytes, int, bytes, int]:
        return (self.transport, self.client.ip.version, self.client.ip.packed, self.client.port,
                self.server.ip.packed, self.server.port)
