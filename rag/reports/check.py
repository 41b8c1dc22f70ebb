"""`rag check`: each sentence of a text is a claim, labelled against its retrieved passages by the entailment judge
(rag/answer/entail.py): supported when a sentence (or two adjacent ones) of a passage entails it and the passage
holds its numbers, dates and names; contradicted when a span about the same thing contradicts it or gives another
value in one of its slots (that span is shown); else not_found.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from rag.answer.components import Components
from rag.answer.entail import judge_claim
from rag.answer.markers import MARKER
from rag.answer.retrieve import Filters, Hit
from rag.errors import BadInput
from rag.reports.report_types import CheckReport, ClaimEvidence, ClaimResult
from rag.text import sentence_spans

MIN_WORDS = 3  # shorter lines (headings, list labels) are not claims
MAX_CLAIMS = 200
MAX_TEXT_CHARS = 100_000  # about 15,000 words: the first MAX_CLAIMS sentences of any text fit many times over
_MARKERS = re.compile(rf"\s*{MARKER.pattern}", re.I)  # citation markers of a checked answer: not claims
_BULLET = re.compile(r"^(?:[-*•]\s+|\d{1,3}[.)]\s+)")


@dataclass(frozen=True)
class Claim:
    text: str  # as written (bullet and citation markers removed)
    start: int
    end: int


def split_claims(text: str) -> list[Claim]:
    """The sentences of ``text`` worth checking, in order, with their offsets."""
    out = []
    for a, b in sentence_spans(text):
        bullet = _BULLET.match(text[a:b])
        a += bullet.end() if bullet else 0
        clean = " ".join(_MARKERS.sub("", text[a:b]).split())
        if len(re.findall(r"[A-Za-z0-9]+", clean)) >= MIN_WORDS:
            out.append(Claim(clean, a, b))
    return out[:MAX_CLAIMS]


def claims_in(text: str) -> list[Claim]:
    """The claims of a text; none, or a text too long to check, is a :class:`BadInput`."""
    if len(text) > MAX_TEXT_CHARS:
        raise BadInput(f"the text is too long to check ({len(text):,} characters; at most {MAX_TEXT_CHARS:,})",
                       f"check it in parts (each sentence is a claim; at most {MAX_CLAIMS} are checked)")
    claims = split_claims(text)
    if not claims:
        raise BadInput("the text has no sentences to check")
    return claims


def check_text(parts: Components, text: str, k: int | None = None, filters: Filters | None = None) -> CheckReport:
    t0 = time.perf_counter()
    claims = claims_in(text)
    found = [parts.retriever.search(c.text, k, filters) for c in claims]
    t1 = time.perf_counter()
    results = [check_claim(parts, c, hits) for c, hits in zip(claims, found, strict=True)]
    t2 = time.perf_counter()
    return CheckReport(results, {"retrieve": (t1 - t0) * 1000, "verify": (t2 - t1) * 1000, "total": (t2 - t0) * 1000})


def check_claim(parts: Components, claim: Claim, hits: list[Hit]) -> ClaimResult:
    """The entailment judge's label for one claim against its retrieved passages (rag/answer/entail.py), with the
    deciding span as evidence when it is supported or contradicted."""
    evs = [parts.evidence(n + 1, hit) for n, hit in enumerate(hits)]
    j = judge_claim(parts.judge.entailer, claim.text, [e.text for e in evs], parts.judge.entail,
                    [e.blocked for e in evs])
    evidence = None
    if j.window is not None and j.label != "not_found":
        hit, ev = hits[j.window.source], evs[j.window.source]
        c = parts.cite(1, hit, ev.start + j.window.start, ev.start + j.window.end)
        evidence = ClaimEvidence(c.source, c.start, c.end, c.quote, c.title, c.date)
    return ClaimResult(claim.text, j.label, evidence, j.reason, claim.start, claim.end)
