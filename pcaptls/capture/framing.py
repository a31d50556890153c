"""Frames out of an opened capture. Owns: classic pcap and pcapng framing, timestamps, the fast path that
counts the frames of flows the consumer no longer needs (``CaptureReader.ignore``, in C where
``_skip`` is built), handing mapped pages back. Imports: errors, capture._skip (optional).

``capture.files`` opens a source and decides its format and compression; it builds the ``CaptureReader``
defined here. The error contract and the yielded tuples are described in ``capture.files``.
"""
from __future__ import annotations

import lzma
import mmap
import os
import struct
import typing
import zlib
from collections.abc import Iterator

import zstandard

from pcaptls.errors import CaptureError

try:
    from pcaptls.capture._skip import EpbSkipper as _EpbSkipper
    from pcaptls.capture._skip import PcapSkipper as _PcapSkipper
except ImportError:                 # not built (no C compiler at install time): the Python loops do it all
    _PcapSkipper = _EpbSkipper = None
if os.environ.get("PCAPTLS_PURE_PYTHON"):
    _PcapSkipper = _EpbSkipper = None
_RELEASE_EVERY = 8 << 20            # a mapped file's pages read so far are handed back this often

CHUNK_SIZE = 4 << 20
MAX_CAPLEN = 256 << 10            # 262144: the largest snapshot length libpcap and Wireshark accept
MAX_BLOCK_LEN = 16 << 20          # Wireshark's bound for one pcapng block
_NS = 1_000_000_000

_PCAP_MAGICS = {  # first 4 bytes -> (byte order, nanosecond timestamps, record header length)
    b"\xd4\xc3\xb2\xa1": ("<", False, 16), b"\xa1\xb2\xc3\xd4": (">", False, 16),
    b"\x4d\x3c\xb2\xa1": ("<", True, 16), b"\xa1\xb2\x3c\x4d": (">", True, 16),
    b"\x34\xcd\xb2\xa1": ("<", False, 24), b"\xa1\xb2\xcd\x34": (">", False, 24),   # Kuznetzov modified pcap
}
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
_BOM = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}
_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)
_DECOMPRESS_ERRORS = _READ_ERRORS + (ValueError,)
_BLOCK_SHB, _BLOCK_IDB, _BLOCK_PB, _BLOCK_SPB, _BLOCK_EPB = 0x0A0D0D0A, 1, 2, 3, 6
_OPT_TSRESOL, _OPT_TSOFFSET = 9, 14


# Ethernet + IPv4 (no options) + TCP: ethertype, version/IHL, total length, flags/fragment offset, protocol,
# src+dst+ports (the ``ignore`` key), TCP data offset, TCP flags. Only what the fast path needs.
_ETH_IP4 = struct.Struct(">12xHBxH2xHxB2x12s8xBB")
# Ethernet + IPv6 + TCP: payload length, next header, src+dst+ports, TCP data offset, TCP flags.
_ETH_IP6 = struct.Struct(">18xHBx36s8xBB")


class CaptureReader:
    """Iterate ``(ts_ns, linktype, frame, orig_len)``; a context manager; ``close()`` closes what it opened."""

    format: str
    compression: str | None
    counters: dict[str, int]

    def __init__(self, fmt: str, compression: str | None, buf: typing.Any, read: typing.Callable[[int], bytes],
                 name: str | None, opened: list[typing.Any]) -> None:
        self.format = fmt
        self.compression = compression
        self.name = name
        self.counters = {}
        self._buf = buf
        self._read = read
        self._opened = opened
        self._iter: Iterator[tuple[int, int, bytes, int]] | None = None
        # Frames the consumer no longer needs (see ``ignore``): Ethernet + IPv4/IPv6 + TCP without
        # SYN/FIN/RST whose raw address+port bytes are a key here are counted into the entry
        # ([packets, last ts_ns, TCP payload bytes]) instead of being yielded.
        self.ignore: dict[bytes, list[int]] | None = None
        self.skipped = 0                    # frames counted into ``ignore`` instead of yielded
        self.watch: typing.Any = None       # capture.files._Watch of a regular file read (None otherwise)

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._iter is not None:
            self._iter.close()             # type: ignore[attr-defined]
        self._buf = b""
        while self._opened:
            self._opened.pop().close()

    def __iter__(self) -> Iterator[tuple[int, int, bytes, int]]:
        """Frames in file order; a second call continues where the first stopped (like a file)."""
        if self._iter is None:
            frames = self._iter_pcap() if self.format == "pcap" else self._iter_pcapng()
            self._iter = frames if self.watch is None else self._watched(frames, self.watch)
        return self._iter

    def _watched(self, frames: Iterator[tuple[int, int, bytes, int]], watch: typing.Any
                 ) -> Iterator[tuple[int, int, bytes, int]]:
        """``frames`` of a regular file that may shrink while it is read (see capture.files._Watch): a mapped
        file's frames are checked before they are passed on (a lost page reads as zeros); damage or the end
        of the file is checked against the file's size at open."""
        fault = watch.fault
        try:
            if fault is None:
                yield from frames
            else:
                for frame in frames:
                    if fault() >= 0:
                        break
                    yield frame
        except CaptureError as err:
            end = watch.shrunk()
            if end is None:
                raise
            raise self._shrank(end, watch, err.offset) from err
        finally:
            frames.close()
        end = watch.shrunk()
        if end is not None:
            raise self._shrank(end, watch, None)

    def _shrank(self, end: int, watch: typing.Any, at: int | None) -> CaptureError:
        """The error for a file that shrank: at the first lost page of a mapping, else where reading stopped."""
        stopped = watch.stopped(end)
        return self._error(f"the file shrank from {watch.size} to {end} bytes while it was read (truncated by "
                           "another program: a rotation, a copy made again?); nothing after this could be read",
                           stopped if watch.fault is not None or at is None else at)

    # -- helpers -------------------------------------------------------------------------------------

    def _counted(self, buf: typing.Any, p: int, caplen: int, ts_ns: int) -> bool:
        """Count an Ethernet frame at ``buf[p:]`` into ``ignore`` if its flow is there (pcapng's fast path;
        the classic pcap loop inlines the same test)."""
        ethertype, vihl, total, frag, proto, key, doff, flags = _ETH_IP4.unpack_from(buf, p)
        if ethertype == 0x0800:
            if vihl != 0x45 or proto != 6 or flags & 7 or frag & 0x3FFF:
                return False
            payload = total - 20 - ((doff >> 4) << 2)
        elif ethertype == 0x86DD and caplen >= 74:
            plen, nexthdr, key, doff, flags = _ETH_IP6.unpack_from(buf, p)
            if nexthdr != 6 or flags & 7:
                return False
            payload = plen - ((doff >> 4) << 2)
        else:
            return False
        entry = self.ignore.get(key)
        if entry is None:
            return False
        entry[0] += 1
        entry[1] = ts_ns
        entry[2] += payload
        self.skipped += 1
        return True

    def _error(self, detail: str, offset: int) -> CaptureError:
        return CaptureError(detail, offset=offset, path=self.name)

    def _more(self, buf: typing.Any, pos: int, base: int) -> tuple[typing.Any, int] | None:
        """Keep ``buf[pos:]`` and append the next chunk; None at EOF. Returns (new buffer, its stream offset)."""
        try:
            chunk = self._read(CHUNK_SIZE)
        except _DECOMPRESS_ERRORS as err:
            what = f"{self.compression} decompression error" if self.compression else "read error"
            raise self._error(f"{what}: {err}", base + len(buf)) from err
        if not chunk:
            return None
        return buf[pos:] + chunk, base + pos

    # -- classic pcap ---------------------------------------------------------------------------------

    def _iter_pcap(self) -> Iterator[tuple[int, int, bytes, int]]:
        buf, self._buf = self._buf, b""
        base = 0
        while len(buf) < 24:
            more = self._more(buf, 0, base)
            if more is None:
                raise self._error(f"truncated pcap file header ({len(buf)} of 24 bytes)", 0)
            buf, base = more
        order, nano, hlen = _PCAP_MAGICS[bytes(buf[:4])]
        network = struct.unpack_from(order + "I", buf, 20)[0]
        linktype = network & 0x03FFFFFF      # upper bits: FCS length and flags (pcap spec / libpcap LT_LINKTYPE)
        unpack = struct.Struct(order + "IIII").unpack_from
        ignore = self.ignore if linktype == 1 else None
        eth_ip4, eth_ip6 = _ETH_IP4.unpack_from, _ETH_IP6.unpack_from
        mult = 1 if nano else 1000
        ns = _NS
        maxcap = MAX_CAPLEN
        pos = 24
        # A mapped file's pages count in RSS once touched; hand back what was read every 8 MiB so
        # memory stays flat whatever the file size (the kernel keeps them in its page cache).
        mapped = isinstance(buf, mmap.mmap) and hasattr(buf, "madvise")
        released, release_every = 0, _RELEASE_EVERY
        skip = None
        if ignore is not None and _PcapSkipper is not None:
            skip = _PcapSkipper(ignore, hlen, order == ">", mult, maxcap).skip
        while True:
            end = len(buf)
            while True:
                if skip is not None:        # runs of ignored flows' records, in C, up to the next release
                    pos, n, ts, frame, orig_len = skip(buf, pos, end, released + release_every + 1 if mapped else end)
                    self.skipped += n
                    if frame is not None:   # the record after them, read and not of an ignored flow
                        yield ts, linktype, frame, orig_len
                        continue
                p = pos + hlen
                if p > end:
                    break
                if mapped and pos - released > release_every:
                    upto = pos - pos % mmap.PAGESIZE
                    buf.madvise(mmap.MADV_DONTNEED, released, upto - released)
                    released = upto
                sec, frac, caplen, orig_len = unpack(buf, pos)
                if caplen > maxcap:
                    raise self._error(f"impossible captured length {caplen} (max {maxcap})", base + pos)
                nxt = p + caplen
                if nxt > end:
                    break
                if ignore is not None and caplen >= 54:
                    ethertype, vihl, total, frag, proto, key, doff, flags = eth_ip4(buf, p)
                    if ethertype == 0x0800:
                        if vihl == 0x45 and proto == 6 and not flags & 7 and not frag & 0x3FFF:
                            entry = ignore.get(key)                  # IPv4 src, dst, ports: a finished flow
                            if entry is not None:
                                entry[0] += 1
                                entry[1] = sec * ns + frac * mult
                                entry[2] += total - 20 - ((doff >> 4) << 2)
                                self.skipped += 1
                                pos = nxt
                                continue
                    elif ethertype == 0x86DD and caplen >= 74:
                        plen, nexthdr, key, doff, flags = eth_ip6(buf, p)
                        if nexthdr == 6 and not flags & 7:
                            entry = ignore.get(key)                  # IPv6 src, dst, ports
                            if entry is not None:
                                entry[0] += 1
                                entry[1] = sec * ns + frac * mult
                                entry[2] += plen - ((doff >> 4) << 2)
                                self.skipped += 1
                                pos = nxt
                                continue
                yield sec * ns + frac * mult, linktype, buf[p:nxt], orig_len
                pos = nxt
            more = self._more(buf, pos, base)
            if more is None:
                if pos == end:
                    return
                if end - pos < hlen:
                    raise self._error(f"truncated record header ({end - pos} of {hlen} bytes)", base + pos)
                raise self._error(f"truncated packet record ({end - pos - hlen} of {caplen} bytes)", base + pos)
            buf, base = more
            pos = 0

    # -- pcapng ---------------------------------------------------------------------------------------

    def _iter_pcapng(self) -> Iterator[tuple[int, int, bytes, int]]:
        buf, self._buf = self._buf, b""
        counters = self.counters
        base = pos = 0
        u32 = struct.Struct("<I").unpack_from
        hdr = struct.Struct("<II").unpack_from
        epb = struct.Struct("<IIIII").unpack_from
        epb_full = struct.Struct("<IIIIIII").unpack_from      # block type, length, then the EPB fields
        order = "<"
        ifaces: list[tuple[int, int, int, int, int]] = []   # (linktype, mul, div, offset_ns, snaplen)
        ignore = self.ignore
        nifaces = 0
        last_ts = 0
        maxcap = MAX_CAPLEN
        mapped = isinstance(buf, mmap.mmap) and hasattr(buf, "madvise")   # pages handed back as in _iter_pcap
        released = 0
        skippers = {o: _EpbSkipper(ignore, o == ">", maxcap, MAX_BLOCK_LEN).skip
                    for o in "<>"} if ignore is not None and _EpbSkipper is not None else None
        while True:
            end = len(buf)
            while pos + 12 <= end:
                if mapped and pos - released > _RELEASE_EVERY:
                    upto = pos - pos % mmap.PAGESIZE
                    buf.madvise(mmap.MADV_DONTNEED, released, upto - released)
                    released = upto
                if skippers is not None and nifaces:    # runs of ignored flows' EPBs, in C, up to the next release
                    pos, n, ts = skippers[order](buf, pos, end, released + _RELEASE_EVERY + 1 if mapped else end,
                                                 ifaces)
                    if n:
                        self.skipped += n
                        last_ts = ts
                        continue
                if pos + 28 <= end:                     # fast path: a complete, well-formed EPB
                    btype, blen, iface, ts_hi, ts_lo, caplen, orig_len = epb_full(buf, pos)
                    nxt = pos + blen
                    if (btype == 6 and caplen <= maxcap and 32 + caplen <= blen <= MAX_BLOCK_LEN and nxt <= end
                            and not blen & 3 and iface < nifaces and u32(buf, nxt - 4)[0] == blen):
                        linktype, mul, div, toff, _ = ifaces[iface]
                        if div == 1:
                            last_ts = (ts_hi << 32 | ts_lo) * mul + toff
                        else:
                            last_ts = ((ts_hi << 32 | ts_lo) * mul) // div + toff
                        if ignore is not None and linktype == 1 and caplen >= 54 \
                                and self._counted(buf, pos + 28, caplen, last_ts):
                            pos = nxt
                            continue
                        yield last_ts, linktype, buf[pos + 28:pos + 28 + caplen], orig_len
                        pos = nxt
                        continue
                btype, blen = hdr(buf, pos)
                if btype == _BLOCK_SHB:
                    order = _BOM.get(bytes(buf[pos + 8:pos + 12]))
                    if order is None:
                        raise self._error("bad pcapng byte-order magic", base + pos)
                    u32 = struct.Struct(order + "I").unpack_from
                    hdr = struct.Struct(order + "II").unpack_from
                    epb = struct.Struct(order + "IIIII").unpack_from
                    epb_full = struct.Struct(order + "IIIIIII").unpack_from
                    blen = u32(buf, pos + 4)[0]
                if blen < 12 or blen & 3 or blen > MAX_BLOCK_LEN:
                    raise self._error(f"bad pcapng block length {blen} (block type {btype:#x})", base + pos)
                nxt = pos + blen
                if nxt > end:
                    break
                if u32(buf, nxt - 4)[0] != blen:
                    raise self._error(f"pcapng block length mismatch (block type {btype:#x})", base + pos)
                if btype == _BLOCK_EPB or btype == _BLOCK_PB:     # the obsolete PB: EPB with a drops field
                    what = "enhanced packet block" if btype == _BLOCK_EPB else "packet block"
                    if blen < 32:
                        raise self._error(f"{what} too short", base + pos)
                    iface, ts_hi, ts_lo, caplen, orig_len = epb(buf, pos + 8)
                    if btype == _BLOCK_PB:                      # 16-bit interface id, then 16-bit drops
                        iface = iface & 0xFFFF if order == "<" else iface >> 16
                    if caplen > blen - 32 or caplen > maxcap:
                        raise self._error(f"bad captured length {caplen} in {what}", base + pos)
                    if iface < nifaces:
                        linktype, mul, div, toff, _ = ifaces[iface]
                        last_ts = ((ts_hi << 32 | ts_lo) * mul) // div + toff
                        yield last_ts, linktype, buf[pos + 28:pos + 28 + caplen], orig_len
                    else:
                        counters["pcapng_unknown_interface"] = counters.get("pcapng_unknown_interface", 0) + 1
                elif btype == _BLOCK_SPB:
                    if blen < 16:
                        raise self._error("simple packet block too short", base + pos)
                    orig_len = u32(buf, pos + 8)[0]
                    if nifaces:
                        linktype, _, _, _, snaplen = ifaces[0]
                        caplen = min(orig_len, blen - 16, snaplen or orig_len)
                        yield last_ts, linktype, buf[pos + 12:pos + 12 + caplen], orig_len
                    else:
                        counters["pcapng_unknown_interface"] = counters.get("pcapng_unknown_interface", 0) + 1
                elif btype == _BLOCK_IDB:
                    if blen < 20:
                        raise self._error("interface description block too short", base + pos)
                    ifaces.append(self._parse_idb(buf, pos, blen, order))
                    nifaces += 1
                elif btype == _BLOCK_SHB:
                    if blen < 28:
                        raise self._error("section header block too short", base + pos)
                    major = struct.unpack_from(order + "H", buf, pos + 12)[0]
                    if major != 1:
                        raise self._error(f"unsupported pcapng version {major}", base + pos)
                    ifaces, nifaces = [], 0
                    counters["pcapng_sections"] = counters.get("pcapng_sections", 0) + 1
                else:                                   # NRB, ISB, DSB, custom, journal, ...: framing is enough
                    counters["pcapng_blocks_skipped"] = counters.get("pcapng_blocks_skipped", 0) + 1
                pos = nxt
            more = self._more(buf, pos, base)
            if more is None:
                if pos == end:
                    return
                raise self._error(f"truncated pcapng block ({end - pos} bytes left)", base + pos)
            buf, base = more
            pos = 0

    def _parse_idb(self, buf: typing.Any, pos: int, blen: int, order: str) -> tuple[int, int, int, int, int]:
        """(linktype, mul, div, offset_ns, snaplen) so that ts_ns = ts * mul // div + offset_ns."""
        linktype, _, snaplen = struct.unpack_from(order + "HHI", buf, pos + 8)
        mul, div, toff = 1000, 1, 0                     # default resolution: microseconds
        opt = struct.Struct(order + "HH").unpack_from
        q, stop = pos + 16, pos + blen - 4
        while q + 4 <= stop:
            code, olen = opt(buf, q)
            if code == 0:
                break
            if q + 4 + olen > stop:
                self.counters["pcapng_bad_options"] = self.counters.get("pcapng_bad_options", 0) + 1
                break
            if code == _OPT_TSRESOL and olen >= 1:
                res = buf[q + 4]
                exp = res & 0x7F
                if res & 0x80:
                    mul, div = _NS, 1 << exp
                elif exp <= 9:
                    mul, div = 10 ** (9 - exp), 1
                else:
                    mul, div = 1, 10 ** (exp - 9)
            elif code == _OPT_TSOFFSET and olen >= 8:
                toff = struct.unpack_from(order + "q", buf, q + 4)[0] * _NS
            q += 4 + ((olen + 3) & ~3)
        return linktype, mul, div, toff, snaplen
