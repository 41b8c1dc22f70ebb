"""The briefing's header and first sections: its date range, the summary (distinct sentences that stand alone,
articles' opening lines first) and the facts (sentences giving a quantity)."""

from __future__ import annotations

import re

from rag.answer.retrieve import Hit
from rag.answer.verify import numbers
from rag.reports.brief.evidence import Citations, Sent, diverse, relevant, stands_alone
from rag.reports.brief.timeline import compatible, same_event
from rag.reports.brief.tuning import TUNING
from rag.reports.dates import find_dates
from rag.reports.report_types import Item


def date_range(hits: list[Hit], pool: list[Sent]) -> str:
    """How many articles the briefing rests on and when they were published."""
    docs = {h.doc_id: h.date for h in hits if any(s.hit.doc_id == h.doc_id for s in relevant(pool))}
    dated = sorted(d for d in docs.values() if d)
    undated = len(docs) - len(dated)
    if not docs:
        return "no evidence found"
    when = (f"published {dated[0]}" if dated and dated[0] == dated[-1] else
            f"published {dated[0]} to {dated[-1]}" if dated else "none dated")
    extra = f", {undated} undated" if undated and dated else ""
    return f"{len(docs)} article{'s' * (len(docs) != 1)}, {when}{extra}"


def _by_importance(sents: list[Sent]) -> list[Sent]:
    """Most relevant first, the opening lines of articles (where news states its main event) ahead."""
    return sorted(sents, key=lambda s: -(s.relevance + TUNING.lead_bonus * s.lead))


def summary(pool: list[Sent], cites: Citations, used: list[Sent]) -> list[Item]:
    """The most important distinct sentences that read on their own; ``used`` receives them."""
    picked = diverse(_by_importance([s for s in relevant(pool) if stands_alone(s.text)]), TUNING.summary_max,
                     also=one_event)
    used += picked
    return [cites.item(s) for s in picked]


def facts(pool: list[Sent], cites: Citations, used: list[Sent]) -> list[Item]:
    """Sentences that give a quantity (not only a year), most relevant first, not repeating the summary."""
    cands = [s for s in relevant(pool) if quantity(s.text) and stands_alone(s.text)]
    return [cites.item(s) for s in diverse(cands, TUNING.facts_max, used, also=one_event)]


def one_event(a: Sent, b: Sent) -> bool:
    """Two articles' accounts of one dated event ("The Tories on Monday highlighted ..." twice): agreeing date
    phrases and the same event by the timeline's rule. (A shared figure is not enough: "$11bn fraud" describes
    the subject of opposite accounts.)"""
    return any(compatible(r, q) and same_event(a, r, b, q)
               for r in find_dates(a.text, a.hit.date) for q in find_dates(b.text, b.hit.date))


# A person's age ("Mr Ebbers, 63,") and a clock time ("by 0900 GMT") are not figures of the topic.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_NOT_A_FIGURE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}\b|\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?\b|"
                           r"(?<=[A-Za-z]), \d{1,3},|\b\d{3,4} (?:GMT|BST|local time)\b|\b\d{1,2}[:.]\d\d ?(?:am|pm)\b")


def quantity(s: str) -> bool:
    """A figure other than a date ("7 March" or "in 2003" is when, not how much), an age or a clock time."""
    for r in sorted(find_dates(s, None), key=lambda r: -r.start):
        s = s[:r.start] + " " + s[r.end:]
    s = _NOT_A_FIGURE.sub(" ", s)
    return any(not (v.is_integer() and 1900 <= v <= 2100) and v != 1.0 for _, v in numbers(s))
