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
    """What the sources call unclear or decline to comment on, disputed accounts, undated events."""
    unclear = _unclear(pool, cites)
    disputed = [Item(f"Which is right: “{_short(c.accounts[0].text)}” or “{_short(c.denial.text)}”? The sources "
                     f"give both ({_differs(c)}) and settle neither.", c.accounts[0].citations + c.denial.citations)
                for c in b.conflicts[:2]]
    undated = [Item(f"When exactly did this happen: “{t.phrase}”? ({t.reason})", t.citations)
               for t in b.timeline if t.date is None][:2]
    out = unclear[:3] + disputed + undated + unclear[3:]
    return out[:TUNING.questions_max]


def _unclear(pool: list[Sent], cites: Citations) -> list[Item]:
    out: list[Item] = []
    for s in focused(pool):
        m = _UNCLEAR.search(s.text)
        if m:
            rest = m.group("rest").strip().rstrip(",")
            out.append(Item(f"{rest[0].upper()}{rest[1:]}? (the source says this is not known)",
                            [cites.add(s.hit, s.start, s.end)]))
        m = _NO_COMMENT.search(s.text)
        if m:
            out.append(Item(f"What does {m.group('who').strip()} say about {m.group('what').strip()}? "
                            "(it did not respond or comment)", [cites.add(s.hit, s.start, s.end)]))
    return out


def _short(text: str, words: int = 12) -> str:
    w = text.split()
    return " ".join(w[:words]).rstrip(",.;:") + ("…" if len(w) > words else "")


def _differs(c: Conflict) -> str:
    return "one denies the other" if c.differs == "denied" else c.differs
