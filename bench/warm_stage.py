"""The warm stage: in-process answers and briefings over the BBC index, then a cProfile pass."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import common
from common import BRIEF_TOPICS, lat, questions


def _sentence_vectors_for(engine: Any, qs: list[str]) -> int:
    """Store sentence vectors for the passages these questions retrieve, if the index lacks them (a bench index
    is built without, to save time): the same lookups as a fully backfilled index for these questions."""
    from rag.answer.extractive import split_question
    from rag.ingest import sentence_vectors
    from rag.store.ingestion import store_sentence_vectors

    pids = {h.pid for q in qs for part in {q, *split_question(q)} for h in engine.search(part)}
    catalog = engine.index().catalog
    missing = sorted(pids - set(catalog.sentence_vectors(pids, sentence_vectors.VERSION)))
    passages = catalog.passages(missing)
    docs = {d: catalog.doc(d) for d in {p.doc_id for p in passages.values()}}
    todo = [(pid, getattr(docs[p.doc_id], "title", None), p.text) for pid, p in passages.items()]
    if todo:
        store_sentence_vectors(engine.index(), engine.embedder, todo)
    return len(todo)


def stage_warm(args: argparse.Namespace, work: Path) -> dict:
    import cProfile
    import io
    import pstats

    from rag.app.engine import Engine
    from rag.settings import Settings

    engine = Engine(Settings(index_dir=Path(args.index)))
    engine.ask("What happened to the warm-up question?", mode="extractive")
    qs = questions()
    added = _sentence_vectors_for(engine, qs)

    def run() -> tuple[list[float], list[float], list[float], int]:
        engine.embedder._query_cache.clear()
        totals, retrieve, answer, refused = [], [], [], 0
        for q in qs:
            t0 = time.perf_counter()
            a = engine.ask(q, mode="extractive")
            totals.append(time.perf_counter() - t0)
            retrieve.append(a.timings_ms.get("retrieve", 0) / 1000)
            answer.append(a.timings_ms.get("answer", 0) / 1000)
            refused += a.refused
        return totals, retrieve, answer, refused

    from rag.answer import extractive

    stored = extractive.stored_vectors
    extractive.stored_vectors = lambda c: lambda pids: {}  # as before they were stored: embed sentences now
    try:
        slow = run()[0]
    finally:
        extractive.stored_vectors = stored
    totals, retrieve, answer, refused = run()
    briefs = {}
    for topic in BRIEF_TOPICS:  # issue 5: an extractive briefing over BBC on a business topic, under a minute
        t0 = time.perf_counter()
        b = engine.brief(topic, mode="extractive")
        briefs[topic] = {"seconds": round(time.perf_counter() - t0, 2), "citations": len(b.citations)}
    engine.embedder._query_cache.clear()
    prof = cProfile.Profile()
    prof.enable()
    for q in qs[:15]:
        engine.ask(q, mode="extractive")
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
    (common.RESULTS / "profile_warm_ask.txt").write_text(buf.getvalue())
    return {"ask": lat(totals), "retrieve": lat(retrieve), "answer": lat(answer), "refused": refused,
            "questions": len(qs), "backend": engine.embedder.backend, "sentence_vectors_added": added,
            "ask_embedding_sentences_at_query_time": lat(slow), "briefings": briefs}


