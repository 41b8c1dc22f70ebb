"""Sentence vectors stored at ingest: aligned with the passages, equal to embedding now, never stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from conftest import SEEDS, make_engine

from rag.answer import extractive as answer
from rag.app.engine import Engine
from rag.ingest import sentence_vectors
from rag.text import sentence_spans


def _stored(engine: Engine) -> dict[str, np.ndarray]:
    cat = engine.index().catalog
    rows = cat._conn().execute("SELECT pid, text FROM passages").fetchall()
    blobs = cat.sentence_vectors([pid for pid, _ in rows], sentence_vectors.VERSION)
    assert set(blobs) == {pid for pid, _ in rows}  # every committed passage has them
    return {pid: sentence_vectors.decode(blobs[pid], engine.embedder.dim) for pid, _ in rows}


def test_every_passage_gets_vectors_aligned_with_its_sentences(seeds_engine: Engine):
    cat = seeds_engine.index().catalog
    for pid, vecs in _stored(seeds_engine).items():
        text = cat.passages([pid])[pid].text
        assert len(vecs) == len(sentence_spans(text))


def test_scores_from_stored_vectors_equal_scores_embedded_now(seeds_engine: Engine):
    q = "When did Musk and Putin first speak?"
    hits = seeds_engine.search(q)
    lex = seeds_engine.index().lexical()
    now = answer.score_sentences(q, hits, seeds_engine.embedder, lex)
    stored_vectors = answer.stored_vectors(seeds_engine.components())
    stored = answer.score_sentences(q, hits, seeds_engine.embedder, lex, stored_vectors)
    assert [c.text for c in now][:5] == [c.text for c in stored][:5]
    for a, b in zip(now, stored, strict=True):
        assert abs(a.score - b.score) < 2e-3  # float16 storage


def test_misaligned_rows_are_ignored_and_embedded_now(seeds_engine: Engine):
    q = "Who is Colin Kahl?"
    hits = seeds_engine.search(q)
    lex = seeds_engine.index().lexical()
    good = answer.score_sentences(q, hits, seeds_engine.embedder, lex)
    junk = np.zeros((500, seeds_engine.embedder.dim), dtype=np.float16).tobytes()  # no passage has 500
    bad = answer.score_sentences(q, hits, seeds_engine.embedder, lex, lambda pids: dict.fromkeys(pids, junk))
    assert [c.text for c in good][:3] == [c.text for c in bad][:3]
    np.testing.assert_allclose([c.score for c in good], [c.score for c in bad], atol=1e-4)  # both sorted


def test_changed_and_removed_documents_leave_no_vector_rows(tmp_path: Path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    engine = make_engine(tmp_path / "index")
    engine.ingest([folder])
    conn = engine.index().catalog._conn()
    count = "SELECT COUNT(*) FROM sentence_vectors"
    before = conn.execute(count).fetchone()[0]
    target = sorted(folder.glob("*.txt"))[0]
    target.write_text(target.read_text() + "\nA new closing sentence was added to the article.\n")
    engine.ingest([folder])
    orphans = "SELECT COUNT(*) FROM sentence_vectors WHERE pid NOT IN (SELECT pid FROM passages)"
    assert conn.execute(orphans).fetchone()[0] == 0
    assert conn.execute(count).fetchone()[0] >= before
    target.unlink()
    engine.ingest([folder], prune=True)
    assert conn.execute(orphans).fetchone()[0] == 0
    assert conn.execute(count).fetchone()[0] < before


def test_an_index_without_sentence_vectors_is_backfilled_by_the_next_ingest(tmp_path: Path):
    engine = make_engine(tmp_path / "index")
    engine.ingest([SEEDS])
    conn = engine.index().catalog._conn()
    with conn:
        conn.execute("DELETE FROM sentence_vectors")  # as an index built before they existed
    report = engine.ingest([SEEDS])
    assert report.unchanged == 2 and report.passages == 0
    _stored(engine)


def test_ingest_can_skip_sentence_vectors_and_answers_still_work(tmp_path: Path):
    engine = make_engine(tmp_path / "index", sentence_vectors=False)
    report = engine.ingest([SEEDS])
    assert report.sentence_seconds == 0.0
    conn = engine.index().catalog._conn()
    assert conn.execute("SELECT COUNT(*) FROM sentence_vectors").fetchone()[0] == 0
    questions = ["Did Musk talk to Putin?", "Who is Colin Kahl?", "When did Musk and Putin first speak?"]
    now = [engine.ask(q, mode="extractive") for q in questions]  # sentence vectors computed at question time
    assert not now[0].refused and "Musk" in now[0].answer
    make_engine(tmp_path / "index").ingest([SEEDS])  # the default fills them in
    assert conn.execute("SELECT COUNT(*) FROM sentence_vectors").fetchone()[0] > 0
    stored = [make_engine(tmp_path / "index").ask(q, mode="extractive") for q in questions]
    for a, b in zip(now, stored, strict=True):  # the same answers either way (float16 storage aside)
        assert (a.refused, a.answer) == (b.refused, b.answer)
        assert abs(a.confidence - b.confidence) < 0.01
