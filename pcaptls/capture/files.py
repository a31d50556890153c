"""Open a capture and iterate its frames. Owns: opening paths, stdin and file objects, compression and format
detection by content, mapping plain files (guarded: capture._guard). Imports: capture.framing (the framing
itself), capture._guard (optional), errors.

``open_capture(source)`` accepts a path, ``"-"`` (``sys.stdin.buffer``) or a binary file object (seekable or not).
Compression (gzip, bzip2, xz, zstd; one level of nesting, e.g. a gzip inside an xz) and the format (classic pcap in
either byte order with microsecond, nanosecond or Kuznetzov "modified" magics; pcapng) are recognised by their
magic bytes, never by the file name. Iterating the reader yields ``(ts_ns, linktype, frame, orig_len)`` where
``frame`` is always ``bytes`` (a copy of the captured bytes, safe to keep) and ``ts_ns`` is exact integer
nanoseconds (pcapng: floor of the exact value for resolutions finer than 1 ns or powers of 2, plus if_tsoffset).

Error contract: ``open_capture`` and iteration raise only ``CaptureError``. On damage the reader first yields every
complete frame before it, then raises ``CaptureError(detail, offset=...)`` with the byte offset in the (decompressed)
stream of the record/block that could not be read. A file that ends exactly on a record/block boundary is clean.

``counters`` (informational): ``pcapng_sections``, ``pcapng_blocks_skipped`` (NRB, ISB, DSB, custom and unknown
blocks), ``pcapng_unknown_interface`` (packets whose interface id has no IDB in the section: skipped),
``pcapng_bad_options`` (IDB options that overrun the block: the rest of the options is ignored).

A regular file that shrinks while it is read (truncated by another program) ends the frames there with
``CaptureError("the file shrank ...")``: every frame before it is yielded first, and the process is never
killed by the SIGBUS a mapped file raises (capture/_guard.c; without it files are read, not mapped).

Speed: plain files are mmap'ed (when the guard is built), other streams are read in 4 MiB chunks; records are framed with precompiled
``struct.Struct.unpack_from`` (capture.framing); no per-packet objects beyond the frame bytes and the yielded
tuple. Frames of flows in ``ignore`` are counted, not yielded; the optional C module ``_skip`` steps over runs
of them (classic pcap records and pcapng Enhanced Packet Blocks; the pure-Python loops in capture.framing do
the same where it is not built, or with ``PCAPTLS_PURE_PYTHON=1``; tests compare the two).
"""
from __future__ import annotations

import bz2
import functools
import gzip
import io
import lzma
import mmap
import os
import stat
import sys
import typing

import zstandard

from pcaptls.capture import framing
from pcaptls.capture.framing import (  # noqa: F401  (CaptureReader and the limits are part of this module's API)
    _DECOMPRESS_ERRORS, _PCAP_MAGICS, _READ_ERRORS, CHUNK_SIZE, MAX_BLOCK_LEN, MAX_CAPLEN, CaptureReader,
)
from pcaptls.errors import CaptureError

try:
    from pcaptls.capture import _guard
except ImportError:                 # not built: plain files are read, not mapped
    _guard = None
if os.environ.get("PCAPTLS_PURE_PYTHON"):
    _guard = None

_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
COMPRESSION_MAGICS = (  # magic -> compression, recognised by content
    (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
)


class _Prefixed:
    """A read-only stream that returns ``head`` first, then the rest of ``raw`` (peeking on non-seekable input)."""

    def __init__(self, head: bytes, raw: typing.BinaryIO) -> None:
        self._head = head
        self._raw = raw
        self.mode = "rb"

    def read(self, size: int = -1) -> bytes:
        head = self._head
        if head:
            if 0 <= size < len(head):
                self._head = head[size:]
                return head[:size]
            self._head = b""
            return head
        return self._raw.read(size)

    def readable(self) -> bool:
        return True


def _read_head(read: typing.Callable[[int], bytes], size: int) -> bytes:
    """Read at least 8 bytes (or up to EOF) with up to ``size`` bytes per call."""
    head = read(size)
    while 0 < len(head) < 8:
        more = read(size)
        if not more:
            break
        head += more
    return head


def _decompressor(kind: str, fileobj: typing.Any) -> typing.Any:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=fileobj, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(fileobj, mode="rb")
    if kind == "xz":
        return lzma.LZMAFile(fileobj, mode="rb")
    return zstandard.ZstdDecompressor().stream_reader(fileobj, read_across_frames=True, closefd=False)


def open_capture(source: str | os.PathLike | typing.BinaryIO, *, name: str | None = None) -> CaptureReader:
    """Open a capture file, ``"-"`` for standard input, or a binary file object; see the module docstring."""
    opened: list[typing.Any] = []
    if isinstance(source, (str, os.PathLike)):
        if os.fspath(source) == "-":
            name = name or "<stdin>"
            if sys.stdin is None:
                raise CaptureError("no standard input", path=name)
            stream = sys.stdin.buffer
        else:
            name = name or os.fspath(source)
            try:
                stream = open(source, "rb")       # noqa: SIM115 - closed by CaptureReader.close()
            except OSError as err:
                raise CaptureError(f"cannot open: {err.strerror or err}", path=name) from err
            opened.append(stream)
    else:
        stream = source
        name = name or (source.name if isinstance(getattr(source, "name", None), str) else None)
    try:
        return _open_stream(stream, name, opened)
    except BaseException:
        for obj in reversed(opened):
            obj.close()
        raise


PIPE_SIZE = 1 << 20                  # Linux's default maximum pipe capacity for an unprivileged process


def widen_pipe(stream: typing.Any) -> None:
    """Make a pipe hold PIPE_SIZE bytes instead of 64 KiB, so that its reader does not wait on the writer
    every 64 KiB (``tcpdump -w - | pcaptls inspect -``: 1 GB 3.5 -> 2.3 s read). Linux only; anything
    that is not a pipe, or a refusal, is left as it is."""
    try:
        fd = stream.fileno()
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            import fcntl
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except (AttributeError, OSError, ValueError, ImportError, io.UnsupportedOperation):
        pass


def _open_stream(stream: typing.Any, name: str | None, opened: list[typing.Any]) -> CaptureReader:
    widen_pipe(stream)
    read = getattr(stream, "read1", None) or stream.read
    try:
        head = _read_head(read, framing.CHUNK_SIZE)
    except _READ_ERRORS as err:
        raise CaptureError(f"read error: {err}", offset=0, path=name) from err
    if not head:
        raise CaptureError("empty file", path=name)
    layers: list[str] = []
    while len(layers) < 2:
        kind = next((k for magic, k in COMPRESSION_MAGICS if head.startswith(magic)), None)
        if kind is None:
            break
        layers.append(kind)
        stream = _decompressor(kind, _Prefixed(head, stream))
        opened.append(stream)
        read = getattr(stream, "read1", None) or stream.read
        try:
            head = _read_head(read, framing.CHUNK_SIZE)
        except _DECOMPRESS_ERRORS as err:
            raise CaptureError(f"{kind} decompression error: {err}", offset=0, path=name) from err
        if not head:
            raise CaptureError(f"empty file ({'+'.join(layers)}-compressed)", path=name)
    magic = head[:4]
    if magic == _PCAPNG_SHB:
        fmt = "pcapng"
    elif magic in _PCAP_MAGICS:
        fmt = "pcap"
    else:
        inside = f" inside {'+'.join(layers)}" if layers else ""
        raise CaptureError(f"not a pcap or pcapng file (magic 0x{magic.hex()}){inside}", offset=0, path=name)
    buf: typing.Any = head
    watch = None
    if not layers and opened:
        watch = _Watch.of(stream)
        if watch is not None and len(head) >= 8:
            mapped = _try_mmap(stream, head, watch)
            if mapped is not None:
                buf, read = mapped, _eof
                opened.append(buf)
        if watch is not None:
            opened.append(watch)            # closed first: no longer watched before the mapping goes
    reader = CaptureReader(fmt, "+".join(layers) or None, buf, read, name, opened)
    reader.watch = watch
    return reader


def _eof(size: int) -> bytes:
    return b""


class _Watch:
    """Does the regular file being read shrink under the reader (truncated by another program: a rotating
    writer, ``truncate``, a copy made again)? Read with read(), the file simply ends early; its size now
    against its size at open tells. Mapped, a page past the new end raises SIGBUS, which kills the process:
    the guard (capture/_guard.c) catches the fault in a watched mapping, gives the page zeros, and ``fault``
    says so before the reader trusts those bytes. Without the guard built, files are not mapped."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size                    # at open
        self.slot: int | None = None
        self.fault: typing.Callable[[], int] | None = None    # mapped: offset of the first lost page, or -1

    @classmethod
    def of(cls, f: typing.Any) -> _Watch | None:
        try:
            st = os.fstat(f.fileno())
        except (OSError, ValueError, AttributeError):
            return None
        return cls(f.fileno(), st.st_size) if stat.S_ISREG(st.st_mode) else None

    def guard(self, mapped: mmap.mmap) -> bool:
        if _guard is None:
            return False
        try:
            self.slot = _guard.watch(mapped)
        except (OSError, ValueError):
            return False
        self.fault = functools.partial(_guard.fault, self.slot)
        return True

    def shrunk(self) -> int | None:
        """Where the file ends now, if it shrank since it was opened (or a mapped page of it was lost)."""
        lost = self.fault() if self.fault is not None else -1
        try:
            size = os.fstat(self.fd).st_size
        except OSError:
            size = self.size
        if lost < 0 and size >= self.size:
            return None
        return size

    def stopped(self, size: int) -> int:
        """Where reading stopped: the first lost page of a mapped file, else the new end."""
        lost = self.fault() if self.fault is not None else -1
        return lost if lost >= 0 else size

    def close(self) -> None:
        if self.slot is not None:
            _guard.unwatch(self.slot)
            self.slot = self.fault = None


def _try_mmap(f: typing.Any, head: bytes, watch: _Watch) -> mmap.mmap | None:
    """Map a regular file we opened ourselves, if it is larger than what was already read and the guard can
    watch the mapping (otherwise the file is read: a mapped file that shrinks would kill the process)."""
    if _guard is None or watch.size <= len(head):
        return None
    try:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    if not watch.guard(mapped):
        mapped.close()
        return None
    return mapped


