"""Reassemble one direction of a TCP connection. Owns: sequence arithmetic (wraparound), retransmits,
overlaps, out-of-order buffering and gaps, with bounded buffers. Imports: nothing from pcaptls.

Sans-IO, and shaped for the per-packet hot path: ``add(seq, payload)`` returns the bytes that became
contiguous (``b""`` when none did) instead of queueing event objects, so a packet that changes nothing
allocates nothing. ``skip_gap()`` gives up on a hole (the capture lost those bytes) and returns how many
bytes were skipped plus the data that became contiguous after it. Overlaps: bytes already delivered win
(first seen), as in Zeek and tshark; a later copy that disagrees is counted in ``inconsistent_overlaps``.
"""
from __future__ import annotations

_MASK = 0xFFFFFFFF
_HALF = 0x80000000
SEGMENT_COST = 120          # bytes a buffered segment costs beyond its payload (bytes object, dict entry)


class StreamReassembler:
    __slots__ = ("next_seq", "offset", "_pending", "_pending_bytes", "max_pending_bytes",
                 "gaps", "gap_bytes", "retransmitted_bytes", "inconsistent_overlaps", "_last")

    def __init__(self, *, max_pending_bytes: int = 256 * 1024) -> None:
        self.next_seq: int | None = None     # sequence number of the next byte expected (mod 2**32)
        self.offset = 0                      # stream offset of next_seq: bytes delivered + skipped
        self._pending: dict[int, bytes] = {}  # stream offset -> out-of-order payload
        self._pending_bytes = 0
        self.max_pending_bytes = max_pending_bytes
        self.gaps = 0
        self.gap_bytes = 0
        self.retransmitted_bytes = 0
        self.inconsistent_overlaps = 0
        self._last = b""                      # tail of delivered data, to check overlaps cheaply

    @property
    def pending_bytes(self) -> int:
        return self._pending_bytes

    def held(self) -> int:
        """Memory this direction holds, roughly: out-of-order bytes plus SEGMENT_COST for each segment."""
        return self._pending_bytes + SEGMENT_COST * len(self._pending)

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def syn(self, seq: int) -> None:
        """A SYN carries sequence number ``seq``; data (TFO) starts at seq + 1. The first SYN wins."""
        if self.next_seq is None:
            self.next_seq = (seq + 1) & _MASK

    def resync(self, seq: int) -> bool:
        """Before any byte was delivered, restart the direction at ``seq`` (the peer acknowledged it:
        a SYN-ACK sent again with another ISN). Returns whether it did."""
        if self.offset or self._pending or self.next_seq == seq:
            return False
        self.next_seq = seq
        return True

    def add(self, seq: int, payload: bytes) -> bytes:
        """Take one segment's payload; return the bytes that are now contiguous (possibly b"")."""
        if self.next_seq is None:            # capture started after the SYN: lock onto this segment
            self.next_seq = seq
        delta = (seq - self.next_seq) & _MASK
        if delta >= _HALF:
            delta -= 0x100000000
        if delta > 0:                        # a hole before this segment: keep it for later
            self._store(self.offset + delta, payload)
            return b""
        end = delta + len(payload)
        if end <= 0:
            self.retransmitted_bytes += len(payload)
            return b""
        if delta < 0:
            overlap = -delta
            last = self._last
            if overlap <= len(last) and payload[:overlap] != last[len(last) - overlap:]:
                self.inconsistent_overlaps += 1
            self.retransmitted_bytes += overlap
            payload = payload[overlap:]
        out = self._deliver(payload)
        if self._pending:
            out += self._drain()
        return out

    def skip_gap(self) -> tuple[int, bytes]:
        """Give up on the hole before the earliest buffered segment.

        Returns (bytes skipped, data now contiguous); (0, b"") when nothing is buffered.
        """
        if not self._pending:
            return 0, b""
        start = min(self._pending)
        missing = start - self.offset
        self._advance(missing)
        self.gaps += 1
        self.gap_bytes += missing
        return missing, self._drain()

    def skip(self, count: int) -> None:
        """Bytes the capture declares but did not keep (snaplen): a gap of ``count`` at the current end."""
        if count > 0:
            self._advance(count)
            self.gaps += 1
            self.gap_bytes += count
            if self._pending:
                self._drop_before(self.offset)

    def _advance(self, count: int) -> None:
        self.offset += count
        self.next_seq = ((self.next_seq or 0) + count) & _MASK
        self._last = b""

    def _deliver(self, payload: bytes) -> bytes:
        self._advance(len(payload))
        self._last = payload[-64:]
        return payload

    def _store(self, start: int, payload: bytes) -> None:
        old = self._pending.get(start)
        if old is not None:
            if len(old) >= len(payload):
                if not old.startswith(payload):
                    self.inconsistent_overlaps += 1
                self.retransmitted_bytes += len(payload)
                return
            self._pending_bytes -= len(old)
        self._pending[start] = payload
        self._pending_bytes += len(payload)

    def _drop_before(self, offset: int) -> None:
        for start in [s for s in self._pending if s + len(self._pending[s]) <= offset]:
            self._pending_bytes -= len(self._pending.pop(start))

    def _drain(self) -> bytes:
        out = bytearray()
        while self._pending:
            start = min(self._pending)
            if start > self.offset:
                break
            chunk = self._pending.pop(start)
            self._pending_bytes -= len(chunk)
            skip = self.offset - start
            if skip >= len(chunk):
                self.retransmitted_bytes += len(chunk)
                continue
            if skip:
                self.retransmitted_bytes += skip
            out += self._deliver(chunk[skip:])
        return bytes(out)

    @property
    def over_limit(self) -> bool:
        return self._pending_bytes > self.max_pending_bytes
