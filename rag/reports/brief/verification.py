"""Every item of a briefing checked against its citations (rag/answer/verify.py's Verifier); what fails is dropped
and the citations of what is left renumbered."""

from __future__ import annotations

import re
from dataclasses import replace

from rag.answer.components import Components
from rag.answer.results import Citation
from rag.answer.verify import Evidence, Verifier, missing_facts
from rag.reports.report_types import Briefing, Conflict


def verify(parts: Components, b: Briefing, citations: list[Citation]) -> list[Citation]:
    """Every statement is checked against its citations like a generated answer; open questions (our own
    wording) must at least name nothing and give no number their citations lack."""
    by_n = {c.n: Evidence(c.n, c.quote, c.start, c.title, c.date) for c in citations}
    claims: list[tuple[object, str, list[int]]] = []
    for x in b.summary + b.facts:
        claims.append((x, x.text, x.citations))
    for c in b.conflicts:
        claims += [(a, a.text, a.citations) for a in [*c.accounts, c.denial]]
    claims += [(t, t.text, t.citations) for t in b.timeline]
    verdicts = parts.verifier().check_many([(text, [by_n[n] for n in ns], []) for _, text, ns in claims])
    # "Name, role" is a label, not a statement for the entailment judge: its words must be in the quote.
    people = [(p, f"{p.name}, {p.role}", p.citations) for p in b.people]
    verdicts += Verifier(parts.embedder, parts.settings.support_threshold).check_many(
        [(text, [by_n[n] for n in ns], []) for _, text, ns in people])
    claims += people
    bad = {id(obj) for (obj, _, _), v in zip(claims, verdicts, strict=True) if not v.supported}
    b.summary = [x for x in b.summary if id(x) not in bad]
    b.facts = [x for x in b.facts if id(x) not in bad]
    b.timeline = [x for x in b.timeline if id(x) not in bad]
    b.people = [x for x in b.people if id(x) not in bad]
    b.conflicts = [c for c in b.conflicts if id(c.denial) not in bad and all(id(a) not in bad for a in c.accounts)]
    b.open_questions = [q for q in b.open_questions
                        if not missing_facts(_without_notes(q.text), [by_n[n] for n in q.citations])]
    return _renumber(b, citations)


def _without_notes(text: str) -> str:
    """An open question without our parenthesised notes; parentheses inside its quotations are the source's."""
    parts = re.split(r"(“[^”]*”)", text)
    return "".join(p if p.startswith("“") else re.sub(r"\(.*?\)", "", p) for p in parts)


def _renumber(b: Briefing, citations: list[Citation]) -> list[Citation]:
    """Citations of the items that survived verification, numbered 1.. in order of first use."""
    order: dict[int, int] = {}
    items = [*b.summary, *b.facts, *b.timeline, *b.people,
             *(x for c in b.conflicts for x in [*c.accounts, c.denial]), *b.open_questions]
    for x in items:
        for n in x.citations:
            order.setdefault(n, len(order) + 1)
    fix = lambda x: replace(x, citations=[order[n] for n in x.citations])  # noqa: E731
    b.summary, b.facts, b.timeline = [fix(x) for x in b.summary], [fix(x) for x in b.facts], [
        fix(x) for x in b.timeline]
    b.people, b.open_questions = [fix(x) for x in b.people], [fix(x) for x in b.open_questions]
    b.conflicts = [Conflict([fix(a) for a in c.accounts], fix(c.denial), c.differs) for c in b.conflicts]
    by_old = {c.n: c for c in citations}
    return [replace(by_old[old], n=new) for old, new in sorted(order.items(), key=lambda x: x[1])]
