"""Everything that reaches a terminal is escaped the same way (issue 10, reliability case 2 and the invisible
characters): file names in Error lines and click's own messages, capture text in table, report and show.
Run through ``python -m pcaptls`` (the real entry point: click's messages are escaped there)."""
from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bench import hostile
from tests.conftest import CAPTURES, ROOT

EVIL = "evil\x1b[2J\x1b]52;c;SGk=\x07\u202e.pcap"       # clear screen, clipboard write (OSC 52), BEL, RLO
INVISIBLE = "\u200b\u200f\u061c"                       # zero width space, RLM, Arabic letter mark


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pcaptls", *args], capture_output=True, cwd=ROOT, timeout=120)


def _raw_controls(data: bytes) -> list[str]:
    text = data.decode("utf-8", "surrogateescape")
    return sorted({c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")})


@pytest.fixture
def evil_capture(tmp_path: Path) -> Path:
    """The reproducer of error-line-terminal-escape: an evil name, the capture cut short so an error is shown."""
    path = tmp_path / EVIL
    path.write_bytes((CAPTURES / "corpus" / "arkime" / "mysql-tls.pcap").read_bytes()[:1000])
    return path


@pytest.mark.parametrize("command", [["inspect", "-q"], ["inspect"], ["report"], ["show"], ["names"]])
def test_a_file_name_in_an_error_line_is_escaped(evil_capture: Path, command: list[str]) -> None:
    done = _run(*command, str(evil_capture))
    assert done.returncode == 1
    assert b"Error: " in done.stderr and _raw_controls(done.stderr) == []
    assert b"evil\\x1b[2J\\x1b]52;c;SGk=\\x07\\u202e.pcap" in done.stderr


def test_a_file_name_in_a_batch_failure_is_escaped(evil_capture: Path, tmp_path: Path) -> None:
    done = _run("batch", str(evil_capture), "--out", str(tmp_path / "out"), "-j", "1")
    assert done.returncode == 3 and b"failed: " in done.stderr and _raw_controls(done.stderr) == []


def test_clicks_own_messages_are_escaped(tmp_path: Path) -> None:
    done = _run("inspect", "--ip-ranges", str(tmp_path / EVIL), str(tmp_path / "x.pcap"))
    assert done.returncode == 2 and b"does not exist" in done.stderr and _raw_controls(done.stderr) == []


def test_a_file_name_that_is_not_utf8_is_shown_not_crashed_on(tmp_path: Path) -> None:
    name = tmp_path.as_posix().encode() + b"/bad\xff\xfe.pcap"
    with open(name, "wb") as f:
        f.write((CAPTURES / "corpus" / "arkime" / "mysql-tls.pcap").read_bytes()[:1000])
    done = subprocess.run([sys.executable, "-m", "pcaptls", "inspect", name], capture_output=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert b"bad\\udcff\\udcfe.pcap" in done.stderr and _raw_controls(done.stderr) == []


@pytest.fixture
def invisible_sni(tmp_path: Path) -> Path:
    """A ClientHello whose SNI holds the three characters that shifted table columns."""
    path = tmp_path / "invisible.pcap"
    with open(path, "wb") as f:
        w = hostile.Writer(f)
        c = hostile.client_ip(0)
        w(hostile.START_US, hostile.tcp(c, 40000, hostile.SERVER, 443, 1000, 0, hostile.SYN))
        w(hostile.START_US + 1, hostile.tcp(c, 40000, hostile.SERVER, 443, 1001, 1, hostile.ACK | hostile.PSH,
                                            hostile.client_hello(sni=f"a{INVISIBLE}b.example".encode())))
    return path


@pytest.mark.parametrize("command", [["inspect"], ["report"], ["report", "--format", "markdown"], ["show"],
                                     ["inspect", "--format", "csv"]])
def test_invisible_format_characters_are_made_visible(invisible_sni: Path, command: list[str]) -> None:
    done = _run(*command, str(invisible_sni), "-q") if command[0] != "show" else _run(*command, str(invisible_sni))
    assert done.returncode == 0, done.stderr
    assert _raw_controls(done.stdout) == []
    assert b"a\\u200b\\u200f\\u061cb.example" in done.stdout
