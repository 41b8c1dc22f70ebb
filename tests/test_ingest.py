import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import BBC, ROOT, file_text, make_engine, require

from rag.answer.retrieve import Filters
from rag.ingest import sentence_vectors
from rag.ingest.documents import BadFile, find_files, read_document
from rag.store.ingestion import embed_text


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


def _stored(engine, doc_id: str) -> dict:  # noqa: ANN001
    """One document's records in Chroma: id -> (embedding, metadata). A rewrite changes ``written_at`` even when
    the same text gives the same vector, so an equal result means the records were not written again."""
    pids = engine.index().catalog.pids_of(doc_id)
    res = engine.index().vectors.collection.get(ids=list(pids), include=["embeddings", "metadatas"])
    return {pid: (list(e), m) for pid, e, m in zip(res["ids"], res["embeddings"], res["metadatas"], strict=True)}


def _texts_of(engine, doc_id: str) -> set[str]:  # noqa: ANN001
    """Every text ingest embeds for a document: its passages with the title, or the lead line that stands in for a
    missing headline (their sentences' vectors come from the same pass)."""
    cat = engine.index().catalog
    title = next(d.context or d.title for d in cat.docs() if d.doc_id == doc_id)
    passages = cat.passages(cat.pids_of(doc_id)).values()
    return {embed_text(title or "", p.text) for p in passages}


def test_editing_one_file_re_embeds_only_it(tmp_path: Path, corpus: Path, monkeypatch):  # noqa: ANN001
    engine = make_engine(tmp_path / "index")
    engine.ingest([corpus])
    embedded: list[str] = []  # what the real model is given from here on
    real_embed, real_spans = engine.embedder.embed, engine.embedder.embed_spans
    monkeypatch.setattr(engine.embedder, "embed", lambda texts: embedded.extend(texts) or real_embed(texts))
    monkeypatch.setattr(engine.embedder, "embed_spans",
                        lambda texts, spans: embedded.extend(texts) or real_spans(texts, spans))
    docs = {Path(d.source).name: d.doc_id for d in engine.index().catalog.docs()}
    other, edited_id = docs["000_1d78f71aed52c027.txt"], docs["004_b1b54881a5237c4c.txt"]
    other_before, edited_before = _stored(engine, other), _stored(engine, edited_id)
    edited = corpus / "004_b1b54881a5237c4c.txt"
    edited.write_text(file_text(edited) + "\nA new closing sentence about Starlink in Ukraine.\n", encoding="utf-8")
    report = engine.ingest([corpus])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    _, pids_after, vectors_after = _state(engine)
    assert other_before and _stored(engine, other) == other_before  # the unchanged file's vectors: not rewritten
    edited_after = _stored(engine, edited_id)
    assert edited_after and not set(edited_after) & set(edited_before)  # the edited file's: all replaced
    assert min(m["written_at"] for _, m in edited_after.values()) > max(m["written_at"] for _, m in
                                                                        other_before.values())
    assert pids_after == vectors_after
    assert not set(embedded) & _texts_of(engine, other)  # nothing of the unchanged file went through the model
    assert _texts_of(engine, edited_id) <= set(embedded)
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


def without_root_privilege() -> list[str]:
    """A command prefix under which root is refused unreadable files like any user: root's capabilities to
    override file permissions dropped (util-linux's setpriv). Tests run as root here and in CI."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    require(setpriv, "setpriv (util-linux), to run an ingest as root without its file-permission override")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def test_bad_files_are_warned_and_the_rest_ingested(tmp_path: Path, corpus: Path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (corpus / "latin1.txt").write_bytes("Caf\xe9 prices rose.".encode("latin-1"))
    (corpus / "dup.txt").write_bytes((corpus / "004_b1b54881a5237c4c.txt").read_bytes())
    unreadable = corpus / "locked.md"
    unreadable.write_text("Secret text.")
    unreadable.chmod(0)
    index = tmp_path / "index"
    p = subprocess.run([*without_root_privilege(), sys.executable, "-m", "rag.app.cli", "--index", str(index), "ingest",
                        str(corpus), "--json"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    report = json.loads(p.stdout)
    reasons = "\n".join(report["warnings"])
    assert "empty.txt: empty" in reasons and "binary.txt: not text" in reasons
    assert "latin1.txt" not in reasons  # read: its encoding detected
    assert "locked.md: unreadable (Permission denied)" in reasons
    assert any("dup.txt: same content as" in d for d in report["duplicates"])
    assert report["added"] == 4  # the two seeds, the Latin-1 file and the identical copy
    hits = make_engine(index).search("Colin Kahl under-secretary of defence", k=8)
    assert len({h.text for h in hits}) == len(hits)  # the copy's passages are collapsed in results


def test_interrupted_ingest_leaves_a_usable_index_and_rerun_completes(tmp_path: Path, corpus: Path):
    engine = make_engine(tmp_path / "index")
    engine.ingest([corpus])
    # Simulate a crash after vectors were written but before the catalog commit: orphan vectors.
    idx = engine.index()
    import numpy as np

    from rag.ingest.chunk import Passage
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


def test_bbc_subset_ingests_every_file_the_latin1_one_included(bbc_subset):  # noqa: ANN001
    # The real ingest (Chroma, the model, BM25) on the BBC subset, which holds sport/199.txt (Latin-1: one byte, a
    # pound sign, is not UTF-8); the whole corpus is ingested by `make bench`, and read below.
    engine, report = bbc_subset.engine, bbc_subset.report
    docs = engine.index().catalog.docs()
    articles = [d for d in docs if "/bbc/" in d.source and "README" not in d.source.upper()]
    expected = [f for f in bbc_subset.files if f.endswith(".txt") and "/" in f]
    assert "sport/199.txt" in expected and len(expected) > 300
    assert len(articles) == len(expected) == report.added and not report.warnings
    [latin] = [d for d in docs if d.source.endswith("sport/199.txt")]
    assert latin.encoding == "cp1252" and latin.title == "Chelsea sack Mutu"
    assert {d.encoding for d in articles} == {"utf-8", "cp1252"}
    n_docs, n_passages = engine.index().catalog.count()
    assert n_passages == engine.index().vectors.count() == report.passages


def test_the_latin1_article_answers_with_an_exact_citation(bbc_subset):  # noqa: ANN001
    engine = bbc_subset.engine
    ans = engine.ask("What transfer fee did Chelsea write off for Adrian Mutu?")
    assert not ans.refused and "£15.8m" in ans.answer, ans.answer
    c = next(c for c in ans.citations if c.source.endswith("sport/199.txt"))
    raw = Path(c.source).read_bytes()
    assert raw.decode("cp1252")[c.start:c.end] == c.quote == file_text(c.source)[c.start:c.end]
    hits = engine.search("Mutu £15.8m signing from Parma", k=3)
    assert hits[0].source.endswith("sport/199.txt") and "£15.8m" in hits[0].text
    shown = subprocess.run([sys.executable, "-m", "rag.app.cli", "--index", str(engine.settings.index_dir), "show",
                            "sport/199.txt"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert shown.returncode == 0 and "encoding: cp1252\n" in shown.stdout, shown.stderr
    view = json.loads(subprocess.run([sys.executable, "-m", "rag.app.cli", "--index", str(engine.settings.index_dir),
                                      "show", "sport/199.txt", "--json"], capture_output=True, text=True, cwd=ROOT,
                                     timeout=300).stdout)
    assert view["encoding"] == "cp1252" and view["text"] == raw.decode("cp1252")


def test_every_bbc_article_is_read():
    # The whole corpus through the ingester's own file walk and reader (the step that accepts or skips a file).
    require(BBC.is_dir(), "../shared/corpora/bbc")
    read, bad, encodings = 0, [], {}
    for f in find_files([BBC]):
        try:
            doc = read_document(f)
            read += 1
            encodings[doc.encoding] = encodings.get(doc.encoding, 0) + 1
        except BadFile as e:
            bad.append(f"{f.relative_to(BBC.resolve()).as_posix()}: {e}")
    assert read == 2225 and not bad, bad
    assert encodings == {"utf-8": 2224, "cp1252": 1}


def test_an_identical_file_is_not_embedded_again(tmp_path: Path, monkeypatch):  # noqa: ANN001
    """Its passages get the first file's vectors (and sentence vectors), read back from the store."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    article = BBC / "business" / "001.txt"
    require(article.exists(), "the BBC corpus (../shared/corpora/bbc)")
    shutil.copyfile(article, corpus / "a.txt")
    shutil.copyfile(article, corpus / "z_copy.txt")
    shutil.copyfile(article, corpus / "z_copy_2.txt")  # two copies in one batch read the same vectors
    engine = make_engine(tmp_path / "index")
    embedded: list[str] = []
    real = engine.embedder.embed_spans
    monkeypatch.setattr(engine.embedder, "embed_spans",
                        lambda texts, spans: embedded.extend(texts) or real(texts, spans))
    report = engine.ingest([corpus])
    assert report.added == 3 and len(report.duplicates) == 2
    cat = engine.index().catalog
    docs = {Path(d.source).name: d.doc_id for d in cat.docs()}
    first, copy = (sorted(cat.pids_of(docs[n]), key=lambda p: int(p.rsplit("-", 1)[1]))
                   for n in ("a.txt", "z_copy.txt"))
    assert len(embedded) == len(first) == len(copy) > 0  # one file's passages went through the model
    text = file_text(article)
    for name in ("a.txt", "z_copy.txt", "z_copy_2.txt"):  # each copy is found by itself (dense: see test_retrieve)
        for method in ("hybrid", "bm25"):
            hits = engine.search("Time Warner profits", k=2, filters=Filters(source=name), method=method)
            assert hits and all(Path(h.source).name == name for h in hits), (name, method, hits)
            assert "Time Warner" in hits[0].text and text[hits[0].start:hits[0].end] == hits[0].text
    vecs = engine.index().vectors.vectors(first + copy)
    for a, b in zip(first, copy, strict=True):  # the copy's are the original's read back from the store: equal but
        np.testing.assert_allclose(vecs[a], vecs[b], rtol=0, atol=1e-6)  # for float32 rounding (chromadb 1.5: an ulp)
    blobs = cat.sentence_vectors(first + copy, sentence_vectors.VERSION)
    assert all(blobs[a] == blobs[b] for a, b in zip(first, copy, strict=True))
