"""What the pipeline's steps receive from the Engine: citations and evidence read back from the canonical text."""

from __future__ import annotations

from llm_fixtures import engine_with

from rag.answer.components import Components
from rag.answer.verify import Verifier
from rag.app.engine import Engine


def test_citations_and_evidence_are_read_back_from_the_canonical_text(seeds_engine: Engine):
    c = seeds_engine.components()
    assert isinstance(c, Components) and c.settings is seeds_engine.settings
    hit = c.retriever.search("When did Musk and Putin first speak?", 3)[0]
    text = c.catalog.text(hit.doc_id)
    cit = c.cite(1, hit, hit.start, hit.start + 40)
    assert cit.quote == text[hit.start:hit.start + 40] and cit.n == 1 and cit.source.endswith(".txt")
    ev = c.evidence(2, hit)
    assert (ev.n, ev.text, ev.start) == (2, text[hit.start:hit.end], hit.start)
    v = c.verifier()
    assert isinstance(v, Verifier) and v.judge is c.judge


def test_the_verifier_gets_the_configured_support_threshold(seeds_engine: Engine):
    default = seeds_engine.components().verifier().threshold
    assert default == seeds_engine.settings.support_threshold == 0.55  # the documented default (RAG_SUPPORT_THRESHOLD)
    c = engine_with(seeds_engine, support_threshold=0.8).components()
    assert c.settings.support_threshold == 0.8 and c.verifier().threshold == 0.8
