"""The whole exception hierarchy. Owns: every error type pcaptls raises for bad input.
Imports: nothing.

Contract (h11 style): ``inspect_file`` raises only ``CaptureError``; any other exception escaping
it is a bug. Bad *input* raises a ``PcapTlsError`` subclass; a bad *call* raises ValueError/TypeError.
Where pcaptls *writes* (an output file, a batch's output folder, temporary files) a failure raises
``OutputError``, which is deliberately not a ``PcapTlsError``: a full disk is never an input's fault.
"""
from __future__ import annotations


class PcapTlsError(Exception):
    """Base of every error pcaptls raises for bad input."""


class CaptureError(PcapTlsError):
    """The capture file cannot be read (unknown format, corrupt or truncated, unreadable)."""

    def __init__(self, detail: str, *, offset: int | None = None, path: str | None = None) -> None:
        self.detail = detail
        self.offset = offset
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" at offset {self.offset}" if self.offset is not None else ""
        prefix = f"{self.path}: " if self.path else ""
        return f"{prefix}{self.detail}{where}"


class MalformedInput(PcapTlsError):
    """Bytes that do not parse as the structure ``what``; ``offset`` is absolute in the stream."""

    def __init__(self, what: str, offset: int, detail: str) -> None:
        self.what = what
        self.offset = offset
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.what} at offset {self.offset}: {self.detail}"


class MalformedRecord(MalformedInput):
    """A TLS (or SSLv2) record header or framing is invalid."""


class MalformedHandshake(MalformedInput):
    """A handshake message (ClientHello, ServerHello, ...) is invalid."""


class MalformedExtension(MalformedHandshake):
    """A known extension whose body does not parse."""

    def __init__(self, what: str, offset: int, detail: str, *, ext_type: int) -> None:
        self.ext_type = ext_type
        super().__init__(what, offset, detail)


class MalformedDnsMessage(MalformedInput):
    """A DNS message (from the capture) that does not parse."""


class ResourceLimitExceeded(PcapTlsError):
    """A configured bound (buffer, record, handshake size, flow count) was hit on one flow."""

    def __init__(self, what: str, limit: int, detail: str = "") -> None:
        self.what = what
        self.limit = limit
        self.detail = detail
        super().__init__(f"{what} exceeds limit {limit}" + (f": {detail}" if detail else ""))


class EnrichmentDataError(PcapTlsError):
    """An enrichment file (DNS snapshot, ip-ranges.json, endpoint catalog) is unreadable or malformed."""


class InputError(PcapTlsError):
    """A batch input (a file, an archive, an archive member) cannot be listed or read: the message says why.
    ``status`` is the files.jsonl status it gets: "failed" (damaged, unreadable, unsupported) or "skipped"
    (not something pcaptls reads, e.g. a FIFO)."""

    def __init__(self, detail: str, *, status: str = "failed") -> None:
        self.detail = detail
        self.status = status
        super().__init__(detail)


class OutputError(Exception):
    """pcaptls cannot write where it was told to (disk full, read-only, no permission, a batch output folder
    in use). Not a ``PcapTlsError``: nothing is wrong with the input, and nothing not written is recorded as
    done."""
