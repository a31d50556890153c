"""Make capture text safe to show. Owns: terminal escaping of control characters and CSV formula
neutralisation. Imports: nothing.

Text from a capture (SNI, ALPN, names) is attacker-controlled: an SNI can carry ESC sequences that
repaint a terminal, or start with ``=`` and run as a formula when a CSV is opened in a spreadsheet.
"""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(value: str) -> str:
    """Control characters (C0, C1, DEL, bidi overrides) as visible \\xNN / \\uNNNN escapes."""
    return _CONTROL.sub(_escape_char, value)


def csv_cell(value: str) -> str:
    """A cell that a spreadsheet will not evaluate: formula-looking text gets a leading quote."""
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value
