"""The extension lines of ``pcaptls show``. Owns: how each extension type the hellos decode is shown, and
which extension each ExtensionError is shown beside (linear in the hello). Imports: tls.registry, tls.hello,
report.escape, report.rows (and report.show's styling object, for its type only).

An extension whose decoded value the hello holds is shown by its ``Decoders`` entry; any other, a
repeat of a type, or one with an error, as hex. Capture text goes through ``escape.terminal``.
"""
from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pcaptls.report.escape import terminal
from pcaptls.report.rows import text
from pcaptls.tls import registry
from pcaptls.tls.hello import DUPLICATE, ClientHello, Extension, ExtensionError, ServerHello

if TYPE_CHECKING:
    from pcaptls.report.show import _Out as Out

__all__ = ["Decoders", "client_decoders", "extension_errors", "extension_lines", "server_decoders"]

_join = ", ".join
_RAW_SHOWN = 32                     # bytes of an undecoded extension body shown as hex

Decoders = dict[int, Callable[[], str | None]]


def client_decoders(o: Out, ch: ClientHello) -> Decoders:
    """Display of each extension type whose decoded value the ClientHello holds."""
    def each(values: tuple[int, ...] | tuple[bytes, ...] | None, show: Callable[[Any], str]) -> str | None:
        return None if values is None else _join(show(v) for v in values)

    def key_share() -> str | None:
        groups = each(ch.key_share_groups, lambda g: o.code(registry.GROUPS, g))
        return None if groups is None else f"key shares for {groups or 'no group'}"

    types = {e.type for e in ch.extensions or ()}
    out: Decoders = {
        registry.EXT_SERVER_NAME: lambda: f"host_name {_quote(ch.server_name)}" if ch.server_name is not None
        else "no host_name",
        registry.EXT_ALPN: lambda: each(ch.alpn, _quote),
        registry.EXT_SUPPORTED_VERSIONS: lambda: each(ch.supported_versions, o.version),
        registry.EXT_SUPPORTED_GROUPS: lambda: each(ch.supported_groups, lambda g: o.code(registry.GROUPS, g)),
        registry.EXT_SIGNATURE_ALGORITHMS: lambda: each(
            ch.signature_algorithms, lambda s: o.code(registry.SIGNATURE_SCHEMES, s)),
        registry.EXT_KEY_SHARE: key_share,
        registry.EXT_PSK_KEY_EXCHANGE_MODES: lambda: each(
            ch.psk_key_exchange_modes, lambda m: o.small(registry.PSK_KEY_EXCHANGE_MODES, m, width=1)),
        registry.EXT_EC_POINT_FORMATS: lambda: each(
            ch.ec_point_formats, lambda f: o.small(registry.EC_POINT_FORMATS, f)),
        registry.EXT_ENCRYPTED_CLIENT_HELLO: lambda: "[server_name above is the outer (public) name]",
    }
    if registry.EXT_KEY_SHARE not in types:        # the drafts' key_share; ClientHello holds one of the two
        out[registry.EXT_KEY_SHARE_OLD] = key_share
    return out


def server_decoders(o: Out, sh: ServerHello) -> Decoders:
    """Display of each extension type whose decoded value the ServerHello / HelloRetryRequest holds."""
    def group() -> str | None:
        if sh.key_share_group is None:
            return None
        shown = o.code(registry.GROUPS, sh.key_share_group)
        return f"selected group {shown}" if sh.is_hello_retry_request else f"key share for {shown}"

    types = {e.type for e in sh.extensions or ()}
    out: Decoders = {
        registry.EXT_SUPPORTED_VERSIONS: lambda: o.version(sh.selected_version) if sh.selected_version else None,
        registry.EXT_ALPN: lambda: None if sh.alpn is None else _quote(sh.alpn),
        registry.EXT_KEY_SHARE: group,
    }
    if registry.EXT_KEY_SHARE not in types:
        out[registry.EXT_KEY_SHARE_OLD] = group
    return out


def extension_lines(o: Out, exts: tuple[Extension, ...] | None, errors: tuple[ExtensionError, ...],
                    decoders: Decoders) -> None:
    if exts is None:
        o.add(2, "Extensions: none (no extensions block)")
        return
    o.add(2, f"Extensions ({len(exts)}):")
    placed, apart = _errors_by_extension(exts, errors)
    seen: set[int] = set()
    for i, ext in enumerate(exts):
        errs = placed.get(i, ())
        decode = decoders.get(ext.type)
        value = decode() if decode is not None and not errs and ext.type not in seen else None
        seen.add(ext.type)
        size = len(ext.data)
        line = f"{o.code(registry.EXTENSIONS, ext.type)}, {size} byte{'' if size == 1 else 's'}"
        if value is None:
            value = _raw(ext.data)
        if value:
            line += f" {value}" if value.startswith("[") else f": {value}"
        o.add(3, line + "".join(f"  [malformed: {terminal(e.detail)}]" for e in errs))
    extension_errors(o, apart)


def extension_errors(o: Out, errors: Iterable[ExtensionError]) -> None:
    """Extension errors on lines of their own (not beside an extension line)."""
    for e in errors:
        o.add(2, f"[malformed extension {e.ext_type:#06x} at offset {e.offset}: {terminal(e.detail)}]")


def _errors_by_extension(exts: tuple[Extension, ...], errors: tuple[ExtensionError, ...]
                         ) -> tuple[dict[int, list[ExtensionError]], list[ExtensionError]]:
    """The errors of each extension (by its index in ``exts``), and those of none, in error order.

    Linear in the hello (a hello may carry thousands of extensions and as many errors): extensions are
    indexed by offset and each error looks up the ones that may hold it. The parser's extensions do not
    overlap, so at most two hold an offset: the one starting there and the one whose body ends there (a
    body cut short fails just past its end). The parser puts a duplicate's error at its type field, so
    that one is the later extension's; any other error is in the body of the earlier one.
    """
    order = sorted(range(len(exts)), key=lambda i: exts[i].offset)
    starts = [exts[i].offset for i in order]
    placed: dict[int, list[ExtensionError]] = {}
    apart: list[ExtensionError] = []
    for err in errors:
        at = bisect.bisect_right(starts, err.offset)        # order[at - 1] starts at or before the error
        owners = [i for i in order[max(at - 2, 0):at] if _error_in(err, exts[i])]
        if owners:
            owner = owners[-1] if err.detail == DUPLICATE else owners[0]
            placed.setdefault(owner, []).append(err)
        else:
            apart.append(err)
    return placed, apart


def _error_in(err: ExtensionError, ext: Extension) -> bool:
    return err.ext_type == ext.type and ext.offset <= err.offset <= ext.offset + 4 + len(ext.data)


# ---- helpers ----------------------------------------------------------------------------------------------

def _quote(raw: bytes) -> str:
    """Wire bytes as a quoted, escaped string (invalid UTF-8 as \\xNN, control characters escaped)."""
    return '"' + terminal(text(raw) or "").replace('"', '\\"') + '"'


def _raw(data: bytes) -> str:
    if data and not any(data):
        return "all zero"
    shown = data[:_RAW_SHOWN].hex()
    return shown + ("…" if len(data) > _RAW_SHOWN else "")
