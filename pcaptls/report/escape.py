"""Make capture text safe to show. Owns: terminal escaping of control and invisible characters and CSV
formula neutralisation. Imports: nothing.

Text from a capture (SNI, ALPN, names) and the names of capture files are attacker-controlled: an SNI or a
file name can carry ESC sequences that repaint a terminal or write its clipboard (OSC 52), invisible
characters that shift table columns or reorder what is shown (U+202E, U+200F, U+061C, U+200B), or start with
``=`` and run as a formula when a CSV is opened in a spreadsheet. Everything pcaptls prints to a terminal
goes through ``terminal`` (or ``terminal_lines`` for messages of several lines).
"""
from __future__ import annotations

import re

# Every character of Unicode categories Cc (C0, DEL, C1), Cf (format: bidi controls such as U+202E and
# U+200F, U+061C, zero-width U+200B..U+200D, U+FEFF, soft hyphen, the tag characters), Cs (lone surrogates:
# a file name with invalid UTF-8 arrives as U+DC80..U+DCFF), Zl and Zp (U+2028, U+2029), as ranges. Written
# out rather than computed at start-up (a scan of unicodedata takes 0.1 s); tests/report/test_escape.py
# checks it against the running Python's unicodedata.
INVISIBLE_RANGES = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xDFFF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_CONTROL = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in INVISIBLE_RANGES) + "]")
_CONTROL_BUT_NEWLINE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in INVISIBLE_RANGES)
                                  .replace("\\U00000000-\\U0000001f", "\\U00000000-\\U00000009\\U0000000b-\\U0000001f")
                                  + "]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def terminal(value: str) -> str:
    """Invisible and control characters (C0, C1, DEL, bidi and other format characters, lone surrogates,
    line/paragraph separators) as visible \\xNN / \\uNNNN / \\UNNNNNNNN escapes."""
    return _CONTROL.sub(_escape_char, value)


def terminal_lines(value: str) -> str:
    """``terminal`` for a message of several lines: the newlines are kept, everything else is escaped."""
    return _CONTROL_BUT_NEWLINE.sub(_escape_char, value)


def csv_cell(value: str) -> str:
    """A cell that a spreadsheet will not evaluate: formula-looking text gets a leading quote."""
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value
