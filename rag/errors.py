"""Errors a user is shown: :class:`RagError` and its kinds, each one line with an optional hint.

Only these (and ``OSError``, the file system's own word) are the user's problem, told apart by type, never by
message; anything else that reaches the CLI, the app or the API is a bug in citable, reported as an internal error
with a hint to rerun with ``RAG_DEBUG=1`` (which shows the traceback). An :class:`InternalError` is ours too, but
one we can name in a line (a prompt template damaged, the bundled model not exported): shown as it is, never as
the user's mistake (the API answers 500). This module is the bottom of the package: it imports nothing of it.
"""

from __future__ import annotations

DEBUG_HINT = "an internal error; rerun with RAG_DEBUG=1 to see the traceback"


class RagError(Exception):
    """An error shown to the user: ``message`` says what is wrong, ``hint`` (optional) what to do."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def line(self) -> str:
        """The message and the hint on one line."""
        text = f"{self.message}; {self.hint}" if self.hint else self.message
        return " ".join(text.split()) or type(self).__name__


class BadInput(RagError, ValueError):
    """A question, argument, file or request the user gave that cannot be used as it is."""


class EmptyQuestion(BadInput):
    """A question with nothing left once blanks and control characters are gone."""


class NotFound(RagError, LookupError):
    """A document (or other thing named by the user) that the index does not hold."""


class SettingsError(RagError, ValueError):
    """A setting (environment variable or flag) with a value it does not allow."""


class Busy(RagError):
    """Every slot for work (``RAG_CONCURRENCY``) stayed taken for longer than a request may wait."""


class StoreError(RagError):
    """The index cannot be used: missing, damaged, or its server unreachable."""


class InternalError(RagError):
    """Something of citable's own is broken in a way one line can say (a prompt file, the model's export)."""


def is_users(e: BaseException) -> bool:
    """Whether an error is the user's to fix (shown as it is) rather than a fault of citable's."""
    return isinstance(e, RagError | OSError) and not isinstance(e, InternalError)


def error_line(e: BaseException) -> str:
    """What the user sees of an error: one line. A :class:`RagError` or ``OSError`` is shown as it is;
    anything else is an internal error, named by type, with a hint to rerun with ``RAG_DEBUG=1``."""
    if isinstance(e, RagError):
        return e.line()
    msg = " ".join(str(e).split())
    if isinstance(e, FileNotFoundError):
        return msg or type(e).__name__
    if isinstance(e, OSError):
        return f"{type(e).__name__}: {msg}" if msg else type(e).__name__
    return f"{type(e).__name__}: {msg} ({DEBUG_HINT})" if msg else f"{type(e).__name__} ({DEBUG_HINT})"
