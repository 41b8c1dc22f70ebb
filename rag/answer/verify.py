"""Checking a generated sentence against the passages it cites.

A sentence is supported when it cites at least one existing passage, every number, date, quoted phrase and
name in it appears in the cited passages (normalised: "$3.6 billion" == "3.6bn", curly == straight quotes),
its negation agrees with the closest source sentence, and its meaning is close to a sentence (or two adjacent
sentences) of the cited passages by the bundled embedding model. The citation is narrowed to that closest span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rag.answer.entail import judge_claim, windows
from rag.answer.facts import (
    MONTH_NAMES,
    contradicts,
    differing_facts,
    facts_missing_from,
    months,
    names,
    negated,
    negation_scopes,
    numbers,
    quotes,
)
from rag.ingest.embed import Embedder

if TYPE_CHECKING:
    from rag.answer.judge import Judge

# The fact finders moved to rag/answer/facts.py; these names stay importable from here.
__all__ = ["Evidence", "Span", "Verdict", "Verifier", "contradicts", "differing_facts", "missing_facts", "months",
           "names", "negated", "negation_scopes", "numbers", "quotes"]


@dataclass(frozen=True)
class Evidence:
    """One numbered passage shown to the model: ``text == canonical_text[start:start + len(text)]``."""

    n: int
    text: str
    start: int
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    blocked: tuple[tuple[int, int], ...] = ()  # spans (relative to text) that may never support a claim


@dataclass(frozen=True)
class Span:
    n: int  # the passage
    start: int  # absolute offsets into the canonical text
    end: int
    similarity: float


@dataclass
class Verdict:
    supported: bool
    score: float  # 0..1: similarity, reduced by each failed check
    problems: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)  # per cited passage, the closest exact span


def missing_facts(sentence: str, sources: list[Evidence]) -> list[str]:
    """The numbers, dates, quoted phrases and names of ``sentence`` that none of ``sources`` contains."""
    text = " \n".join(_visible(e) for e in sources)
    meta = " ".join(f"{e.title or ''} {_date_words(e.date)}" for e in sources)
    return facts_missing_from(sentence, f"{text} {meta}")


def _date_words(date: str | None) -> str:
    if not date or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return ""
    y, m, d = date.split("-")
    return f"{int(d)} {MONTH_NAMES[int(m) - 1].title()} {y}"


def _visible(e: Evidence) -> str:
    """The passage without its blocked spans (text addressed to an AI never supports a claim)."""
    text = e.text
    for a, b in sorted(e.blocked, reverse=True):
        text = text[:a] + " " + text[b:]
    return text


# -- the verifier ------------------------------------------------------------------------------------
class Verifier:
    """``judge`` (optional): its entailment model must also find a span of the cited passages that entails the
    sentence; the checks above are kept, so the judge can only withhold support, never grant it."""

    def __init__(self, embedder: Embedder, threshold: float = 0.55, judge: Judge | None = None) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.judge = judge

    def units(self, e: Evidence) -> list[tuple[int, int, bool]]:
        """Candidate spans of a passage (relative offsets): each sentence, and each two adjacent sentences;
        the flag marks single sentences (whose negation is compared). The entailment judge's windows."""
        return [(w.start, w.end, w.single) for w in windows(e.text, e.blocked)]

    def check(self, sentence: str, cited: list[Evidence], invalid: list[int] | None = None) -> Verdict:
        return self.check_many([(sentence, cited, invalid or [])])[0]

    def check_many(self, items: list[tuple[str, list[Evidence], list[int]]]) -> list[Verdict]:
        """Verdicts for many sentences; all texts are embedded in one batch."""
        passages = {id(e): e for _, cited, _ in items for e in cited}
        units = {k: self.units(e) for k, e in passages.items()}
        texts = [s for s, _, _ in items]
        offsets: dict[int, int] = {}
        for k, e in passages.items():
            offsets[k] = len(texts)
            texts += [e.text[a:b] for a, b, _ in units[k]]
        vecs = self.embedder.embed(texts) if texts else np.zeros((0, 1))
        out = []
        for i, (sentence, cited, invalid) in enumerate(items):
            spans: list[Span] = []
            best: tuple[float, Evidence, int, int, bool] | None = None
            for e in cited:
                us = units[id(e)]
                if not us:
                    continue
                sims = vecs[offsets[id(e)]:offsets[id(e)] + len(us)] @ vecs[i]
                j = self._narrowest(sentence, e, us, sims)
                a, b, _ = us[j]
                spans.append(Span(e.n, e.start + a, e.start + b, float(sims[j])))
                top = int(np.argmax(sims))  # meaning is judged by the closest span, cited or not
                if best is None or sims[top] > best[0]:
                    best = (float(sims[top]), e, *us[top])
            out.append(self._judge(sentence, cited, invalid, spans, best, vecs, offsets, units, i))
        return out

    def _judge(self, sentence: str, cited: list[Evidence], invalid: list[int], spans: list[Span],
               best: tuple | None, vecs: np.ndarray, offsets: dict, units: dict, i: int) -> Verdict:
        problems = [f"cites passage [{n}], which does not exist" for n in invalid]
        if not cited:
            return Verdict(False, 0.0, problems + ["no citation"], [])
        if best is None:
            return Verdict(False, 0.0, problems + ["the cited passage has no usable text"], spans)
        sim = best[0]
        facts = missing_facts(sentence, cited)
        problems += facts
        score = max(0.0, sim) * (0.5 ** len(facts))
        source = best[1].text[best[2]:best[3]] + " \n" + self._closest_single(cited, vecs, offsets, units, i)
        if contradicts(sentence, source):
            problems.append("it contradicts the cited passage (negation differs)")
            score *= 0.5
        if sim < self.threshold:
            problems.append(f"its meaning is not close to the cited passage (similarity {sim:.2f})")
        # The entailment judge can only withhold support: it misses many negations and reversed roles that the
        # rules above catch (tests/test_verify.py's seed cases), and reads some paraphrases as contradictions.
        entailer = self.judge.entailer if self.judge is not None else None
        if entailer is not None and not problems:
            j = judge_claim(entailer, sentence, [e.text for e in cited], self.judge.entail, [e.blocked for e in cited])
            score = min(score, j.probs[0])
            if j.label == "contradicted":
                problems.append(f"the cited passage contradicts it ({j.reason})")
            elif j.label != "supported":
                problems.append(f"the judge does not find it stated in the cited passage ({j.reason})")
        return Verdict(not problems, round(score, 4), problems, spans)

    @staticmethod
    def _narrowest(sentence: str, e: Evidence, us: list[tuple[int, int, bool]], sims: np.ndarray) -> int:
        """The span to cite: the closest in meaning among those holding the most of the sentence's facts, so a
        reader finds the number or name in the quote itself."""
        order = [int(j) for j in np.argsort(-sims)[:6]]
        part = [Evidence(e.n, e.text[a:b], 0, e.title, e.date) for a, b, _ in (us[j] for j in order)]
        misses = [len(missing_facts(sentence, [p])) for p in part]
        return order[min(range(len(order)), key=lambda x: (misses[x], x))]

    @staticmethod
    def _closest_single(cited: list[Evidence], vecs: np.ndarray, offsets: dict, units: dict, i: int) -> str:
        best, text = -2.0, ""
        for e in cited:
            for j, (a, b, single) in enumerate(units[id(e)]):
                s = float(vecs[offsets[id(e)] + j] @ vecs[i])
                if single and s > best:
                    best, text = s, e.text[a:b]
        return text
