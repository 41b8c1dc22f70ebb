"""Prompts (``prompts/*.txt``, loaded by name) and how passages are put in them: delimited, numbered data.

Article text is untrusted. It goes into the prompt only inside ``<passage>`` tags that it cannot close, and
sentences of it that address an AI assistant ("ignore previous instructions ...", found by rag/injection.py) are
replaced by a notice: the model never reads them and they can never support a claim.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rag.injection import instruction_spans
from rag.verify import Evidence

__all__ = ["REMOVED", "instruction_spans", "load_prompt", "fill", "shown_text", "passages_block",
           "answer_messages", "rewrite_messages"]

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
REMOVED = "[removed: text addressed to an AI assistant]"


@lru_cache(maxsize=16)
def load_prompt(name: str) -> dict[str, str]:
    """A prompt file's sections (``=== system ===``, ``=== user ===``) by name."""
    text = (PROMPTS / f"{name}.txt").read_text(encoding="utf-8")
    parts = re.split(r"^=== (\w+) ===\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


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
