"""A question as the pipeline takes it: terminal colour codes, control characters and runs of blanks removed,
cut to a length; nothing left is :class:`rag.errors.EmptyQuestion`."""

from __future__ import annotations

import re

from rag.errors import BadInput, EmptyQuestion

MAX_QUESTION_CHARS = 2000
_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")  # colour codes pasted from a terminal


def check_question(question: str) -> str:
    if question is not None and not isinstance(question, str):  # a number sent to the app's JSON endpoint
        raise BadInput(f"the question must be text, not {type(question).__name__}")
    q = _TERMINAL_ESCAPE.sub("", question or "")  # the whole sequence: "[31m" left behind is not a word
    q = " ".join(q.split())
    q = "".join(ch for ch in q if ch.isprintable())
    if not q:
        raise EmptyQuestion("the question is empty")
    return q[:MAX_QUESTION_CHARS]
