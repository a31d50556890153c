"""pcaptls: offline TLS handshake inspector for packet captures.

Public API (h11 style: what ``__all__`` lists is the API). ``inspect_file`` raises only
``errors.CaptureError`` and only when nothing could be read; any other exception is a bug.
Names load on first use, so importing one layer (``pcaptls.tls.hello``) does not import them all.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Connection", "FlowError", "InspectOptions", "Report", "errors", "inspect_file", "iter_connections",
           "run_batch"]
__version__ = "0.1.0"

_WHERE = {
    "Connection": "pcaptls.results", "FlowError": "pcaptls.results", "Report": "pcaptls.results",
    "InspectOptions": "pcaptls.pipeline", "inspect_file": "pcaptls.pipeline",
    "iter_connections": "pcaptls.pipeline", "errors": None, "run_batch": "pcaptls.batch",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'pcaptls' has no attribute {name!r}")
    module = _WHERE[name]
    if module is None:
        return importlib.import_module(f"pcaptls.{name}")
    return getattr(importlib.import_module(module), name)
