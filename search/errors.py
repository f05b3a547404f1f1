"""One error hierarchy: every failure a user can cause or meet carries a message and a hint.

The CLI turns these into a one-line message and an exit code; nothing below the CLI prints.
"""

from __future__ import annotations


class GcmSearchError(Exception):
    """Base of all errors that gcm-search reports to a user instead of a traceback."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __reduce__(self) -> tuple[type[GcmSearchError], tuple[str, str]]:
        # Errors cross process boundaries (files are read in worker processes): keep the hint.
        return self.__class__, (self.message, self.hint)


class BadInput(GcmSearchError):
    """The user asked for something that cannot be: an unknown objective, id or option value."""

    exit_code = 2


class CorpusError(GcmSearchError):
    """The corpus or its catalog is missing, unreadable or inconsistent."""


class IndexUnavailable(GcmSearchError):
    """The index cannot be built, opened or written."""


class NotFound(GcmSearchError):
    """A passage or document id that is not in the index."""


class ModelUnavailable(GcmSearchError):
    """The embedding model's files are missing or damaged: searching by meaning cannot work,
    searching by words still can."""
