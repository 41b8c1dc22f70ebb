"""Conversations: follow-up questions made standalone before retrieval, and the history a chat keeps."""

from __future__ import annotations

import re

from rag.answer.extension_points import ChatLLM
from rag.answer.llm import LLMError
from rag.answer.prompting import rewrite_messages
from rag.text import terms

History = list[tuple[str, str]]  # (question, answer) turns, oldest first

_FOLLOW_UP_START = re.compile(
    r"^(?:and|but|so|also|then|what about|how about|and what about|what else|same for|"
    r"what of|or)\b", re.I)
# Pronouns that point back to someone or something named earlier.
_PRONOUN = re.compile(r"\b(?:it|its|they|them|their|he|him|his|she|her)\b", re.I)
# Words that point back only in a question that names nothing itself: "that" also joins clauses ("reported that
# Putin asked ..."), "there" also states existence ("Are there plans ...?").
_WEAK_REFERENCE = re.compile(r"\b(?:that|this|those|these|there|then|the same|such)\b", re.I)
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’\-]+")


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation: opens with a connective, points back with a pronoun while
    naming at most one thing of its own, uses "that"/"there" while naming nothing, or is too short."""
    q = question.strip()
    named = len(_NAME.findall(q))
    return bool(_FOLLOW_UP_START.match(q) or (_PRONOUN.search(q) and named < 2)
                or (_WEAK_REFERENCE.search(q) and named == 0) or len(terms(q)) < 2)


def carry_over(question: str, history: History) -> str:
    """Without a model: the follow-up with the subject of the conversation appended, so retrieval and the
    extractive answerer see both ("and how much did that cost?" -> "... (Musk Starlink Ukraine)")."""
    if not history or not is_follow_up(question):
        return question
    context: list[str] = []
    for q, _ in reversed(history[-3:]):
        context[:0] = [t for t in _content_words(q) if t.lower() not in {c.lower() for c in context}]
        if not is_follow_up(q):
            break
    own = {t.lower() for t in _content_words(question)}
    extra = [w for w in context if w.lower() not in own]
    q = _FOLLOW_UP_START.sub("", question.strip()).lstrip(" ,") or question.strip()
    q = q[0].upper() + q[1:]
    return f"{q.rstrip('?').rstrip()} ({' '.join(extra)})?" if extra else q


def _content_words(text: str) -> list[str]:
    """Words of a question worth carrying over: not stop words or question words, as written."""
    keep = set(terms(text))
    out = []
    for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]", text):
        if terms(w) and terms(w)[0] in keep and w.lower() not in {"much", "many", "long", "did", "does"}:
            out.append(w)
    return list(dict.fromkeys(out))


def rewrite(question: str, history: History, model: ChatLLM | None) -> tuple[str, LLMError | None]:
    """The standalone form of ``question``; with a model, it rewrites, else (or if its rewrite is unusable) the
    context is carried over. Returns the error that made the model unusable, if any."""
    if not history:
        return question, None
    if model is not None:
        try:
            text = model.complete(rewrite_messages(question, history), max_tokens=80)
        except LLMError as e:
            return carry_over(question, history), e
        rewritten = usable_rewrite(text, question, history)
        if rewritten:
            return rewritten, None
    return carry_over(question, history), None


def usable_rewrite(text: str, question: str, history: History) -> str | None:
    """The model's rewrite if it is one question about the conversation, not an answer or a ramble."""
    line = next((x.strip() for x in text.strip().splitlines() if x.strip()), "")
    line = re.sub(r"^(?:standalone question|question|rewritten question|user|assistant)\s*:\s*", "", line,
                  flags=re.I)
    line = line.strip(" \"'“”*")
    if not line or len(line) > 300 or "?" not in line and not re.match(r"(?i)(who|what|when|where|why|how|which|"
                                                                        r"did|does|do|is|are|was|were|can)\b", line):
        return None
    if " ".join(line.lower().split()) == " ".join(question.lower().split()) and is_follow_up(question):
        return None  # "rewritten" as itself, though it leans on the conversation
    if any(" ".join(line.lower().split()) == " ".join(q.lower().split()) for q, _ in history):
        return None  # an earlier question repeated: the follow-up's own point is lost
    known = set(terms(question)) | {t for q, a in history[-3:] for t in terms(f"{q} {a}")}
    mine = set(terms(line))
    if terms(question) and not mine & set(terms(question)):
        return None  # the follow-up's own words must survive the rewrite
    return line if mine and len(mine & known) >= max(1, len(mine) // 2) else None
