"""Generated answers: retrieve, prompt the model with numbered passages, stream its tokens, then verify every
sentence against the passages it cites. Any failure falls back to the extractive answer, with the reason."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from rag.answer import markers
from rag.answer.chat import History, rewrite
from rag.answer.components import Components
from rag.answer.extractive import extractive_answer
from rag.answer.llm import NOT_CONFIGURED, ChatModel, LLMError
from rag.answer.prompting import answer_messages
from rag.answer.questions import check_question
from rag.answer.results import REFUSAL, Answer, AnswerSentence, Citation, Event, LLMInfo
from rag.answer.retrieve import Filters, Hit
from rag.answer.verify import Verdict
from rag.options import uses_model

NONE_SUPPORTED = "no sentence of the model's answer was supported by the passages it cites"

_REFUSAL = re.compile(
    r"\b(?:sources?|passages?|articles?|context|text|information)\b.{0,40}?\b(?:do not|don't|does not|doesn't|"
    r"did not|cannot|can't|fail to)\b.{0,30}?\b(?:answer|say|mention|contain|provide|include|state|specify|"
    r"address|cover)|\bnot (?:mentioned|stated|specified|covered) in the (?:sources|passages|articles)\b",
    re.I)


def answer_stream(c: Components, question: str, k: int | None, filters: Filters | None, mode: str,
                  history: History | None, strict: bool) -> Iterator[Event]:
    use_llm = uses_model(mode, c.settings.llm_configured)
    question = check_question(question)
    s = c.settings
    model = ChatModel(s) if use_llm and s.llm_configured else None
    t0 = time.perf_counter()
    standalone, error = rewrite(question, history or [], model) if history else (question, None)
    asked = standalone if standalone != question else None

    def fallback(reason: str | None, called: bool) -> Event:
        ans = extractive_answer(c, standalone, k, filters)
        ans.question, ans.standalone_question = question, asked
        name = (model.chosen if model else None) or s.llm_model
        ans.llm = LLMInfo(name, called, reason) if use_llm else LLMInfo(s.llm_model, False, None)
        return Event("answer", answer=ans)

    if not use_llm or model is None or error is not None:  # the model is not asked (or failed to rewrite)
        called = use_llm and model is not None and error.called
        yield fallback(None if not use_llm else NOT_CONFIGURED if model is None else str(error), called)
        return
    t1 = time.perf_counter()
    hits = c.retriever.search(standalone, k, filters)
    if not hits:
        yield fallback("no passage matched the question, so the model was not asked", False)
        return
    evidence = [c.evidence(i + 1, h) for i, h in enumerate(hits)]
    t2 = time.perf_counter()
    pieces: list[str] = []
    try:
        for delta in model.stream(answer_messages(standalone, evidence)):
            pieces.append(delta)
            yield Event("token", text=delta)
    except LLMError as e:
        yield fallback(str(e), e.called)
        return
    t3 = time.perf_counter()
    info = LLMInfo(model.model(), True, None)
    parsed = markers.parse("".join(pieces), len(evidence))
    if not parsed:
        yield fallback("the model's output contained no sentence", True)
        return
    if all(_REFUSAL.search(p.text) and not p.markers for p in parsed):
        yield Event("answer", answer=Answer(question, REFUSAL, "llm", True, llm=info, standalone_question=asked,
                                            timings_ms=_timings(t0, t1, t2, t3, time.perf_counter())))
        return
    verdicts = c.verifier().check_many(
        [(p.text, [evidence[n - 1] for n in p.markers], p.invalid) for p in parsed])
    kept = [(p, v) for p, v in zip(parsed, verdicts, strict=True) if v.supported or not strict]
    if not kept:
        yield fallback(NONE_SUPPORTED + " (--strict)", True)
        return
    ans = _assemble(c, question, kept, hits)
    ans.llm, ans.standalone_question = info, asked
    ans.timings_ms = _timings(t0, t1, t2, t3, time.perf_counter())
    yield Event("answer", answer=ans)


def _assemble(c: Components, question: str, kept: list[tuple[markers.CitedSentence, Verdict]],
              hits: list[Hit]) -> Answer:
    """Sentences with their narrowed citations, numbered in order of first use."""
    citations: list[Citation] = []
    number: dict[tuple[str, int, int], int] = {}
    sentences = []
    for p, v in kept:
        ns: list[int] = []
        for span in v.spans:
            hit = hits[span.n - 1]
            key = (hit.doc_id, span.start, span.end)
            if key not in number:
                number[key] = len(citations) + 1
                citations.append(c.cite(number[key], hit, span.start, span.end))
            if number[key] not in ns:
                ns.append(number[key])
        sentences.append(AnswerSentence(p.text, ns, v.supported, v.score, v.problems))
    text = " ".join(f"{x.text} {''.join(f'[{n}]' for n in x.citations)}".strip() for x in sentences)
    confidence = sum(x.support for x in sentences) / len(sentences)
    return Answer(question, text, "llm", False, citations, sentences, confidence=confidence)


def _timings(t0: float, t1: float, t2: float, t3: float, t4: float) -> dict[str, float]:
    return {"rewrite": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000, "llm": (t3 - t2) * 1000,
            "verify": (t4 - t3) * 1000, "total": (t4 - t0) * 1000}
