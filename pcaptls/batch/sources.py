"""Open what a batch reads. Owns: checking that an input is a regular file, recognising tar and zip archives
by content, listing their members, opening a file or member as a stream, and turning every error that the
archive and compression libraries raise on damaged input into ``InputError``: the input's (or member's)
failure, never the batch's. Imports: capture.files (compression magics), errors.

This is the one place where a batch opens its inputs; ``batch.inputs`` (discovery) and ``batch.worker``
(reading) both go through it.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import io
import lzma
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import zstandard

from pcaptls.capture.files import COMPRESSION_MAGICS
from pcaptls.errors import InputError

# What tarfile, zipfile and the decompressors raise on damaged or hostile input (collected from their code
# and from fuzzing: a bit flip in a zip's central directory gives NotImplementedError("zip file version
# 12.8"), an empty member name IndexError, a cut tar.gz EOFError, a bad xz block LZMAError, ...).
DAMAGE = (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, zstandard.ZstdError,
          NotImplementedError, RuntimeError, ValueError, IndexError, KeyError, OverflowError, struct.error)
_PIECE = 1 << 16                    # most bytes asked of an archive member at once (what a read error can cost)
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_TAR_COMPRESSION = {kind: magic for magic, kind in COMPRESSION_MAGICS if kind in ("gzip", "bzip2", "xz")}
_OPENERS: dict[str, Callable[[Any], Any]] = {
    "gzip": lambda f: gzip.GzipFile(fileobj=f), "bzip2": bz2.BZ2File, "xz": lzma.LZMAFile,
}


def reason(err: BaseException) -> str:
    """What went wrong, in a few words (an OSError's strerror, else the message, else the type)."""
    text = getattr(err, "strerror", None) if isinstance(err, OSError) else None
    return text or str(err) or type(err).__name__


@contextlib.contextmanager
def damage(what: str) -> Iterator[None]:
    """Turn what the libraries raise on damaged input into ``InputError(f"{what}: {reason}")``."""
    try:
        yield
    except InputError:
        raise
    except DAMAGE as err:
        raise InputError(f"{what}: {reason(err)}") from err


def open_regular(path: str) -> int:
    """A file descriptor of ``path`` if it is a regular file; ``InputError`` otherwise. Opened without
    blocking, so a FIFO with no writer (or a device) is refused instead of hanging the batch."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise InputError(f"cannot read: {reason(err)}") from err
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"not a regular file ({file_kind(mode)})", status="skipped")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "directory")):
        if test(mode):
            return name
    return "special file"


def _tar_header(block: bytes) -> bool:
    """A valid, non-empty tar header (checksum right): not a block of zeros, which tarfile takes for an
    empty archive (a file of zeros, or a gzip of zeros, would vanish as a tar with no members)."""
    if len(block) < tarfile.BLOCKSIZE:
        return False
    try:
        tarfile.TarInfo.frombuf(block[:tarfile.BLOCKSIZE], tarfile.ENCODING, "surrogateescape")
    except (tarfile.HeaderError, ValueError, OverflowError):
        return False
    return True


def archive_kind(path: str) -> tuple[str | None, str | None]:
    """("zip" | "tar" | None, compression of a tar or None), from the content. A zip cut short (no central
    directory) is still a zip: damaged, not "not a capture"."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as f:
        head = f.read(tarfile.BLOCKSIZE)
        if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
            return "zip", None
        try:
            if zipfile.is_zipfile(f):      # a zip with something before it (self-extracting, a prefix)
                return "zip", None
        except DAMAGE:
            pass
        if _tar_header(head):
            return "tar", None
        for kind, magic in _TAR_COMPRESSION.items():
            if head.startswith(magic):
                f.seek(0)
                try:
                    block = _OPENERS[kind](f).read(tarfile.BLOCKSIZE)
                except DAMAGE:
                    return None, None       # the capture reader reports the damage
                return ("tar", kind) if _tar_header(block) else (None, None)
    return None, None


def zip_members(path: str) -> Iterator[tuple[str, int, str | None]]:
    """(name, size, why it cannot be read or None) of each file member of a zip; ``InputError`` when the
    archive itself cannot be listed."""
    with damage("damaged zip archive"), zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:
        name = info.filename
        if name.endswith("/"):
            continue
        why = None
        if not name:
            why = "unsupported: zip member without a name"
        elif info.flag_bits & 0x41:           # bit 0: encrypted; bit 6: strong encryption
            why = "unsupported: encrypted zip member (needs a password)"
        elif info.compress_type not in _ZIP_METHODS:
            why = f"unsupported: zip compression method {info.compress_type}"
        yield name, info.file_size, why


def tar_members(path: str) -> Iterator[tuple[str, int]]:
    """(name, size) of each regular file member, in archive order; ``InputError`` at damage, after the
    members before it were yielded."""
    with damage("damaged tar archive"), tarfile.open(path, "r:*") as tf:
        for info in tf:
            if info.isfile():
                yield info.name, info.size


def tar_stream(path: str) -> Iterator[tuple[str, Any]]:
    """(name, stream) of each regular file member in one pass over the archive; ``InputError`` at damage."""
    with damage("damaged tar archive"), tarfile.open(path, "r:*") as tf:
        for info in tf:
            if info.isfile():
                member = tf.extractfile(info)
                if member is not None:
                    yield info.name, member


def open_member(path: str, archive: str, member: str) -> tuple[Any, list[Any]]:
    """A binary stream of one member, and what to close afterwards."""
    if archive == "zip":
        with damage("cannot read"):
            zf = zipfile.ZipFile(path)
            try:
                return zf.open(member), [zf]
            except BaseException:
                zf.close()
                raise
    with damage("cannot read: damaged tar archive"):
        tf = tarfile.open(path, "r:*")
        try:
            # not extractfile(name): its getmember reads the whole archive and fails on damage after the member
            info = next((i for i in tf if i.name == member and i.isfile()), None)
            stream = tf.extractfile(info) if info is not None else None
        except BaseException:
            tf.close()
            raise
    if stream is None:
        tf.close()
        raise InputError(f"{member} is not a regular file of the archive (it changed since it was listed?)")
    return stream, [tf]


class HashingReader(io.RawIOBase):
    """A member stream that hashes and counts what the capture reader pulls through it. A read error of the
    source (a member cut short, a bad CRC, a damaged block) is kept in ``error`` and ends the stream
    there, so the capture reader reports a truncation after every frame it got instead of the error
    (raised through a BufferedReader) losing them all."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0
        self.error: InputError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        if self.error is not None:
            return 0
        try:
            data = self.raw.read(min(len(buf), _PIECE))
        except DAMAGE as err:
            self.error = InputError(f"cannot read: {reason(err)}")
            return 0
        n = len(data)
        buf[:n] = data
        self.sha.update(data)
        self.size += n
        return n

    def drain(self) -> None:
        """Read (and hash) what the capture reader left, so the hash covers the whole member."""
        while self.raw is not None and self.readinto(bytearray(1 << 20)):
            pass
