"""pcaptls: offline TLS handshake inspector for packet captures.

Public API (h11 style: what ``__all__`` lists is the API). ``inspect_file`` raises only
``errors.CaptureError`` and only when nothing could be read; any other exception is a bug.
"""
from __future__ import annotations

from pcaptls import errors
from pcaptls.pipeline import InspectOptions, inspect_file, iter_connections
from pcaptls.results import Connection, FlowError, Report

__all__ = ["Connection", "FlowError", "InspectOptions", "Report", "errors", "inspect_file", "iter_connections"]
__version__ = "0.1.0"
