"""A bounds-checked cursor over wire bytes. Owns: every read of TLS wire bytes, absolute offsets in errors.
Imports: errors.

``Reader`` is the only code in ``tls/`` that slices wire bytes (STYLE §5.5, tlslite-ng's ``Parser`` with
nesting that works). Every read checks the bytes are there; a short read raises the reader's error type
with the absolute offset of the field, so an error deep inside an extension still says where in the TCP
stream it happened. Values come out as ``int`` or ``bytes``; a ``memoryview`` never leaves the reader.
"""
from __future__ import annotations

import functools
import struct
from collections.abc import Callable

from pcaptls.errors import MalformedHandshake, MalformedInput

#: How a reader builds its error: ``error(what, offset, detail)``; an exception class or a partial of one.
ErrorFactory = Callable[[str, int, str], MalformedInput]


@functools.lru_cache(maxsize=512)
def u16_struct(count: int) -> struct.Struct:
    """The ``struct`` for ``count`` big-endian 2-byte integers (cached: hellos repeat the same list sizes)."""
    return struct.Struct(f">{count}H")


class Reader:
    """A cursor over ``buf`` whose first byte sits at absolute stream offset ``base``.

    Reads advance the cursor. A sub-reader from ``vector``/``sub`` shares the buffer (no copy) and
    reports absolute offsets too. Bad input raises ``error(what, offset, detail)``; a bad *call*
    (negative size) raises ``ValueError``.
    """

    __slots__ = ("_buf", "_pos", "_base", "_error")

    def __init__(self, buf: bytes | bytearray | memoryview, base: int = 0,
                 error: ErrorFactory = MalformedHandshake) -> None:
        view = memoryview(buf)
        self._buf = view if view.format == "B" and view.ndim == 1 else view.cast("B")
        self._pos = 0
        self._base = base
        self._error = error

    @property
    def offset(self) -> int:
        """Absolute stream offset of the next unread byte."""
        return self._base + self._pos

    @property
    def remaining(self) -> int:
        """Number of unread bytes."""
        return len(self._buf) - self._pos

    def at_end(self) -> bool:
        return self._pos == len(self._buf)

    def fail(self, what: str, detail: str, offset: int | None = None) -> MalformedInput:
        """Build (not raise) this reader's error for a value that was read but is not acceptable."""
        return self._error(what, self.offset if offset is None else offset, detail)

    def _take(self, n: int, what: str) -> memoryview:
        if n < 0:
            raise ValueError(f"cannot read {n} bytes")
        left = len(self._buf) - self._pos
        if n > left:
            raise self._error(what, self.offset, f"need {n} bytes, {left} left")
        view = self._buf[self._pos:self._pos + n]
        self._pos += n
        return view

    def uint(self, n: int, what: str) -> int:
        """A big-endian unsigned integer of ``n`` bytes."""
        pos, buf = self._pos, self._buf
        if 0 < n and pos + n <= len(buf):          # the common case, inlined (this is the hottest call)
            self._pos = pos + n
            return buf[pos] if n == 1 else int.from_bytes(buf[pos:pos + n], "big")
        return int.from_bytes(self._take(n, what), "big")

    def raw(self, n: int, what: str) -> bytes:
        """Exactly ``n`` bytes."""
        return bytes(self._take(n, what))

    def skip(self, n: int, what: str) -> None:
        """Step over ``n`` bytes."""
        self._take(n, what)

    def rest(self) -> bytes:
        """All unread bytes (possibly none)."""
        return bytes(self._take(self.remaining, "rest"))

    def sub(self, n: int, what: str) -> Reader:
        """The next ``n`` bytes as a reader of their own (same error type, absolute offsets)."""
        pos = self._pos
        if n < 0 or pos + n > len(self._buf):
            self._take(n, what)                    # raises with the offset and detail
        sub = Reader.__new__(Reader)               # the common case without re-wrapping the view
        sub._buf = self._buf[pos:pos + n]
        sub._pos = 0
        sub._base = self._base + pos
        sub._error = self._error
        self._pos = pos + n
        return sub

    def lookahead(self) -> Reader:
        """A reader over the unread bytes that leaves this one where it is (to choose between layouts)."""
        return Reader(self._buf[self._pos:], base=self.offset, error=self._error)

    def vector(self, len_size: int, what: str) -> Reader:
        """A ``len_size``-byte length followed by that many bytes, as a sub-reader."""
        length = self.uint(len_size, f"{what} length")
        return self.sub(length, what)

    def uints(self, len_size: int, item_size: int, what: str) -> tuple[int, ...]:
        """A length-prefixed list of ``item_size``-byte integers; the length must be a whole number of items."""
        start = self.offset
        length = self.uint(len_size, f"{what} length")
        if length % item_size:
            raise self._error(what, start, f"length {length} is not a multiple of {item_size}")
        view = self._take(length, what)
        if item_size == 1:
            return tuple(view)
        if item_size == 2:
            return u16_struct(length // 2).unpack(view)
        return tuple(int.from_bytes(view[i:i + item_size], "big") for i in range(0, length, item_size))

    def tlvs(self, what: str) -> list[tuple[int, bytes, int]]:
        """The rest of this reader as ``type(2) length(2) value`` items: ``[(type, value, offset of type)]``.

        The hot loop of every hello (its extensions), so it reads the view directly; errors are the same
        as reading each item with ``uint``/``vector``, with the item's type in ``what``.
        """
        buf, pos, base = self._buf, self._pos, self._base
        end = len(buf)
        out = []
        while pos < end:
            if pos + 4 > end:
                at, field = (pos, "type") if pos + 2 > end else (pos + 2, "length")
                self._pos = at
                raise self._error(f"{what} {field}", base + at, f"need 2 bytes, {end - at} left")
            item_type = buf[pos] << 8 | buf[pos + 1]
            length = buf[pos + 2] << 8 | buf[pos + 3]
            start = pos + 4
            if start + length > end:
                self._pos = start
                raise self._error(f"{what} {item_type:#06x}", base + start, f"need {length} bytes, {end - start} left")
            out.append((item_type, bytes(buf[start:start + length]), base + pos))
            pos = start + length
        self._pos = pos
        return out

    def expect_end(self, what: str) -> None:
        """Fail unless every byte was read (no trailing bytes allowed)."""
        if self._pos != len(self._buf):
            raise self._error(what, self.offset, f"{len(self._buf) - self._pos} unexpected trailing bytes")
