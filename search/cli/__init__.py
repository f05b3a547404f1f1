"""The `gcm-search` command line: one thin function per command (parse -> library -> render).

Exit codes: 0 success (for `search`, at least one result), 1 nothing found or an error,
2 a usage error. Errors are one line on stderr, never a traceback.

Each command's module (find, cite, corpus, serve, outputs) is imported only when that command runs
(`app.COMMANDS`); `commands()` loads them all. `run` is the program itself (the console script
and `python -m search` call it by way of `search.__main__`): `main` with the start-up costs of a
short-lived process trimmed.
"""

from __future__ import annotations

import click

from .app import main, run

__all__ = ["commands", "main", "run"]


def commands() -> dict[str, click.Command]:
    """Every command by name, each module loaded (for help pages, documentation and tests)."""
    context = click.Context(main, info_name="gcm-search")
    found = {name: main.get_command(context, name) for name in main.list_commands(context)}
    return {name: command for name, command in found.items() if command is not None}
