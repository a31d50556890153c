"""Fuzz inputs. Owns: the seed corpus (every capture under fixtures/captures) and ``make_input(seed,
index)``, one input made from ``random.Random(f"...{seed}:{index}")`` alone, so any case can be rebuilt by
its number without running the ones before it. Imports: tests.fuzz.mutate, tests.fuzz.archives,
tests.conftest (fixture paths), stdlib.

Kinds of input (the share of each is fixed in ``_KINDS``):

- ``capture``: a seed capture (pcap, pcapng, or a compressed fixture as it is) with 1-6 mutations, then
  sometimes compressed (gzip, bzip2, xz, zstd); a compressed seed is sometimes decompressed first, mutated,
  and compressed again.
- ``archive``: a tar/tar.gz/tar.xz/tar.bz2/zip archive of 2-4 seed captures whose own bytes are mutated.
- ``archive-members``: the same archives, intact, of mutated captures.
- ``zip-flags``: a zip whose member is marked encrypted or given a compression method zipfile lacks
  (sometimes with its other members mutated as well).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import lru_cache

from tests.conftest import CAPTURES
from tests.fuzz import archives
from tests.fuzz.mutate import COMPRESSIONS, compress, decompress, mutate

SUFFIXES = (".pcap", ".pcapng", ".gz", ".zst")
_OPS = (1, 2, 3, 1, 2, 4, 6)          # operators per mutated capture: mostly few, sometimes many
_KINDS = {"capture": 50, "archive": 25, "archive-members": 15, "zip-flags": 10}
_COMPRESSED_EXT = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "zstd": ".zst"}
# The CLI renderings a case goes through, one per input in turn (input i gets CLI_VARIANTS[i % 12])
CLI_VARIANTS = tuple([("inspect", "--format", f) for f in ("table", "json", "jsonl", "csv", "cloudtrail")]
                     + [("report", "--format", f) for f in ("table", "json", "csv", "markdown")]
                     + [("show",), ("show", "--hex"), ("names",)])


@dataclass(frozen=True, slots=True)
class Seed:
    name: str               # path under fixtures/captures
    data: bytes             # the file as committed
    plain: bytes | None     # its content if the file is gzip or zstd


@dataclass(frozen=True, slots=True)
class Input:
    index: int
    kind: str               # one of _KINDS
    name: str               # file name for the case (the extension only helps a human; pcaptls reads content)
    data: bytes
    recipe: tuple[str, ...]  # how it was made, step by step
    cli: tuple[str, ...]     # the CLI variant it goes through


@lru_cache(maxsize=1)
def corpus() -> tuple[Seed, ...]:
    files = sorted(p for p in CAPTURES.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    seeds = []
    for path in files:
        data = path.read_bytes()
        seeds.append(Seed(path.relative_to(CAPTURES).as_posix(), data, decompress(data)))
    return tuple(seeds)


def corpus_digest() -> str:
    h = hashlib.sha256()
    for seed in corpus():
        h.update(seed.name.encode() + b"\0" + hashlib.sha256(seed.data).digest())
    return h.hexdigest()[:16]


def _mutated_capture(rng: random.Random, seeds: tuple[Seed, ...], recipe: list[str],
                     max_ops: int = 6) -> tuple[bytes, str]:
    """(bytes, extension) of one mutated seed capture; the steps are appended to ``recipe``."""
    seed = rng.choice(seeds)
    other = rng.choice(seeds)
    recipe.append(f"seed {seed.name}")
    data, ext = seed.data, "." + seed.name.rsplit(".", 1)[-1]
    recompress = None
    if seed.plain is not None and rng.random() < 0.5:
        recompress = "gzip" if seed.data[:2] == b"\x1f\x8b" else "zstd"
        data, ext = seed.plain, ".pcap"
        recipe.append("decompressed")
    data, ops = mutate(rng, data, (other.name, other.plain or other.data), min(max_ops, rng.choice(_OPS)))
    recipe += ops
    if recompress is None and rng.random() < 0.2:
        recompress = rng.choice(COMPRESSIONS)
    if recompress is not None:
        data = compress(recompress, data)
        ext += _COMPRESSED_EXT[recompress]
        recipe.append(f"compressed {recompress}")
    return data, ext


def _members(rng: random.Random, seeds: tuple[Seed, ...], recipe: list[str],
             mutated: bool) -> list[tuple[str, bytes]]:
    members = []
    for i in range(rng.randint(2, 4)):
        folder = "caps/" if rng.random() < 0.3 else ""
        if mutated and rng.random() < 0.8:
            sub: list[str] = []
            data, ext = _mutated_capture(rng, seeds, sub, max_ops=3)
            recipe.append(f"member {i}: " + ", ".join(sub))
        else:
            seed = rng.choice(seeds)
            data, ext = seed.data, "." + seed.name.rsplit(".", 1)[-1]
            recipe.append(f"member {i}: seed {seed.name}")
        members.append((f"{folder}m{i}{ext}", data))
    return members


def make_input(seed: int, index: int) -> Input:
    rng = random.Random(f"pcaptls-fuzz:{seed}:{index}")
    seeds = corpus()
    kind = rng.choices(list(_KINDS), list(_KINDS.values()))[0]
    recipe: list[str] = [kind]
    if kind == "capture":
        data, ext = _mutated_capture(rng, seeds, recipe)
    else:
        akind = rng.choice(("zip", "zip-deflated")) if kind == "zip-flags" else rng.choice(archives.KINDS)
        members = _members(rng, seeds, recipe, mutated=kind == "archive-members"
                           or (kind == "zip-flags" and rng.random() < 0.3))
        data, how = archives.build(akind, members, rng)
        recipe.append(f"archive {how}")
        ext = archives.ext(akind)
        if kind == "zip-flags":
            data, what = archives.damage_zip_member(data, rng)
            recipe.append(what)
        elif kind == "archive":
            other = rng.choice(seeds)
            data, ops = mutate(rng, data, (other.name, other.data), rng.randint(1, 3))
            recipe += ops
    return Input(index, kind, f"case-{index:06d}{ext}", data, tuple(recipe),
                 CLI_VARIANTS[index % len(CLI_VARIANTS)])
