import os
from pathlib import Path

from conftest import BBC, file_text, make_engine


def _state(engine):
    cat = engine.index().catalog
    return {d.source: d.sha for d in cat.docs()}, sorted(cat.pids()), sorted(engine.index().vectors.ids())


def test_ingest_twice_adds_nothing(tmp_path: Path, corpus: Path):
    engine = make_engine(tmp_path / "index")
    first = engine.ingest([corpus])
    assert first.added == 2 and first.passages > 0
    before = _state(engine)
    second = engine.ingest([corpus])
    assert (second.added, second.updated, second.passages, second.unchanged) == (0, 0, 0, 2)
    assert _state(engine) == before
    docs, pids, vectors = before
    assert pids == vectors  # catalog and vector store agree


def test_editing_one_file_re_embeds_only_it(tmp_path: Path, corpus: Path):
    engine = make_engine(tmp_path / "index")
    engine.ingest([corpus])
    _, pids_before, _ = _state(engine)
    edited = corpus / "004_b1b54881a5237c4c.txt"
    edited.write_text(file_text(edited) + "\nA new closing sentence about Starlink in Ukraine.\n", encoding="utf-8")
    report = engine.ingest([corpus])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    _, pids_after, vectors_after = _state(engine)
    other = engine.index().catalog.pids_of(
        next(d.doc_id for d in engine.index().catalog.docs() if d.source.endswith("000_1d78f71aed52c027.txt")))
    assert set(other) <= set(pids_before) and set(other) <= set(pids_after)  # untouched
    assert pids_after == vectors_after
    hits = engine.search("new closing sentence about Starlink", k=3)
    assert any("new closing sentence" in h.text for h in hits)


def test_prune_removes_documents_whose_files_are_gone(tmp_path: Path, corpus: Path):
    engine = make_engine(tmp_path / "index")
    engine.ingest([corpus])
    (corpus / "000_1d78f71aed52c027.txt").unlink()
    kept = engine.ingest([corpus])
    assert kept.removed == 0 and len(engine.index().catalog.docs()) == 2  # without --prune nothing goes
    report = engine.ingest([corpus], prune=True)
    assert report.removed == 1
    docs, pids, vectors = _state(engine)
    assert list(docs) == [str((corpus / "004_b1b54881a5237c4c.txt").resolve())]
    assert pids == vectors
    assert all("000_" not in h.source for h in engine.search("Starlink Taiwan Putin", k=10))


def test_bad_files_are_warned_and_the_rest_ingested(tmp_path: Path, corpus: Path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (corpus / "latin1.txt").write_bytes("Caf\xe9 prices rose.".encode("latin-1"))
    (corpus / "dup.txt").write_bytes((corpus / "004_b1b54881a5237c4c.txt").read_bytes())
    unreadable = corpus / "locked.md"
    unreadable.write_text("Secret text.")
    unreadable.chmod(0)
    engine = make_engine(tmp_path / "index")
    report = engine.ingest([corpus])
    reasons = "\n".join(report.warnings)
    assert "empty.txt: empty" in reasons and "binary.txt: not text" in reasons
    assert "latin1.txt: not UTF-8" in reasons
    assert any("dup.txt: same content as" in d for d in report.duplicates)
    if os.geteuid() != 0:  # root reads anything
        assert "locked.md: unreadable" in reasons
    # The two seeds and the identical copy (and the locked file, which root can read anyway).
    assert report.added == (4 if os.geteuid() == 0 else 3)
    hits = engine.search("Colin Kahl under-secretary of defence", k=8)
    assert len({h.text for h in hits}) == len(hits)  # the copy's passages are collapsed in results


def test_interrupted_ingest_leaves_a_usable_index_and_rerun_completes(tmp_path: Path, corpus: Path):
    engine = make_engine(tmp_path / "index")
    engine.ingest([corpus])
    # Simulate a crash after vectors were written but before the catalog commit: orphan vectors.
    idx = engine.index()
    import numpy as np

    from rag.chunk import Passage
    orphan = Passage("deadbeefdeadbeef-00000000-0", "deadbeefdeadbeef", 0, 0, 5, "ghost")
    idx.vectors.add([orphan], np.ones((1, 384), dtype=np.float32) / 384 ** 0.5,
                    {"deadbeefdeadbeef": {"source": "/nowhere.txt", "title": "", "date": ""}})
    assert orphan.pid in idx.vectors.ids()
    hits = engine.search("ghost", k=20, method="dense")
    assert all(h.pid != orphan.pid for h in hits)  # invisible to readers
    engine.ingest([corpus])
    assert orphan.pid not in idx.vectors.ids()  # cleaned up on the next run
    docs, pids, vectors = _state(engine)
    assert pids == vectors


def test_bbc_corpus_ingests_all_but_the_one_non_utf8_file(bbc_engine):
    docs = bbc_engine.index().catalog.docs()
    articles = [d for d in docs if "/bbc/" in d.source and "README" not in d.source.upper()]
    assert len(articles) == 2224
    assert not any(d.source.endswith("sport/199.txt") for d in docs)
    n_docs, n_passages = bbc_engine.index().catalog.count()
    assert n_passages == bbc_engine.index().vectors.count()
    assert BBC.is_dir()
