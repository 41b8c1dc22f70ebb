"""How an error is shown to a user: one line (the CLI, a line of ``rag ask --batch``, the app's API)."""

from __future__ import annotations

from pathlib import Path

from rag.engine import EmptyQuestion
from rag.evaluate import BadQuestionSet
from rag.index import DamagedStore, NoIndex, damaged


def error_line(e: BaseException, index_dir: Path | None = None) -> str:
    """What the user sees of an error: one line, the message alone for errors whose message says it all; an
    error of a damaged index file (given ``index_dir``) names the file and the remedy."""
    e = (damaged(e, index_dir) if index_dir is not None else None) or e
    known = (NoIndex, DamagedStore, EmptyQuestion, BadQuestionSet, FileNotFoundError, ValueError, LookupError)
    msg = str(e) if isinstance(e, known) else f"{type(e).__name__}: {e}"
    return " ".join(msg.split()) or type(e).__name__
