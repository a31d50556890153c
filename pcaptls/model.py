"""Shared value types. Owns: endpoints and address conversion.
Imports: nothing from pcaptls.

Timestamps are int nanoseconds since the Unix epoch everywhere (field names end in ``_ns``).
Addresses travel as packed ``bytes`` (4 or 16) on the hot path and become ``ipaddress`` objects
here, once per connection.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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
