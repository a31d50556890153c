"""What a batch reads. Owns: expanding paths, folders and globs into inputs, listing the members of
tar/tar.gz/zip archives, and grouping rotated files (tcpdump -C/-G/-W) into sets. Imports: capture.files (compression magics).

Captures are recognised by content later (the worker opens them); here an archive is recognised by
content too (tarfile/zipfile signatures), never by its name.
"""
from __future__ import annotations

import glob
import os
import re
import tarfile
import zipfile
from dataclasses import dataclass

from pcaptls.capture.files import COMPRESSION_MAGICS

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Input:
    key: str                        # what connections.jsonl's `capture` says: a path, or ARCHIVE!MEMBER
    path: str                       # the file on disk (the archive for a member; the first file of a set)
    member: str | None = None       # archive member name
    archive: str | None = None      # "tar" or "zip"
    rotation: tuple[str, ...] = ()  # all files of a rotated set, in order (empty: not a set)
    size: int = 0                   # bytes (of the member, or of all files of a set)
    mtime_ns: int = 0               # of the file on disk (the archive for a member; the newest of a set)
    sequential: bool = False        # a member of a compressed tar: reached only by reading all before it

    @property
    def paths(self) -> tuple[str, ...]:
        return self.rotation or (self.path,)


def _files(arg: str) -> list[str]:
    if os.path.isdir(arg):
        found = []
        for root, dirs, names in os.walk(arg):
            dirs.sort()
            found += [os.path.join(root, n) for n in sorted(names)]
        return found
    if os.path.exists(arg) or not glob.has_magic(arg):
        return [arg]
    return sorted(p for p in glob.glob(arg, recursive=True) if os.path.isfile(p))


def _archive(path: str) -> str | None:
    try:
        if zipfile.is_zipfile(path):
            return "zip"
        if tarfile.is_tarfile(path):
            return "tar"
        with open(path, "rb") as f:
            if f.read(4) == b"PK\x03\x04":
                return "zip"        # a zip cut short (no central directory): damaged, not "not a capture"
    except OSError:
        return None                 # unreadable: the worker reports it
    return None


def _members(path: str, kind: str, stat: os.stat_result, out: list[Input]) -> None:
    """Appends to ``out`` as it goes, so the members before damage are kept when listing raises."""
    if kind == "zip":
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    out.append(Input(f"{path}!{info.filename}", path, info.filename, "zip", (), info.file_size,
                                     stat.st_mtime_ns))
    else:
        sequential = _compressed(path)
        with tarfile.open(path, "r:*") as tf:
            for info in tf:
                if info.isfile():
                    out.append(Input(f"{path}!{info.name}", path, info.name, "tar", (), info.size,
                                     stat.st_mtime_ns, sequential))


# the compressions tarfile's "r:*" reads, recognised as the capture reader recognises them
_COMPRESSED_MAGICS = tuple(magic for magic, kind in COMPRESSION_MAGICS if kind in ("gzip", "bzip2", "xz"))


def _compressed(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(6).startswith(_COMPRESSED_MAGICS)


def rotation_key(path: str) -> tuple[str, str]:
    """Files of one rotation share a directory and a name with the digits masked (capture.pcap1,
    capture.pcap2 / cap-20240501-1000.pcap, ...)."""
    head, name = os.path.split(path)
    return head, _DIGITS.sub("#", name)


def rotation_order(path: str) -> tuple[int, ...]:
    return tuple(int(d) for d in _DIGITS.findall(os.path.basename(path)))


def _join_rotations(inputs: list[Input]) -> list[Input]:
    groups: dict[tuple[str, str], list[Input]] = {}
    for item in inputs:
        if item.member is None:
            groups.setdefault(rotation_key(item.path), []).append(item)
    # tcpdump -C names the first file without a number: capture.pcap, capture.pcap1, capture.pcap2
    for (head, masked), members in list(groups.items()):
        if masked.endswith("#") and (head, masked[:-1]) in groups:
            groups[(head, masked)] = groups.pop((head, masked[:-1])) + members
    joined: dict[str, Input] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: rotation_order(i.path))
        paths = tuple(m.path for m in members)
        first = members[0]
        joined[first.path] = Input(first.path, first.path, rotation=paths, size=sum(m.size for m in members),
                                   mtime_ns=max(m.mtime_ns for m in members))
        for m in members[1:]:
            joined[m.path] = None   # type: ignore[assignment]   # read as part of the set
    out = []
    for item in inputs:
        if item.member is None and item.path in joined:
            if joined[item.path] is not None:
                out.append(joined[item.path])
        else:
            out.append(item)
    return out


def discover(args: list[str], *, join_rotated: bool = False) -> tuple[list[Input], list[tuple[str, str]]]:
    """Inputs in a stable order, and (path, why) for what could not even be listed."""
    inputs: list[Input] = []
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for arg in args:
        files = _files(arg)
        if not files:
            problems.append((arg, "no file matches"))
        for path in files:
            if path in seen:
                continue
            seen.add(path)
            try:
                stat = os.stat(path)
            except OSError as err:
                problems.append((path, f"cannot read: {err.strerror or err}"))
                continue
            kind = _archive(path)
            if kind is not None:
                members: list[Input] = []
                try:
                    _members(path, kind, stat, members)
                except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as err:
                    problems.append((path, f"damaged {kind} archive: {err}"))
                inputs += members       # those before the damage are read all the same
                continue
            inputs.append(Input(path, path, size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    if join_rotated:
        inputs = _join_rotations(inputs)
    return inputs, problems
