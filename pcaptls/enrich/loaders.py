"""Read enrichment files. Owns: every read of a DNS snapshot or ip-ranges.json, their formats, line-numbered problems.
Imports: enrich.ipranges, errors (and stdlib only).

Contract: ``load_snapshot``/``load_ip_ranges`` raise only ``EnrichmentDataError`` (unreadable, not text, unknown
format, bad JSON); a bad line or entry is returned as a ``LoadProblem`` and the rest loads. See docs/snapshots.md.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pcaptls.enrich.ipranges import IpRanges, parse_ip
from pcaptls.errors import EnrichmentDataError

FORMATS = ("dig", "nslookup", "json", "csv", "hosts")


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    name: str            # lower case, no trailing dot
    ip: str              # canonical text (ipaddress); IPv4-mapped IPv6 becomes IPv4, an IPv6 zone id is dropped
    ts_ns: int | None    # UTC ns since the epoch: the entry's own time, else the snapshot's default_ts_ns
    source_file: str
    line: int            # 1-based line it comes from (a CNAME alias: the alias's line); 0 for JSON


@dataclass(frozen=True, slots=True)
class LoadProblem:
    file: str
    line: int            # 1-based; 0 = not a line (JSON: the detail starts with a jq-style path)
    detail: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.detail}"


_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_EPOCH = re.compile(r"\d{1,12}(?:\.\d{1,9})?")
_FRACTION = re.compile(r"(\d\d:\d\d:\d\d)[.,](\d+)")
_UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_NS = 253402300800 * 10**9  # 10000-01-01T00:00:00Z


def _norm_name(raw: str) -> str | None:
    """Lower case without one trailing dot; None unless it is a host name (LDH labels, '_' allowed)."""
    name = raw.strip().lower().removesuffix(".")
    if not name or len(name) > 253 or not name.isascii() or _norm_ip(name) is not None:
        return None
    return name if all(_LABEL.fullmatch(label) for label in name.split(".")) else None


def _norm_ip(raw: str) -> str | None:
    return None if (addr := parse_ip(raw)) is None else str(addr)


def _time_ns(value: Any) -> int:
    """ISO 8601 with Z or an offset, or epoch seconds (number or digits) -> UTC ns. ValueError if not."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = repr(value)
    if not isinstance(value, str):
        raise ValueError(f"time must be a string or a number, not {type(value).__name__}")
    text = value.strip()
    if _EPOCH.fullmatch(text):
        ns = int(Decimal(text) * 10**9)
    else:
        frac = _FRACTION.search(text)
        try:
            stamp = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text, count=1) if frac else text)
            secs = None if stamp.utcoffset() is None else (stamp - _UTC_EPOCH) // dt.timedelta(seconds=1)
        except (ValueError, OverflowError):
            raise ValueError(f"time {value!r} is neither ISO 8601 nor epoch seconds") from None
        if secs is None:
            raise ValueError(f"time {value!r} has no UTC offset (add Z or +hh:mm)")
        ns = secs * 10**9 + (int(frac.group(2)[:9].ljust(9, "0")) if frac else 0)
    if not 0 <= ns < _MAX_NS:
        raise ValueError(f"time {value!r} is out of range")
    return ns


def _read_text(path: Path) -> tuple[str, list[LoadProblem]]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise EnrichmentDataError(f"{path}: cannot read: {err.strerror or err}") from err
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # PowerShell 5: `nslookup x > file`
    if b"\x00" in data and not utf16:
        raise EnrichmentDataError(f"{path}: binary data (NUL byte at offset {data.index(0)}), not a text file")
    try:
        return data.decode("utf-16" if utf16 else "utf-8-sig"), []
    except UnicodeDecodeError as err:  # a Windows code page? Host names are ASCII, so Latin-1 loses nothing we use
        if utf16:
            raise EnrichmentDataError(f"{path}: not valid UTF-16 text at byte {err.start}") from err
        line = data.count(b"\n", 0, err.start) + 1
        return data.decode("latin-1"), [LoadProblem(str(path), line, "not valid UTF-8; the file was read as Latin-1")]


def _json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise EnrichmentDataError(f"{path}: line {err.lineno} column {err.colno}: invalid JSON: {err.msg}") from err
    except RecursionError as err:
        raise EnrichmentDataError(f"{path}: JSON nested too deeply") from err


# Each format parser appends (line, name, ip, ts_ns | None) entries to ``out`` and (line, detail) to ``problems``.
_Out = list[tuple[int, str, str, "int | None"]]
_Problems = list[tuple[int, str]]

_PROMPT = re.compile(r"\$ |> |[A-Za-z]:\\[^>]*>|PS [^>]*>")  # shell prompts pasted with the output
_DIG_MARK = re.compile(r"; <<>> DiG |;; (?:ANSWER|QUESTION) SECTION:|;; WHEN:|;; ->>HEADER<<-")
_DIG_RR_STRICT = re.compile(r"\S+\s+\d+\s+IN\s+(?:A|AAAA|CNAME)\s+\S+\s*")
_DIG_RR = re.compile(r"(\S+)\s+(?:\d+\s+)?(?:(?:IN|CH|HS|CLASS\d+)\s+)?([A-Za-z][A-Za-z0-9-]*)\s+(.*)")
_DIG_WHEN = re.compile(r";; WHEN:\s+\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d\d):(\d\d)\s+(?:(.+?)\s+)?(\d{4})\s*")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_ZONES = {"UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
          "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2,
          "EET": 2, "EEST": 3, "JST": 9, "KST": 9}  # unambiguous abbreviations only (not IST, BST, ...)
_NS_KEY = re.compile(r"(Default Server|Server|Addresses|Address|Name|Aliases)\s*:\s*(.*)")
_NS_CNAME = re.compile(r"(\S+)\s+canonical name\s*=\s*(\S+)")
_NS_NOISE = re.compile(r"\*|;;|DNS request timed out|timeout was |Non-authoritative answer|Authoritative answers can"
                       r"|\S+\s+(?:nameserver|internet address|AAAA IPv6 address|mail exchanger|text|origin"
                       r"|mail addr|serial|refresh|retry|expire|minimum)\s*=")


class _Run:
    """Address and CNAME records of one answer (one dig/nslookup query); CNAMEs resolve within it."""

    def __init__(self) -> None:
        self.records: list[tuple[int, str, str]] = []   # (line, name, ip)
        self.cnames: list[tuple[int, str, str]] = []    # (line, alias, target)

    def add(self, line: int, raw_name: str, raw_value: str, problems: _Problems, cname: bool = False) -> None:
        name, value = _norm_name(raw_name), (_norm_name if cname else _norm_ip)(raw_value)
        if name is None:
            problems.append((line, f"invalid host name {raw_name!r}"))
        elif value is None:
            problems.append((line, f"invalid {'CNAME target' if cname else 'IP address'} {raw_value!r}"))
        else:
            (self.cnames if cname else self.records).append((line, name, value))

    def flush(self, ts: int | None, out: _Out, problems: _Problems) -> None:
        """Emit the entries; every alias of a CNAME chain gets the addresses of the chain's last name."""
        ips: dict[str, list[str]] = {}
        for line, name, ip in self.records:
            out.append((line, name, ip, ts))
            ips.setdefault(name, []).append(ip)
        target_of = {alias: target for _, alias, target in reversed(self.cnames)}  # the first CNAME of a name wins
        for line, alias, _ in self.cnames:
            name, chain = alias, [alias]
            while name in target_of and name not in ips:
                name = target_of[name]
                if name in chain:
                    problems.append((line, f"CNAME loop: {' -> '.join(chain + [name])}"))
                    break
                chain.append(name)
            else:
                if name in ips:
                    out.extend((line, alias, ip, ts) for ip in ips[name])
                else:
                    problems.append((line, f"CNAME chain {' -> '.join(chain)} has no address in this answer"))
        self.records, self.cnames = [], []


def _dig_when(line: str) -> int:
    m = _DIG_WHEN.fullmatch(line)
    month = _MONTHS.get(m.group(1).lower()) if m else None
    if m is None or month is None:
        raise ValueError(f"unrecognised ;; WHEN: time {line[8:].strip()!r}")
    zone = (m.group(6) or "").strip()             # no zone: like an ISO time without an offset, not guessed
    if (offset := _ZONES.get(zone.upper())) is None:
        raise ValueError(f";; WHEN: time zone {zone!r} is not one we can convert unambiguously")
    day, hour, minute, sec, year = (int(m.group(i)) for i in (2, 3, 4, 5, 7))
    return _time_ns(dt.datetime(year, month, day, hour, minute, sec,
                                tzinfo=dt.timezone(dt.timedelta(hours=offset))).isoformat())


def _parse_dig(lines: list[str], out: _Out, problems: _Problems) -> None:
    run, section = _Run(), None   # section None: no headers seen (+noall +answer), every record counts
    for no, line in enumerate(lines, 1):
        if line.startswith(("; <<>> DiG ", ";; Got answer:")):
            run.flush(None, out, problems)
            section = None
        elif line.startswith(";; WHEN:"):         # ends an answer: its time is the answer's time
            try:
                ts = _dig_when(line)
            except ValueError as err:
                problems.append((no, f"{err}; this answer gets the default time"))
                ts = None
            run.flush(ts, out, problems)
            section = None
        elif m := re.fullmatch(r";; ([A-Z]+) SECTION:\s*", line):
            section = m.group(1)
        elif line.startswith(";") or not line.strip() or _PROMPT.match(line):
            continue
        elif not (m := _DIG_RR.fullmatch(line.strip())):
            problems.append((no, "not a dig resource record (name [ttl] [class] type data)"))
        elif section in (None, "ANSWER") and (kind := m.group(2).upper()) in ("A", "AAAA", "CNAME"):
            if len(m.group(3).split()) != 1:
                problems.append((no, f"{kind} record data {m.group(3)!r} is not one value"))
            else:
                run.add(no, m.group(1), m.group(3), problems, cname=kind == "CNAME")
    run.flush(None, out, problems)


def _parse_nslookup(lines: list[str], out: _Out, problems: _Problems) -> None:
    run = _Run()
    owner: str | None = None      # "server" (the resolver's own block), the raw Name: value, or None
    key: str | None = None        # the key whose values continue on indented lines (Windows)
    for no, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            owner = key = None
            continue
        m = None if line[0].isspace() else _NS_KEY.fullmatch(text)
        if m and m.group(1).endswith("Server"):
            run.flush(None, out, problems)       # a new query
            owner, key = "server", None
            continue
        if m and m.group(1) == "Name":
            owner, key = m.group(2).strip(), None
            continue
        if m:
            key, value = m.group(1), m.group(2).strip()
            if owner is None:
                problems.append((no, f"{key}: line outside a Server: or Name: block"))
                key = None
                continue
        elif line[0].isspace() and key is not None and len(text.split()) == 1:
            value = text                          # Windows: another value of Addresses:/Aliases:
        elif c := _NS_CNAME.fullmatch(text):
            run.add(no, c.group(1), c.group(2), problems, cname=True)
            continue
        elif _NS_NOISE.match(text) or _PROMPT.match(text):
            owner, key = (None, None) if text.startswith(("Non-auth", "Authoritative")) else (owner, key)
            continue
        else:
            problems.append((no, "unrecognised nslookup line"))
            continue
        if owner is None or owner == "server" or not value:
            continue                              # the resolver's own address is not an answer
        if key == "Aliases":                      # Windows: the alias is a CNAME to the Name: above
            run.add(no, value, owner, problems, cname=True)
        else:
            run.add(no, owner, value, problems)
    run.flush(None, out, problems)


def _parse_json(text: str, path: Path, out: _Out, problems: _Problems) -> None:
    """JSON has no line numbers here: entries and problems get line 0 and problems a jq-style path."""
    doc = _json(text, path)
    items: list[tuple[str, Any, Any, int | None]] = []      # (path, name, ip | [ips], ts_ns)
    if isinstance(doc, dict):       # {"name": ip | [ips]} or {"time": t, "names": {"name": ip | [ips]}}
        names, when, at = (doc["names"], doc.get("time"), ".names") if isinstance(doc.get("names"), dict) \
            else (doc, None, ".")
        try:
            ts = None if when is None else _time_ns(when)
        except ValueError as err:
            problems.append((0, f".time: {err}; these entries get the default time"))
            ts = None
        items = [(f"{at}[{json.dumps(key)}]", key, value, ts) for key, value in names.items()]
    elif isinstance(doc, list):     # [{"name": n, "ip": ip | "ips": [ips], "time": t}]
        for i, item in enumerate(doc):
            if not isinstance(item, dict) or "name" not in item or ("ip" in item) == ("ips" in item):
                problems.append((0, f'.[{i}]: expected an object with "name" and one of "ip"/"ips"'))
                continue
            try:
                ts = None if item.get("time") is None else _time_ns(item["time"])
            except ValueError as err:
                problems.append((0, f".[{i}].time: {err}"))
                continue
            items.append((f".[{i}]", item["name"], item.get("ip", item.get("ips")), ts))
    else:
        raise EnrichmentDataError(f"{path}: a JSON snapshot is an object or a list, not {type(doc).__name__}")
    for at, raw_name, raw_ips, ts in items:
        if (name := _norm_name(raw_name) if isinstance(raw_name, str) else None) is None:
            problems.append((0, f"{at}: invalid host name {raw_name!r}"))
            continue
        many = isinstance(raw_ips, list)
        for i, raw in enumerate(raw_ips if many else [raw_ips]):
            if (ip := _norm_ip(raw) if isinstance(raw, str) else None) is None:
                problems.append((0, f"{at}{f'[{i}]' * many}: invalid IP address {raw!r}"))
            else:
                out.append((0, name, ip, ts))


def _parse_csv(lines: list[str], out: _Out, problems: _Problems) -> None:
    first = True
    for no, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = [field.strip() for field in next(csv.reader([line]))]
        except csv.Error as err:
            problems.append((no, f"bad CSV: {err}"))
            continue
        if first:
            first, header = False, row[0].lower() in ("name", "host", "hostname", "domain", "fqdn", "query")
            if header and _norm_ip(row[1] if len(row) > 1 else "") is None:
                continue                  # a header row: the columns are by position (name,ip[,time])
        if not 2 <= len(row) <= 3:
            problems.append((no, f"expected name,ip[,time]: got {len(row)} column{'s' * (len(row) != 1)}"))
            continue
        try:
            ts = _time_ns(row[2]) if len(row) == 3 and row[2] else None
        except ValueError as err:
            problems.append((no, str(err)))
            continue
        (run := _Run()).add(no, row[0], row[1], problems)
        run.flush(ts, out, problems)


def _parse_hosts(lines: list[str], out: _Out, problems: _Problems) -> None:
    for no, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if (ip := _norm_ip(fields[0])) is None:
            problems.append((no, f"invalid IP address {fields[0]!r}"))
            continue
        if len(fields) == 1:
            problems.append((no, "an address without a name (dig +short output has none: use +noall +answer)"))
        for raw in fields[1:]:
            if (name := _norm_name(raw)) is None:
                problems.append((no, f"invalid host name {raw!r}"))
            else:
                out.append((no, name, ip, None))


def _detect(text: str, lines: list[str]) -> str | None:
    if text.lstrip()[:1] in ("{", "["):
        return "json"
    if any(_DIG_MARK.match(line) or _DIG_RR_STRICT.fullmatch(line) for line in lines):
        return "dig"
    if any(_NS_KEY.fullmatch(line.strip()) or _NS_CNAME.fullmatch(line.strip()) for line in lines):
        return "nslookup"
    first = next((line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    if "," in first:
        return "csv"
    return "hosts" if first and _norm_ip(first.split()[0]) is not None else None


_PARSERS = {"dig": _parse_dig, "nslookup": _parse_nslookup, "csv": _parse_csv, "hosts": _parse_hosts}


def load_snapshot(path: str | Path, *, default_ts_ns: int | None = None,
                  fmt: str = "auto") -> tuple[list[SnapshotEntry], list[LoadProblem]]:
    """Read a DNS snapshot: dig, nslookup, JSON, CSV or hosts (``fmt="auto"`` tells them apart by content).
    Entries without a time of their own get ``default_ts_ns``; they are in file order, and an identical
    (name, ip, ts_ns) is kept once. Raises only ``EnrichmentDataError`` for bad input."""
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"fmt must be 'auto' or one of {FORMATS}, not {fmt!r}")
    if default_ts_ns is not None and (not isinstance(default_ts_ns, int) or isinstance(default_ts_ns, bool)):
        raise TypeError(f"default_ts_ns must be int or None, not {type(default_ts_ns).__name__}")
    path = Path(path)
    text, read_problems = _read_text(path)
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if fmt == "auto":
        if (found := _detect(text, lines)) is None:
            if not any(line.strip() and not line.lstrip().startswith(("#", ";")) for line in lines):
                return [], read_problems           # empty, or comments only
            raise EnrichmentDataError(f"{path}: not a DNS snapshot in a known format ({', '.join(FORMATS)})")
        fmt = found
    out: _Out = []
    problems: _Problems = []
    if fmt == "json":
        _parse_json(text, path, out, problems)
    else:
        _PARSERS[fmt](lines, out, problems)
    entries, seen = [], set()
    for line, name, ip, ts in sorted(out, key=lambda entry: entry[0]):
        key = (name, ip, default_ts_ns if ts is None else ts)
        if key not in seen:
            seen.add(key)
            entries.append(SnapshotEntry(name, ip, key[2], str(path), line))
    problems.sort(key=lambda problem: problem[0])
    return entries, read_problems + [LoadProblem(str(path), line, detail) for line, detail in problems]


def load_ip_ranges(path: str | Path) -> tuple[IpRanges, list[LoadProblem]]:
    """Read AWS ip-ranges.json. Bad JSON or a missing top-level key raises ``EnrichmentDataError``; a bad
    prefix entry is skipped and returned as a ``LoadProblem`` (line 0, detail ``.prefixes[i]: ...``)."""
    path = Path(path)
    text, problems = _read_text(path)
    doc = _json(text, path)
    if not isinstance(doc, dict):
        raise EnrichmentDataError(f"{path}: ip-ranges.json is a JSON object, not {type(doc).__name__}")
    for key, kind in (("syncToken", str), ("createDate", str), ("prefixes", list), ("ipv6_prefixes", list)):
        if not isinstance(doc.get(key), kind):
            raise EnrichmentDataError(f"{path}: {key!r} is missing or not a {kind.__name__}: not an ip-ranges.json")
    ranges = IpRanges.from_prefixes(doc["prefixes"], doc["ipv6_prefixes"], doc["syncToken"], doc["createDate"])
    return ranges, problems + [LoadProblem(str(path), 0, f".{p.key}[{p.index}]: {p.detail}") for p in ranges.problems]
