"""What a batch reads. Owns: expanding paths, folders and globs into inputs, listing the members of
tar/tar.gz/zip archives, and grouping rotated files (tcpdump -C/-G/-W) into sets. Imports: batch.sources,
errors.

Captures are recognised by content later (the worker opens them); here an archive is recognised by
content too (batch.sources: a valid tar header, zip signatures), never by its name.
"""
from __future__ import annotations

import fnmatch
import glob
import os
import re
import stat as statmod
from dataclasses import dataclass

from pcaptls.batch import sources
from pcaptls.errors import InputError

_DIGITS = re.compile(r"\d+")
FAILED, SKIPPED = "failed", "skipped"


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


def _match(patterns: list[str], names: list[str]) -> bool:
    """Do path components ``names`` match glob components ``patterns`` (``**``: any number of folders)?
    As glob does, a wildcard does not match a name that starts with a dot."""
    if not patterns:
        return not names
    head = patterns[0]
    if head == "**":
        return any(_match(patterns[1:], names[i:]) for i in range(len(names) + 1)
                   if not any(n.startswith(".") for n in names[:i]))
    if not names or (names[0].startswith(".") and not head.startswith(".")):
        return False
    return fnmatch.fnmatchcase(names[0], head) and _match(patterns[1:], names[1:])


def _recursive_glob(pattern: str) -> list[str]:
    """glob.glob(pattern, recursive=True) for files, but each folder walked once by (device, inode):
    glob follows folder symlinks, and a symlink loop under ``**`` made it list one file 41 times (and two
    loops, exponentially many)."""
    parts = pattern.split(os.sep)
    fixed = 0
    while fixed < len(parts) - 1 and not glob.has_magic(parts[fixed]):
        fixed += 1
    root = os.sep.join(parts[:fixed]) if fixed else ""
    if pattern.startswith(os.sep) and not root:
        root = os.sep
    rest = parts[fixed:]
    found = []
    walked: set[tuple[int, int]] = set()
    for folder, dirs, names in os.walk(root or os.curdir, followlinks=True):
        try:
            st = os.stat(folder)
        except OSError:
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in walked:
            dirs[:] = []
            continue
        walked.add((st.st_dev, st.st_ino))
        dirs.sort()
        rel = os.path.relpath(folder, root or os.curdir)
        prefix = [] if rel == os.curdir else rel.split(os.sep)
        for name in sorted(names):
            if _match(rest, prefix + [name]):
                found.append(os.path.join(folder, name) if root else os.path.join(*prefix, name))
    return found


def _files(arg: str) -> list[str]:
    if os.path.isdir(arg):
        found = []
        for root, dirs, names in os.walk(arg):        # folder symlinks are not followed
            dirs.sort()
            found += [os.path.join(root, n) for n in sorted(names)]
        return found
    if os.path.lexists(arg) or not glob.has_magic(arg):
        return [arg]
    if "**" in arg:
        return _recursive_glob(arg)
    return sorted(p for p in glob.glob(arg) if not os.path.isdir(p))


def _members(path: str, kind: str, stat_: os.stat_result, compression: str | None, out: list[Input],
             problems: list[tuple[str, str, str]]) -> None:
    """Appends to ``out`` as it goes, so the members before damage are kept when listing raises."""
    if kind == "zip":
        for name, size, why in sources.zip_members(path):
            if why is not None:
                problems.append((f"{path}!{name}", why, FAILED))
            else:
                out.append(Input(f"{path}!{name}", path, name, "zip", (), size, stat_.st_mtime_ns))
    else:
        for name, size in sources.tar_members(path):
            out.append(Input(f"{path}!{name}", path, name, "tar", (), size, stat_.st_mtime_ns, compression is not None))


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


def discover(args: list[str], *, join_rotated: bool = False
             ) -> tuple[list[Input], list[tuple[str, str, str]]]:
    """Inputs in a stable order, and (path, why, status) for what cannot be read at all: every path found is
    in one of the two. A file is taken once, however many paths lead to it (by device and inode); what is
    not a regular file (a FIFO, a device, a socket) is listed as skipped without being opened."""
    inputs: list[Input] = []
    problems: list[tuple[str, str, str]] = []
    seen: set[tuple[int, int]] = set()
    for arg in args:
        files = _files(arg)
        if not files:
            problems.append((arg, "no file matches", FAILED))
        for path in files:
            try:
                st = os.stat(path)
            except OSError as err:
                problems.append((path, f"cannot read: {err.strerror or err}", FAILED))
                continue
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            if not statmod.S_ISREG(st.st_mode):
                problems.append((path, f"not a regular file ({sources.file_kind(st.st_mode)})", SKIPPED))
                continue
            try:
                kind, compression = sources.archive_kind(path)
            except InputError as err:
                problems.append((path, err.detail, err.status))
                continue
            if kind is not None:
                members: list[Input] = []
                try:
                    _members(path, kind, st, compression, members, problems)
                except InputError as err:
                    notes = [f"{compression}-compressed"] if compression else []
                    if members:
                        notes.append(f"after {len(members)} member{'' if len(members) == 1 else 's'}")
                    why = sources.reason(err.__cause__) if err.__cause__ is not None else err.detail
                    problems.append((path, f"damaged {kind} archive: {why}" + (f" ({', '.join(notes)})" if notes
                                                                              else ""), FAILED))
                inputs += members       # those before the damage are read all the same
                if not members and not any(p[0].startswith(f"{path}!") or p[0] == path for p in problems):
                    problems.append((path, f"empty {kind} archive (no file members)", SKIPPED))
                continue
            inputs.append(Input(path, path, size=st.st_size, mtime_ns=st.st_mtime_ns))
    if join_rotated:
        inputs = _join_rotations(inputs)
    return inputs, problems
