"""A briefing assembled: evidence retrieved and scored, each section picked from it, every item verified."""

from __future__ import annotations

import time

from rag.answer.components import Components
from rag.answer.questions import check_question
from rag.answer.retrieve import Filters
from rag.options import check_mode
from rag.reports.brief import conflicts, people, questions, summary, timeline
from rag.reports.brief.evidence import Citations, Sent, passages, relevant, retrieve, sentences
from rag.reports.brief.verification import verify
from rag.reports.brief_llm import llm_summary
from rag.reports.markdown import briefing_markdown
from rag.reports.report_types import Briefing


def build_briefing(parts: Components, topic: str, k: int | None = None, filters: Filters | None = None,
                   mode: str = "auto") -> Briefing:
    """``mode``: extractive, llm (the summary written by the model, every sentence verified), or auto (llm when
    a model is configured). Every other section is extractive either way."""
    topic = check_question(topic)
    check_mode(mode)
    t0 = time.perf_counter()
    hits = retrieve(parts, topic, k, filters)
    t1 = time.perf_counter()
    pool = sentences(parts, topic, hits)
    cites = Citations(parts)
    b = Briefing(topic, summary.date_range(hits, pool))
    used: list[Sent] = []
    b.summary = summary.summary(pool, cites, used)
    written, b.llm = llm_summary(parts, topic, passages(relevant(pool)), mode, cites.add)
    if written:
        b.summary, b.mode = written, "llm"
    b.facts = summary.facts(pool, cites, used)
    b.timeline = timeline.timeline(parts, pool, cites)
    b.people = people.people(pool, cites)
    b.conflicts = conflicts.conflicts(parts, topic, pool, cites, filters)
    b.open_questions = questions.open_questions(b, pool, cites)
    b.citations = verify(parts, b, cites.items)
    b.markdown = briefing_markdown(b)
    t2 = time.perf_counter()
    b.timings_ms = {"retrieve": (t1 - t0) * 1000, "assemble": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
    return b
