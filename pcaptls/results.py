"""What one inspection produced. Owns: Connection, AlertInfo, FlowError, Report and the facts derived
from them (negotiated version, client max version, outcome). Imports: model, tls.hello, tls.registry, enrich.identity, errors.

Results hold parsed values only (ints, bytes, tuples, frozen hellos), never buffers; names and text
formatting belong to report/.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pcaptls.enrich.identity import ServerIdentity
from pcaptls.errors import CaptureError
from pcaptls.model import Endpoint
from pcaptls.tls import registry
from pcaptls.tls.hello import ClientHello, ServerHello, SSLv2ServerHello

ESTABLISHED = "established"
FAILED = "failed"
INCOMPLETE = "incomplete"


@dataclass(frozen=True, slots=True)
class AlertInfo:
    level: int
    description: int
    sender: str          # "client" or "server"
    ts_ns: int


@dataclass(frozen=True, slots=True)
class FlowError:
    """Why part of one flow could not be parsed; the flow stops being parsed there (Zeek's SetSkip)."""

    conn: int
    kind: str            # "malformed_record", "malformed_handshake", "malformed_extension", "gap", "resource_limit"
    direction: str       # "client" or "server"
    offset: int | None   # absolute offset in that direction's TCP stream
    detail: str


@dataclass(frozen=True, slots=True)
class Connection:
    capture: str
    conn: int                       # index of the TCP flow in the capture, in order of first packet
    ts_ns: int                      # first packet of the flow
    last_ts_ns: int
    transport: str
    client: Endpoint
    server: Endpoint
    client_hello: ClientHello | None
    client_record_version: int | None        # record-layer version of the record carrying the ClientHello
    server_hello: ServerHello | None         # the final ServerHello (never the HRR)
    server_record_version: int | None
    hello_retry_request: ServerHello | None
    retry_client_hello: ClientHello | None   # the second ClientHello, after an HRR
    sslv2_server_hello: SSLv2ServerHello | None
    alerts: tuple[AlertInfo, ...]
    client_encrypted: bool                   # client sent ChangeCipherSpec or encrypted records
    server_encrypted: bool
    closed_by: str | None                    # "fin", "rst" or None (still open when the capture ended)
    outcome: str
    tls_offset: int | None                   # bytes of plaintext before the ClientHello (STARTTLS, CONNECT, ...)
    upgrade: str | None                      # guess at the protocol that came before TLS
    gaps: int                                # holes in the TCP stream that were skipped
    packets: int
    client_payload_bytes: int
    server_payload_bytes: int
    errors: tuple[FlowError, ...] = ()
    identity: ServerIdentity | None = None   # server name, its source, AWS endpoint (enrich/identity.py)
    capture_file: str | None = None          # a rotated set read as one: the file of the flow's first packet


@dataclass(frozen=True, slots=True)
class Report:
    capture: str
    connections: tuple[Connection, ...]
    counters: dict[str, int] = field(default_factory=dict)
    flow_errors: tuple[FlowError, ...] = ()
    error: CaptureError | None = None        # the damage that stopped reading; connections before it are kept
    format: str | None = None
    compression: str | None = None


def _best_version(versions: tuple[int, ...]) -> int | None:
    ranked = [(registry.version_rank(v), v) for v in versions if not registry.is_grease(v)]
    ranked = [(r, v) for r, v in ranked if r is not None]
    return max(ranked)[1] if ranked else None


def client_supported_versions(conn: Connection) -> tuple[int, ...] | None:
    """The ClientHello's supported_versions list without GREASE, or None without the extension."""
    ch = conn.client_hello
    if ch is None or ch.supported_versions is None:
        return None
    return tuple(v for v in ch.supported_versions if not registry.is_grease(v))


def client_max_version(conn: Connection) -> int | None:
    """Highest non-GREASE supported_versions entry, else the hello's legacy_version."""
    ch = conn.client_hello
    if ch is None:
        return None
    if ch.supported_versions:
        best = _best_version(ch.supported_versions)
        if best is not None:
            return best
    return ch.legacy_version


def negotiated_version(conn: Connection) -> int | None:
    """What the server chose: supported_versions of the ServerHello, else its legacy_version."""
    sh = conn.server_hello
    if sh is not None:
        return sh.selected_version if sh.selected_version is not None else sh.legacy_version
    if conn.sslv2_server_hello is not None:
        return registry.SSL2
    return None


def first_alert(conn: Connection) -> AlertInfo | None:
    """The first fatal alert, else the first alert of any level."""
    for alert in conn.alerts:
        if alert.level == 2:
            return alert
    return conn.alerts[0] if conn.alerts else None
