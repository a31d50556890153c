"""DNS over TCP inside a capture. Owns: splitting one TCP connection's port-53 byte streams into DNS
messages and handing them to the capture's name table. Imports: enrich.dnsmsg, enrich.dns, errors.

It has the interface the pipeline expects of a flow's session (``data``/``gap``/``end``/``done``), so
TCP DNS rides on the same reassembly as TLS. UDP DNS does not need it: each datagram is one message.
"""
from __future__ import annotations

from pcaptls.enrich.dns import NameTable
from pcaptls.enrich.dnsmsg import parse_dns_message, split_tcp_dns
from pcaptls.errors import MalformedInput

_MAX_BUFFERED = 1 << 17          # a DNS message is at most 65,535 bytes plus its length


class DnsTcpSession:
    """Feeds the name table from one TCP DNS connection; never a TLS connection."""

    is_tls = False
    midstream_tls = False

    def __init__(self, conn: int, table: NameTable, counters: dict[str, int]) -> None:
        self.conn = conn
        self.table = table
        self.counters = counters
        self.errors: list = []
        self._buf = (bytearray(), bytearray())
        self._dead = [False, False]
        self.done = False

    def all_errors(self) -> list:
        return self.errors

    def held(self) -> int:
        """Bytes buffered of messages not complete yet (memory accounting)."""
        return len(self._buf[0]) + len(self._buf[1])

    def data(self, d: int, data: bytes, ts_ns: int) -> None:
        if self._dead[d]:
            return
        buf = self._buf[d]
        buf += data
        try:
            messages, used = split_tcp_dns(buf)
        except MalformedInput:
            self._stop(d)
            return
        del buf[:used]
        for raw in messages:
            try:
                msg = parse_dns_message(raw)
            except MalformedInput:
                self.counters["dns_malformed"] = self.counters.get("dns_malformed", 0) + 1
                continue
            if msg.is_response:
                self.counters["dns_responses"] = self.counters.get("dns_responses", 0) + 1
                self.table.add_message(msg, ts_ns)
        if len(buf) > _MAX_BUFFERED:
            self._stop(d)

    def gap(self, d: int, missing: int, offset: int) -> None:
        self._stop(d)           # message boundaries are lost with the bytes

    def end(self, d: int) -> None:
        self._stop(d)

    def note(self, detail: str) -> None:
        pass

    def _stop(self, d: int) -> None:
        self._dead[d] = True
        self._buf[d].clear()
        self.done = all(self._dead)
