"""The briefing's open questions: derived, never invented."""

from __future__ import annotations

import re

from rag.reports.brief.evidence import Citations, Sent, focused
from rag.reports.brief.tuning import TUNING
from rag.reports.report_types import Briefing, Conflict, Item

_UNCLEAR = re.compile(
    r"\b(?:it )?(?:remains? (?:unclear|uncertain|unknown|to be seen)|(?:is|was) (?:unclear|not clear|uncertain|"
    r"unknown)|no one knows)\b,?\s*(?P<rest>(?:how|whether|what|why|when|who|which|if)\b[^.;]*)", re.I)
_NO_COMMENT = re.compile(
    r"(?P<who>\b(?:the )?[A-Z][\w’']*(?: [A-Z][\w’']*)*) (?:did not|didn't|declined to|could not be reached to) "
    r"(?:respond|comment|reply)[^.;]*?(?:regarding|about|on) (?P<what>[^.;]+)")


def open_questions(b: Briefing, pool: list[Sent], cites: Citations) -> list[Item]:
    """What the sources call unclear (naming its subject) or decline to comment on, and disputed accounts."""
    unclear = _unclear(pool, cites)
    disputed = [Item(f"Which is right: “{_short(c.accounts[0].text)}” or “{_short(c.denial.text)}”? The sources "
                     f"give both ({_differs(c)}) and settle neither.", c.accounts[0].citations + c.denial.citations)
                for c in b.conflicts[:2]]
    # An event dated only "last week" or "on Sunday" in an undated article is not a question a reader can use
    # ("When exactly did this happen: 'last week'?" never says what "this" is): the timeline already says the
    # date is unknown, and why.
    out = unclear[:3] + disputed + unclear[3:]
    return out[:TUNING.questions_max]


def _unclear(pool: list[Sent], cites: Citations) -> list[Item]:
    out: list[Item] = []
    for s in focused(pool):
        m = _UNCLEAR.search(s.text)
        if m and names_its_subject(m.group("rest")):
            rest = m.group("rest").strip().rstrip(",")
            out.append(Item(f"{rest[0].upper()}{rest[1:]}? (the source says this is not known)",
                            [cites.add(s.hit, s.start, s.end)]))
        m = _NO_COMMENT.search(s.text)
        if m:
            out.append(Item(f"What does {m.group('who').strip()} say about {m.group('what').strip()}? "
                            "(it did not respond or comment)", [cites.add(s.hit, s.start, s.end)]))
    return out


# Words that point to a subject named elsewhere ("what this guy will bring", "whether he will bid").
_POINTS_AWAY = re.compile(r"\b(?:he|she|it|they|him|her|them|his|its|their|this|that|these|those)\b", re.I)


def names_its_subject(question: str) -> bool:
    """A question a reader can use alone: it names what it asks about (a name, or no word pointing elsewhere)."""
    names = re.findall(r"(?<!^)\b[A-Z][\w’'-]+", question.strip())
    return bool(names) or not _POINTS_AWAY.search(question)


def _short(text: str, words: int = 12) -> str:
    w = text.split()
    return " ".join(w[:words]).rstrip(",.;:") + ("…" if len(w) > words else "")


def _differs(c: Conflict) -> str:
    return "one denies the other" if c.differs == "denied" else c.differs
