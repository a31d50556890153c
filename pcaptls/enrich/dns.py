"""Time-aware IP -> name table. Owns: answer validity windows, CNAME attribution, static entries, the memory cap.
Imports: enrich.dnsmsg (and stdlib only).

Two kinds of facts go in:

* **answers** (``add_answer``, ``add_message``): "at ``ts_ns`` a DNS answer said ``ip`` is ``name``, TTL ``ttl_s``".
  An answer is *valid* for a connection starting at ``ts`` when ``answer_ts <= ts < answer_ts + (ttl + grace)``.
  Among the valid answers the latest one wins (ties: the one added last). ``add_message`` attributes every A/AAAA
  reachable from a question through CNAMEs to the *question* name (what the client asked for, what the user
  knows) and keeps the CNAME targets as ``chain``; the TTL used is the smallest along the chain.
* **static entries** (``add_static``, e.g. a DNS snapshot file): no TTL. They are valid at any time but rank below
  every valid answer. Among them: the latest one timed at or before ``ts``, else the earliest one timed after it,
  else the untimed one added last.

``lookup(ip, ts, strict=False)`` falls back, when nothing is valid, to the latest answer at or before ``ts``
whatever its TTL, with ``stale=True``. Answers after ``ts`` are never used. Precedence between *sources* (SNI >
capture DNS > snapshot > ip-ranges) is the caller's; ``sources=`` restricts a lookup to some of them.

Grace (``DEFAULT_GRACE_S`` = 300 s): clients keep using an address after its TTL. In-process caches that ignore
the TTL hold it for 30 s (JVM ``networkaddress.cache.ttl``), 60 s (Chrome/Firefox host caches, plus Firefox's 60 s
grace) or 120 s (.NET ``DnsRefreshTimeout``); 300 s covers those with room. A longer grace would hide address churn
on cloud endpoints (ELB and CloudFront answers have TTL 60 s); anything older is still offered by
``strict=False``, marked stale. TTLs with the top bit set count as 0 (RFC 2181 8) and are capped at 7 days
(RFC 8767 4).

Memory: at most ``max_answers`` answers (default 40,000) and ``max_static`` static entries are kept. When an add
goes over the cap, the earliest answer of the IP whose answer was added longest ago is dropped, and
``counters["answers_evicted"]`` (or ``"static_evicted"``) counts it. Measured with tracemalloc (CPython 3.11, 200k
answers): about 95 bytes per answer for an IP already in the table and about 750 bytes for an answer that brings a
new IP (its text, name and per-IP arrays), so the default cap holds the table under roughly 30 MB in the worst
case (every answer a new IP), within the 150 MB the whole inspection may use, and far less for typical lookups.
"""
from __future__ import annotations

import bisect
import ipaddress
import sys
from array import array
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from pcaptls.enrich.dnsmsg import CLASS_IN, TYPE_A, TYPE_AAAA, TYPE_CNAME, DnsMessage

DEFAULT_GRACE_S = 300
DEFAULT_MAX_ANSWERS = 40_000
DEFAULT_MAX_STATIC = 1_000_000
MAX_TTL_S = 604_800          # RFC 8767 4: cap cached TTLs at 7 days
MAX_CNAME_CHAIN = 16         # CNAME hops followed from a question (resolvers stop at 8-16)
_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class NameHit:
    name: str
    source: str
    chain: tuple[str, ...]         # CNAME targets from ``name`` to the address record, in order
    first_seen_ns: int | None      # first/last answer (or timed static entry) naming this ip with this name+source
    last_seen_ns: int | None
    ts_ns: int | None              # time of the answer used; None for an untimed static entry
    stale: bool = False            # True: no valid answer, this is the latest earlier one (strict=False)


@dataclass(frozen=True, slots=True)
class NameEntry:
    ip: str
    names: tuple[str, ...]         # in first-seen order (untimed static names last, in the order added)
    first_seen_ns: int | None
    last_seen_ns: int | None
    source: str


class _IpAnswers:
    """One IP's answers, sorted by time (parallel arrays), and when each (name, source) was first and last seen.

    Most IPs are only ever given one (name, source): for them the summary is two ints, and the per-key dict
    (``seen``: key -> [first_ns, last_ns, answers held]) is only built when a second key turns up.
    """

    __slots__ = ("end", "first_ns", "ident", "last_ns", "max_window", "seen", "ts")

    def __init__(self, ts_ns: int) -> None:
        self.ts = array("q")
        self.end = array("q")
        self.ident: list[tuple[str, str, tuple[str, ...]]] = []     # (name, source, chain), shared when repeated
        self.seen: dict[tuple[str, str], list[int]] | None = None
        self.first_ns = self.last_ns = ts_ns
        self.max_window = 0

    def note(self, key: tuple[str, str], ts_ns: int) -> None:
        """Count one more answer for ``key`` (call before inserting it)."""
        if self.seen is None:
            if not self.ident or self.ident[0][:2] == key:
                self.first_ns, self.last_ns = min(self.first_ns, ts_ns), max(self.last_ns, ts_ns)
                return
            self.seen = {self.ident[0][:2]: [self.first_ns, self.last_ns, len(self.ident)]}
        span = self.seen.get(key)
        if span is None:
            self.seen[key] = [ts_ns, ts_ns, 1]
        else:
            span[0], span[1], span[2] = min(span[0], ts_ns), max(span[1], ts_ns), span[2] + 1

    def forget(self, key: tuple[str, str]) -> None:
        """One answer for ``key`` was evicted (first/last seen are kept while any answer for it is held)."""
        if self.seen is not None:
            span = self.seen[key]
            span[2] -= 1
            if not span[2]:
                del self.seen[key]

    def spans(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(name, source) -> (first_ns, last_ns), in the order the keys were first added."""
        if self.seen is None:
            return {self.ident[0][:2]: (self.first_ns, self.last_ns)} if self.ident else {}
        return {key: (span[0], span[1]) for key, span in self.seen.items()}

    def span(self, key: tuple[str, str]) -> tuple[int, int]:
        if self.seen is None:
            return self.first_ns, self.last_ns
        first, last, _ = self.seen[key]
        return first, last


class NameTable:
    """IP -> name facts with time-aware lookups; see the module docstring. Pure: no I/O, no clock."""

    def __init__(self, *, grace_s: int = DEFAULT_GRACE_S, max_answers: int = DEFAULT_MAX_ANSWERS,
                 max_static: int = DEFAULT_MAX_STATIC) -> None:
        if grace_s < 0 or max_answers < 1 or max_static < 1:
            raise ValueError("grace_s must be >= 0 and the caps >= 1")
        self.grace_s = grace_s
        self.max_answers = max_answers
        self.max_static = max_static
        self.counters: dict[str, int] = {}
        self._answers: dict[str, _IpAnswers] = {}
        self._order: deque[str] = deque()           # one ip per stored answer, in the order added (eviction)
        self._static: dict[str, dict[tuple[str, str, int | None], None]] = {}   # ip -> {(name, source, ts)}
        self._static_order: deque[tuple[str, tuple[str, str, int | None]]] = deque()

    def __len__(self) -> int:
        """Number of answers held (static entries not included)."""
        return len(self._order)

    # -- adding ------------------------------------------------------------------------------------------------

    def add_answer(self, ip: str, name: str, ts_ns: int, ttl_s: int, source: str = "dns",
                   chain: tuple[str, ...] = ()) -> None:
        """Record that ``ip`` answered for ``name`` at ``ts_ns`` with TTL ``ttl_s`` (wire value; clamped here)."""
        self._add(_ip_text(ip), _name_text(name), ts_ns, ttl_s, source, chain)

    def _add(self, ip: str, name: str, ts_ns: int, ttl_s: int, source: str, chain: tuple[str, ...]) -> None:
        """add_answer with ``ip`` and ``name`` already in canonical form."""
        ttl = 0 if ttl_s >= 1 << 31 or ttl_s < 0 else min(ttl_s, MAX_TTL_S)
        window = (ttl + self.grace_s) * _NS
        entry = self._answers.get(ip)
        if entry is None:
            entry = self._answers[ip] = _IpAnswers(ts_ns)
        entry.note((name, source), ts_ns)
        ident = (name, source, tuple(chain))
        if entry.ident and entry.ident[-1] == ident:
            ident = entry.ident[-1]                     # share the tuple between repeated answers
        i = len(entry.ts)
        if i and entry.ts[-1] > ts_ns:
            i = bisect.bisect_right(entry.ts, ts_ns)    # out of order: keep the arrays sorted by time
        entry.ts.insert(i, ts_ns)
        entry.end.insert(i, ts_ns + window)
        entry.ident.insert(i, ident)
        entry.max_window = max(entry.max_window, window)
        self._order.append(ip)
        while len(self._order) > self.max_answers:
            self._evict_answer()

    def add_message(self, msg: DnsMessage, ts_ns: int, source: str = "dns") -> int:
        """Add the addresses of one DNS response seen at ``ts_ns``; returns how many answers were added.

        Queries, non-QUERY opcodes and responses with rcode != 0 add nothing (counted in ``counters``). Addresses
        not reachable from any question are attributed to their own owner name.
        """
        if not msg.is_response or msg.opcode != 0:
            return self._count("dns_not_a_query_response")
        if msg.rcode != 0:
            return self._count("dns_rcode_error")
        aliases: dict[str, list[tuple[str, int]]] = {}
        addresses: dict[str, list[tuple[str, int]]] = {}
        for rr in msg.answers:
            if rr.rclass != CLASS_IN or rr.value is None:
                continue
            if rr.rtype == TYPE_CNAME:
                aliases.setdefault(rr.name, []).append((rr.value, rr.ttl))
            elif rr.rtype in (TYPE_A, TYPE_AAAA):
                addresses.setdefault(rr.name, []).append((rr.value, rr.ttl))
        added, used = 0, set()
        for qname in dict.fromkeys(q.name for q in msg.questions if q.qclass == CLASS_IN):
            todo: list[tuple[str, tuple[str, ...], int]] = [(qname, (), 1 << 32)]
            visited = {qname}
            name = _name_text(qname)
            while todo:                                  # breadth first along the CNAMEs, loops cut by visited
                owner, chain, ttl = todo.pop(0)
                for ip, ip_ttl in addresses.get(owner, ()):
                    self._add(_ip_text(ip), name, ts_ns, min(ttl, _ttl(ip_ttl)), source, chain)
                    used.add((owner, ip))
                    added += 1
                if len(chain) < MAX_CNAME_CHAIN:
                    for target, alias_ttl in aliases.get(owner, ()):
                        if target not in visited:
                            visited.add(target)
                            todo.append((target, (*chain, target), min(ttl, _ttl(alias_ttl))))
        for owner, ips in addresses.items():
            for ip, ip_ttl in ips:
                if (owner, ip) not in used:
                    self.add_answer(ip, owner, ts_ns, ip_ttl, source)
                    added += 1
        return added

    def add_static(self, ip: str, name: str, source: str = "snapshot", ts_ns: int | None = None) -> None:
        """Record a static fact (no TTL): ``ip`` is ``name`` as of ``ts_ns`` (None: at no particular time)."""
        ip = _ip_text(ip)
        key = (_name_text(name), source, ts_ns)
        entries = self._static.setdefault(ip, {})
        if key in entries:
            return
        entries[key] = None
        self._static_order.append((ip, key))
        while len(self._static_order) > self.max_static:
            old_ip, old_key = self._static_order.popleft()
            old = self._static[old_ip]
            del old[old_key]
            if not old:
                del self._static[old_ip]
            self._count("static_evicted")

    # -- asking ------------------------------------------------------------------------------------------------

    def lookup(self, ip: str, ts_ns: int, *, strict: bool = True,
               sources: Iterable[str] | None = None) -> NameHit | None:
        """The name for ``ip`` for a connection starting at ``ts_ns``; see the module docstring for the order."""
        if not self._answers and not self._static:      # nothing learnt (a capture without DNS): no parse
            return None
        ip = _ip_text(ip)
        wanted = None if sources is None else frozenset(sources)
        entry = self._answers.get(ip)
        latest = -1
        if entry is not None:
            latest = i = bisect.bisect_right(entry.ts, ts_ns) - 1
            while i >= 0 and entry.ts[i] + entry.max_window > ts_ns:
                if entry.end[i] > ts_ns and (wanted is None or entry.ident[i][1] in wanted):
                    return self._hit(entry, i, stale=False)
                i -= 1
        hit = self._static_hit(ip, ts_ns, wanted)
        if hit is not None or strict or entry is None:
            return hit
        while latest >= 0:
            if wanted is None or entry.ident[latest][1] in wanted:
                return self._hit(entry, latest, stale=True)
            latest -= 1
        return None

    def entries(self) -> list[NameEntry]:
        """One entry per (ip, source), sorted by ip (IPv4 before IPv6, numerically), then source."""
        # (ip, source) -> [(untimed, first_ns, order, name)] and the times seen
        groups: dict[tuple[str, str], list[tuple[bool, int, int, str]]] = {}
        times: dict[tuple[str, str], list[int]] = {}
        for ip, entry in self._answers.items():
            for n, ((name, source), (first, last)) in enumerate(entry.spans().items()):
                groups.setdefault((ip, source), []).append((False, first, n, name))
                times.setdefault((ip, source), []).extend((first, last))
        for ip, statics in self._static.items():
            for n, (name, source, ts) in enumerate(statics):
                groups.setdefault((ip, source), []).append((ts is None, ts or 0, n, name))
                times.setdefault((ip, source), []).extend(() if ts is None else (ts,))
        out = []
        for key, items in groups.items():
            names = tuple(dict.fromkeys(item[3] for item in sorted(items)))
            seen = times[key]
            out.append(NameEntry(key[0], names, min(seen, default=None), max(seen, default=None), key[1]))
        out.sort(key=lambda e: (_ip_sort_key(e.ip), e.source))
        return out

    # -- internals ---------------------------------------------------------------------------------------------

    def _hit(self, entry: _IpAnswers, i: int, stale: bool) -> NameHit:
        name, source, chain = entry.ident[i]
        first, last = entry.span((name, source))
        return NameHit(name, source, chain, first, last, entry.ts[i], stale)

    def _static_hit(self, ip: str, ts_ns: int, wanted: frozenset[str] | None) -> NameHit | None:
        statics = self._static.get(ip)
        if not statics:
            return None
        best = None
        rank = (-1, 0)
        for name, source, ts in statics:
            if wanted is not None and source not in wanted:
                continue
            if ts is None:
                candidate = (0, 0)                     # lowest: untimed (later-added wins ties via >=)
            elif ts <= ts_ns:
                candidate = (2, ts)                    # latest at or before ts
            else:
                candidate = (1, -ts)                   # else the earliest after ts
            if candidate >= rank:
                best, rank = (name, source, ts), candidate
        if best is None:
            return None
        name, source, ts = best
        timed = [t for n, s, t in statics if n == name and s == source and t is not None]
        return NameHit(name, source, (), min(timed, default=None), max(timed, default=None), ts, False)

    def _evict_answer(self) -> None:
        ip = self._order.popleft()
        entry = self._answers[ip]
        del entry.ts[0], entry.end[0]
        name, source, _ = entry.ident.pop(0)
        entry.forget((name, source))
        if not entry.ident:
            del self._answers[ip]
        self._count("answers_evicted")

    def _count(self, key: str) -> int:
        self.counters[key] = self.counters.get(key, 0) + 1
        return 0


def _ttl(ttl_s: int) -> int:
    return 0 if ttl_s >= 1 << 31 or ttl_s < 0 else ttl_s


_CANONICAL: dict[str, str] = {}      # address text -> its canonical text, for texts seen before (bounded)
_CANONICAL_MAX = 1 << 16


def _ip_text(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Canonical text of an address (``ipaddress``'s, as ``model`` uses); ValueError for a bad call. Texts
    seen before come from a bounded cache: DNS answers repeat the same addresses, and parsing one with
    ``ipaddress`` costs more than the rest of the answer."""
    if type(ip) is str:
        text = _CANONICAL.get(ip)
        if text is None:
            text = str(ipaddress.ip_address(ip))
            if len(_CANONICAL) >= _CANONICAL_MAX:
                _CANONICAL.clear()
            _CANONICAL[ip] = text
        return text
    return str(ip) if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else str(ipaddress.ip_address(ip))


def _name_text(name: str) -> str:
    """Lowercase, without the trailing dot (an escaped ``\\.`` at the end is part of the last label); interned, so
    a name with many addresses is stored once."""
    name = name.lower()
    if len(name) > 1 and name.endswith(".") and (len(name) - 1 - len(name[:-1].rstrip("\\"))) % 2 == 0:
        name = name[:-1]
    return sys.intern(name)


def _ip_sort_key(ip: str) -> tuple[int, int]:
    addr = ipaddress.ip_address(ip)
    return addr.version, int(addr)
