"""Every command has help with an example, and the docs mention every command and option."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pcaptls.cli import cli
from tests.conftest import ROOT

DOCS = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.commands.items())


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_command_has_help_with_example(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"pcaptls {name}" in result.output


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_command_and_options_are_documented(name: str, command: click.Command) -> None:
    assert f"pcaptls {name}" in DOCS, f"command {name} is not in README.md or docs/"
    for param in command.params:
        if isinstance(param, click.Option):
            assert any(opt in DOCS for opt in param.opts), f"{name} {param.opts} is not documented"


def test_guide_shows_current_real_output() -> None:
    import subprocess
    import sys
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "make_guide.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
