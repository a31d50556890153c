"""Archives for the fuzz harness. Owns: building tar, tar.gz, tar.xz, tar.bz2 and zip (stored or deflated)
archives of several members, byte for byte the same on every run, and setting a zip member's encryption
flags or compression method to what zipfile cannot read. Imports: tests.fuzz.mutate, stdlib.
"""
from __future__ import annotations

import io
import random
import struct
import tarfile
import zipfile

from tests.fuzz.mutate import compress

KINDS = ("tar", "tar.gz", "tar.xz", "tar.bz2", "zip", "zip-deflated")
_MTIME = 1_714_550_400              # 2024-05-01T08:00:00Z, every member
_TAR_COMPRESSION = {"tar.gz": "gzip", "tar.xz": "xz", "tar.bz2": "bzip2"}
_TAR_FORMATS = (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT)
# zip methods zipfile does not implement: shrink, implode, deflate64, IBM TERSE, zstd, MP3, xz, JPEG, AES
UNSUPPORTED_METHODS = (1, 6, 9, 18, 93, 94, 95, 96, 99)
_ENCRYPTED, _STRONG = 0x0001, 0x0040


def ext(kind: str) -> str:
    return ".zip" if kind.startswith("zip") else "." + kind


def build(kind: str, members: list[tuple[str, bytes]], rng: random.Random) -> tuple[bytes, str]:
    """The archive bytes and how it was made ("tar.xz/pax"). A tar may also get a folder entry."""
    if kind.startswith("zip"):
        method = zipfile.ZIP_DEFLATED if kind == "zip-deflated" else zipfile.ZIP_STORED
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 8, 0, 0))
                info.compress_type = method
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        return buf.getvalue(), kind
    fmt = rng.choice(_TAR_FORMATS)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        if rng.random() < 0.3:
            folder = tarfile.TarInfo("caps")
            folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, _MTIME
            tf.addfile(folder)
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, _MTIME
            tf.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    how = f"{kind}/{ {tarfile.USTAR_FORMAT: 'ustar', tarfile.GNU_FORMAT: 'gnu', tarfile.PAX_FORMAT: 'pax'}[fmt]}"
    if kind in _TAR_COMPRESSION:
        data = compress(_TAR_COMPRESSION[kind], data)
    return data, how


def _zip_headers(data: bytes) -> tuple[list[int], list[int]]:
    """Offsets of the local file headers (walked from the start) and central directory entries."""
    local, pos = [], 0
    while data[pos:pos + 4] == b"PK\x03\x04" and pos + 30 <= len(data):
        csize, nlen, elen = struct.unpack_from("<I2xHH", data, pos + 18)
        local.append(pos)
        pos += 30 + nlen + elen + csize
    central = []
    pos = data.find(b"PK\x01\x02")
    while pos >= 0 and pos + 46 <= len(data):
        nlen, elen, clen = struct.unpack_from("<HHH", data, pos + 28)
        central.append(pos)
        pos = data.find(b"PK\x01\x02", pos + 46 + nlen + elen + clen)
    return local, central


def damage_zip_member(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One member marked encrypted (traditional or strong) or given a method zipfile cannot read, in its
    local header, its central directory entry or both (a reader may believe either)."""
    local, central = _zip_headers(data)
    if not central:
        return data, "zip-flags:no-central-directory"
    i = rng.randrange(len(central))
    where = rng.choice(("local", "central", "both", "both"))
    what = rng.choice(("encrypted", "strong", "method", "method"))
    method = rng.choice(UNSUPPORTED_METHODS)
    buf = bytearray(data)
    # (flag offset, method offset) in a local header and in a central directory entry
    spots = ([(local[i], 6, 8)] if where in ("local", "both") and i < len(local) else [])
    spots += [(central[i], 8, 10)] if where in ("central", "both") else []
    for base, flag_at, method_at in spots:
        if what == "method":
            struct.pack_into("<H", buf, base + method_at, method)
        else:
            flags = struct.unpack_from("<H", buf, base + flag_at)[0]
            flags |= _ENCRYPTED | (_STRONG if what == "strong" else 0)
            struct.pack_into("<H", buf, base + flag_at, flags)
    detail = f"method={method}" if what == "method" else what
    return bytes(buf), f"zip-member{i}:{detail}@{where}"
