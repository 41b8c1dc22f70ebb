"""Prompts (``prompts/*.txt``, loaded by name) and how passages are put in them: delimited, numbered data.

The templates are package data in ``rag/prompts/`` (the project's ``prompts/`` is a link to that folder, so
they are edited where the layout puts them and a wheel holds the files), read with ``importlib.resources``.
Each is checked when loaded: its sections, and exactly the placeholders its caller fills.

Article text is untrusted. It goes into the prompt only inside ``<passage>`` tags that it cannot close, and
sentences of it that address an AI assistant ("ignore previous instructions ...", found by rag/answer/injection.py) are
replaced by a notice: the model never reads them and they can never support a claim.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from rag.answer.injection import instruction_spans
from rag.answer.verify import Evidence
from rag.errors import InternalError

__all__ = ["REMOVED", "instruction_spans", "load_prompt", "fill", "shown_text", "passages_block",
           "answer_messages", "rewrite_messages"]

REMOVED = "[removed: text addressed to an AI assistant]"
SECTIONS = {"system", "user"}
# The placeholders each prompt's user section must hold: what its caller fills, no more, no fewer.
PLACEHOLDERS = {"answer": {"passages", "question"}, "brief": {"passages", "topic"}, "rewrite": {"history", "question"}}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class PromptError(InternalError):
    """A prompt file that is missing, or whose sections or placeholders are not what its caller fills."""

    hint = "restore it from the project's prompts/ folder"


@lru_cache(maxsize=16)
def load_prompt(name: str) -> dict[str, str]:
    """A prompt file's sections (``=== system ===``, ``=== user ===``) by name, checked."""
    try:
        text = (resources.files("rag") / "prompts" / f"{name}.txt").read_text(encoding="utf-8")
    except OSError as e:
        raise PromptError(f"the prompt {name!r} cannot be read ({e.strerror or e})") from None
    parts = re.split(r"^=== (\w+) ===\s*$", text, flags=re.M)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != SECTIONS:
        raise PromptError(f"prompts/{name}.txt has sections {sorted(sections)}, not {sorted(SECTIONS)}")
    found = set(_PLACEHOLDER.findall(sections["user"]))
    expected = PLACEHOLDERS.get(name, found)
    if found != expected or _PLACEHOLDER.search(sections["system"]):
        raise PromptError(f"prompts/{name}.txt has placeholders {sorted(found)}; its caller fills "
                          f"{sorted(expected)} in the user section only")
    return sections


def fill(template: str, **values: str) -> str:
    """Placeholders ``{name}`` replaced in one pass (values may contain braces: article text does)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def shown_text(e: Evidence) -> str:
    """The passage as the model reads it: blocked sentences replaced, our delimiters defused."""
    text = e.text
    for a, b in sorted(e.blocked, reverse=True):
        text = text[:a] + REMOVED + text[b:]
    text = re.sub(r"<\s*/?\s*(passage|question)\b[^>]*>", "[tag removed]", text, flags=re.I)
    return " ".join(text.split())


def passages_block(evidence: list[Evidence]) -> str:
    out = []
    for e in evidence:
        title = " ".join((e.title or "untitled").split())[:200].replace('"', "'").replace("<", "(").replace(">", ")")
        out.append(f'<passage n="{e.n}" title="{title}" date="{e.date or "unknown"}">\n{shown_text(e)}\n</passage>')
    return "\n\n".join(out)


def answer_messages(question: str, evidence: list[Evidence]) -> list[dict[str, str]]:
    p = load_prompt("answer")
    user = fill(p["user"], passages=passages_block(evidence), question=question.replace("<", "("))
    return [{"role": "system", "content": p["system"]}, {"role": "user", "content": user}]


def rewrite_messages(question: str, history: list[tuple[str, str]]) -> list[dict[str, str]]:
    p = load_prompt("rewrite")
    turns = "\n".join(f"User: {q}\nAssistant: {' '.join(a.split())[:600]}" for q, a in history[-3:])
    return [{"role": "system", "content": p["system"]},
            {"role": "user", "content": fill(p["user"], history=turns, question=question)}]
