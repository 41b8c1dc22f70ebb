"""The plain data types of a briefing and of a grounding check (what the CLI prints as JSON and the UI shows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol

from rag.answer.results import Answer, Citation, LLMInfo

LABELS = ("supported", "contradicted", "not_found")


class Turn(Protocol):
    """One turn of a conversation as its exports read it (the app's ``rag.app.ui.Turn``)."""

    question: str
    answer: Answer | None  # None when the question failed
    error: str | None  # then, the error line shown


@dataclass(frozen=True)
class Item:
    """One cited sentence of a section (summary bullet, fact, one side of a conflict, an open question). Every
    item shown was verified against its citations: the ones that fail are dropped (rag/reports/brief/)."""

    text: str
    citations: list[int]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TimelineItem:
    date: str | None  # ISO at the precision known ("2022-10", "2023"); None when it cannot be resolved
    qualifier: str | None  # "late", "early", "about", "at latest", ...
    phrase: str  # the date phrase as the article writes it
    reason: str | None  # why ``date`` is None, or how it was resolved from a relative phrase
    text: str  # the event: the source sentence
    citations: list[int]
    until: str | None = None  # a range's end ("2000" to "2002"), kept as a range

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def shown_date(self) -> str:
        if self.date is None:
            return "date unknown"
        if self.until:
            return f"{self.date} to {self.until}"
        if self.qualifier and self.qualifier.endswith("0s"):
            return self.qualifier  # a decade: "late 1990s"
        return f"{self.qualifier} {self.date}" if self.qualifier else self.date


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # as the source words it ("then the under-secretary of defence for policy at the Pentagon")
    citations: list[int]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Conflict:
    """Sources that disagree: a statement that denies an account, beside the account(s) it denies, or two
    articles giving different values for one fact (``denial`` is then the second account)."""

    accounts: list[Item]
    denial: Item
    differs: str = "denied"  # "denied", or the differing values ("$27bn against $27.5bn")

    def to_dict(self) -> dict:
        return {"accounts": [a.to_dict() for a in self.accounts], "denial": self.denial.to_dict(),
                "differs": self.differs}


@dataclass
class Briefing:
    topic: str
    date_range: str  # of the evidence: publication dates and the dates of the events
    summary: list[Item] = field(default_factory=list)
    facts: list[Item] = field(default_factory=list)
    timeline: list[TimelineItem] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    open_questions: list[Item] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    mode: str = "extractive"  # "llm" when the summary was written by the model (and verified)
    llm: LLMInfo = field(default_factory=LLMInfo)
    timings_ms: dict[str, float] = field(default_factory=dict)
    markdown: str = ""

    def sections(self) -> dict:
        return {"summary": [x.to_dict() for x in self.summary], "facts": [x.to_dict() for x in self.facts],
                "timeline": [x.to_dict() for x in self.timeline], "people": [x.to_dict() for x in self.people],
                "conflicts": [x.to_dict() for x in self.conflicts],
                "open_questions": [x.to_dict() for x in self.open_questions]}

    def to_dict(self) -> dict:
        return {"topic": self.topic, "markdown": self.markdown, "date_range": self.date_range,
                "mode": self.mode, "llm": self.llm.to_dict(), "sections": self.sections(),
                "citations": [c.to_dict() for c in self.citations],
                "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()}}


@dataclass(frozen=True)
class ClaimEvidence:
    source: str
    start: int
    end: int
    quote: str  # == canonical_text(source)[start:end]
    title: str | None = None
    date: str | None = None

    def to_dict(self) -> dict:
        return {"source": self.source, "start": self.start, "end": self.end, "quote": self.quote}


@dataclass(frozen=True)
class ClaimResult:
    text: str
    label: str  # one of LABELS
    evidence: ClaimEvidence | None
    reason: str = ""  # why the label: the differing value, or the best similarity found
    start: int = 0  # offsets of the claim in the checked text
    end: int = 0

    def to_dict(self) -> dict:
        return {"text": self.text, "label": self.label,
                "evidence": self.evidence.to_dict() if self.evidence else None, "reason": self.reason}


@dataclass
class CheckReport:
    claims: list[ClaimResult] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def supported_share(self) -> float:
        return sum(c.label == "supported" for c in self.claims) / len(self.claims) if self.claims else 0.0

    @property
    def passed(self) -> bool:
        return all(c.label == "supported" for c in self.claims)

    def to_dict(self) -> dict:
        return {"claims": [c.to_dict() for c in self.claims], "supported_share": round(self.supported_share, 4),
                "counts": {label: sum(c.label == label for c in self.claims) for label in LABELS},
                "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()}}

    def summary(self) -> str:
        n = len(self.claims)
        counts = self.to_dict()["counts"]
        return (f"{counts['supported']} of {n} claims supported ({self.supported_share:.0%}); "
                f"{counts['contradicted']} contradicted, {counts['not_found']} not found")
