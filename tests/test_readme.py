"""The README's console sessions are real: each `$ gcm-search …` block is run and compared."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import commands, main
from search.config import Config

ROOT = Path(__file__).resolve().parent.parent

README = (ROOT / "README.md").read_text(encoding="utf-8")
_SESSION = re.compile(r"```console\n\$ gcm-search (.+?)\n(.*?)```", re.DOTALL)
SESSIONS = _SESSION.findall(README)


def test_readme_has_sessions() -> None:
    assert len(SESSIONS) >= 4


@pytest.mark.parametrize(("command", "expected"), SESSIONS, ids=[c for c, _ in SESSIONS])
def test_readme_session_output(command: str, expected: str, japan_config: Config) -> None:
    result = CliRunner().invoke(
        main,
        shlex.split(command),
        env={"GCM_SEARCH_CORPUS": str(japan_config.corpus),
             "GCM_SEARCH_INDEX": str(japan_config.index)},
    )
    # verify exits 1 for a misquote: a normal outcome, shown on purpose. What a session shows is
    # stdout; stderr may hold a note (--kwic counts what it does not show), never an error.
    assert result.exit_code in (0, 1) and "Error" not in result.stderr, result.output
    if os.environ.get("GCM_SEARCH_UPDATE_README"):  # regenerate: set it, run this test once
        text = (ROOT / "README.md").read_text(encoding="utf-8")
        old = f"$ gcm-search {command}\n{expected}"
        (ROOT / "README.md").write_text(
            text.replace(old, f"$ gcm-search {command}\n{result.stdout.rstrip()}\n"),
            encoding="utf-8")
        return
    assert result.stdout.rstrip() == expected.rstrip()


def test_readme_commands_are_the_cli_commands() -> None:
    """Every command of the CLI is documented in the README's table."""
    for name in commands():
        assert f"gcm-search {name}" in README, name
