"""Checks shared by the CLI tests."""

from __future__ import annotations

from click.testing import Result


def one_line_error(result: Result) -> str:
    """The error a user sees: one "Error:" line on stderr, nothing on stdout, no traceback."""
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.rstrip().splitlines()[-1] == errors[0]
    return errors[0]
