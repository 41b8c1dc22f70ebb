"""The plain data types an answer is made of (what the CLI prints as JSON and the UI shows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

LOW_CONFIDENCE = 0.5  # an answer the judge gives less than even odds of being right is set apart wherever shown

REFUSAL = "The sources don't answer this."


@dataclass(frozen=True)
class Citation:
    n: int
    source: str  # as shown: relative to the working directory when under it
    title: str | None
    date: str | None
    start: int
    end: int
    quote: str  # == canonical_text(source)[start:end]
    page: int | None = None  # 1-based, for paged documents (PDF): canonical_text.count("\f", 0, start) + 1

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def location(self) -> str:
        """Where the quote is in its document: ``p. 2 [120:180]`` for paged documents, ``[120:180]`` otherwise."""
        span = f"[{self.start}:{self.end}]"
        return f"p. {self.page} {span}" if self.page is not None else span


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citations: list[int]
    supported: bool
    support: float
    problems: list[str] = field(default_factory=list)  # why verification did not support it (empty: none)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LLMInfo:
    """What the generative model did for an answer (``called``: the server answered)."""

    model: str | None = None
    called: bool = False
    fallback_reason: str | None = None  # why the shown answer is not the model's (None: it is, or no LLM asked)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answer: str
    mode: str  # "extractive" | "llm"
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Extractive: the judge's probability, calibrated on held-out questions, that the answer is right (the refusal
    # compares the uncalibrated one); generated: the mean support of its sentences (each is checked and shown).
    confidence: float = 0.0
    llm: LLMInfo = field(default_factory=LLMInfo)
    standalone_question: str | None = None  # a follow-up rewritten with its conversation, when there was one
    related: Citation | None = None  # a refusal's closest sentence: related, not an answer
    warnings: list[str] = field(default_factory=list)  # what made this answer worse (a degraded index)
    notes: list[str] = field(default_factory=list)  # what the user should know: articles a filter left out

    @property
    def low_confidence(self) -> bool:
        """An extractive answer the judge gives less than even odds of being right: set apart wherever shown."""
        return not self.refused and self.mode == "extractive" and self.confidence < LOW_CONFIDENCE

    def confidence_note(self) -> str | None:
        """The judge's calibrated confidence, the line every extractive answer carries wherever it is shown or
        exported (CLI, app, Markdown and Word exports), set apart below even odds; None for refusals and for
        answers a model wrote (their sentences are checked one by one instead)."""
        if self.refused or self.mode != "extractive":
            return None
        if self.low_confidence:
            return f"Low confidence ({self.confidence:.0%}): read the sources"
        return f"Confidence {self.confidence:.0%}"

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "mode": self.mode,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "confidence": round(self.confidence, 4),
            "llm": self.llm.to_dict(),
            "standalone_question": self.standalone_question,
            "related": self.related.to_dict() if self.related else None,
            "warnings": list(self.warnings),
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: kind "token" (text) or "answer" (the final, checked answer)."""

    kind: str
    text: str = ""
    answer: Answer | None = None
