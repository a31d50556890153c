"""Refresh the shipped AWS endpoint catalog from an installed botocore. Owns: copying endpoints.json + SOURCE.md.
Imports: enrich.aws, errors; botocore lazily (it is not a pcaptls dependency).

Run by a maintainer (the CLI wires a command to ``refresh_catalog``), never during an inspection.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib
import os
from pathlib import Path

from pcaptls.enrich.aws import SHIPPED_CATALOG, SHIPPED_INDEX, index_document, load_catalog
from pcaptls.errors import EnrichmentDataError

INSTALL_ADVICE = "install it with `pip install botocore` (or `pip install -U botocore` for the newest catalog)"


def refresh_catalog(dest: Path, *, date: str | None = None) -> str:
    """Copy botocore's data/endpoints.json to ``dest`` (gzip-compressed if ``dest`` ends in .gz).

    The catalog is indexed once before it is written, so a file pcaptls cannot read never replaces a good
    one. With ``date`` (YYYY-MM-DD, chosen by the caller: this module reads no clock) SOURCE.md is rewritten
    beside ``dest``. Returns the botocore version the catalog came from.
    """
    try:
        botocore = importlib.import_module("botocore")
    except ImportError as err:
        raise EnrichmentDataError(f"botocore is not installed; {INSTALL_ADVICE}") from err
    version = str(getattr(botocore, "__version__", "unknown"))
    source = Path(botocore.__file__).parent / "data" / "endpoints.json"
    try:
        raw = source.read_bytes()
    except OSError as err:
        raise EnrichmentDataError(f"botocore {version} has no readable {source}: {err}") from err
    catalog = load_catalog(raw)
    dest = Path(dest)
    data = gzip.compress(raw, compresslevel=9, mtime=0) if dest.suffix == ".gz" else raw
    _write_atomically(dest, data)
    _write_atomically(dest.parent / SHIPPED_INDEX, index_document(data, catalog))
    if date is not None:
        note = source_note(version, date, hashlib.sha256(raw).hexdigest(), len(raw), len(catalog), dest.name)
        _write_atomically(dest.parent / "SOURCE.md", note.encode())
    return version


def source_note(version: str, date: str, sha256: str, size: int, hostnames: int, filename: str) -> str:
    """The text of SOURCE.md for a catalog snapshot."""
    return (
        "# AWS endpoint catalog snapshot\n\n"
        f"`{filename}` is `botocore/data/endpoints.json` from **botocore {version}** (PyPI wheel),\n"
        f"taken on **{date}**, gzip-compressed (level 9, mtime 0) and otherwise unchanged.\n\n"
        f"- uncompressed size: {size} bytes\n"
        f"- SHA-256 of the uncompressed file: `{sha256}`\n"
        f"- hostnames pcaptls indexes from it: {hostnames}\n\n"
        "botocore is Apache-2.0 licensed (Copyright Amazon.com, Inc. or its affiliates).\n"
        "Refresh with `pcaptls.enrich.catalog_refresh.refresh_catalog(path, date=...)`; see docs/aws.md.\n"
        f"- `{SHIPPED_INDEX}`: the hostnames pcaptls renders from it, pre-rendered (written by the refresh; "
        f"used only when its recorded SHA-256 matches `{filename}`).\n"
    )


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise EnrichmentDataError(f"cannot write {path}: {err}") from err


def shipped_catalog_path() -> Path:
    """The catalog file inside the installed package (what ``load_shipped_catalog`` reads)."""
    return Path(__file__).resolve().parent / "data" / SHIPPED_CATALOG
