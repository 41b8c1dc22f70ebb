"""Incremental ingestion: new and changed files are chunked, embedded and indexed; unchanged ones skipped.

Order of writes, so that an interrupted run leaves the previous index usable and a re-run completes it:
vectors are added first (under ids unique to the content), then the catalog swaps the document in one
transaction (server mode: the document's record on the Chroma server first, then the local copy; see
``rag.store.index``), then the replaced vectors are deleted. Vectors with no catalog row are never returned and are
removed at the start of the next ingest.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rag.ingest import sentence_vectors
from rag.ingest.chunk import Passage, chunk_spans, make_passages
from rag.ingest.documents import BadFile, Document, find_files, read_document
from rag.ingest.embed import Embedder
from rag.ingest.sentence_vectors import embed_text
from rag.settings import Settings
from rag.store import health
from rag.store.index import Index

BATCH_DOCS = 32
RESTORE_BATCH = 256
Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    passages: int = 0
    restored: int = 0  # passages whose missing vectors were re-embedded from the catalog
    recovered: int = 0  # files read again because the catalog had lost them (see rag/store/health.py)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sentence_seconds: float = 0.0  # of ``seconds``: sentence vectors of passages that lacked them (an older index)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        repaired = (f"{self.restored} passages re-embedded from the catalog (their vectors were missing); "
                    if self.restored else "")
        if self.recovered:
            repaired += f"{self.recovered} files read again (the catalog had lost them); "
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.removed} removed; "
                f"{self.passages} passages embedded; {repaired}{len(self.warnings)} skipped; "
                f"{len(self.duplicates)} identical to another file; {self.seconds:.1f}s" +
                (f" ({self.sentence_seconds:.1f}s of it embedding sentences of older passages for answers)"
                 if self.sentence_seconds >= 0.05 else ""))


def ingest(paths: list[Path], settings: Settings, embedder: Embedder, prune: bool = False,
           progress: Progress | None = None, index: Index | None = None, follow_links: bool = False) -> IngestReport:
    t0 = time.perf_counter()
    report = IngestReport()
    files = find_files(paths, report.warnings, follow_links)
    index = index or Index(settings, create=True)
    with index.writer():
        index.refresh(force=True)  # server mode: start from the shared catalog, not this host's copy
        lost = [f for f in health.lost_sources(index) if f.is_file() and f not in set(files)]
        files += lost
        report.recovered = len(lost)
        _drop_orphans(index)
        known = index.catalog.shas()
        seen_sha = {sha: src for src, (_, sha) in known.items()}
        # Identical files are still ingested (each is a document the user asked for); search results collapse
        # identical passages, and the report names the copies.
        todo: list[Document] = []
        for f in files:
            try:
                doc = read_document(f)
            except BadFile as e:
                report.warnings.append(f"{f}: {e}")
                continue
            if doc.source in known and known[doc.source][1] == doc.sha:
                report.unchanged += 1
                continue
            dup = seen_sha.setdefault(doc.sha, doc.source)
            if dup != doc.source:
                report.duplicates.append(f"{f}: same content as {dup}")
            todo.append(doc)
        report.passages += _index_all(todo, known, index, settings, embedder, progress)
        for doc in todo:
            if doc.source in known:
                report.updated += 1
            else:
                report.added += 1
        if prune:
            gone = [d.doc_id for d in index.catalog.docs() if not Path(d.source).exists()]
            _remove(index, gone)
            report.removed = len(gone)
        report.restored = restore_vectors(index, embedder)  # a lost or partial vector store
        if todo or report.removed or not _bm25_current(index):
            index.rebuild_lexical()
        if settings.sentence_vectors:
            report.sentence_seconds = _backfill_sentence_vectors(index, embedder)
    report.seconds = time.perf_counter() - t0
    return report


def _bm25_current(index: Index) -> bool:
    """The saved BM25 index of the current generation exists and is whole (files can be deleted under us)."""
    return index.lexical().generation == index.catalog.generation() and not health.check_bm25(
        index, index.catalog.pids())


@dataclass
class _Batch:
    """One batch of documents, embedded and ready to write."""

    items: list[tuple[Document, list[Passage]]]
    vectors: np.ndarray
    sentences: dict[str, bytes]  # pid -> sentence vectors (none in server mode or with them switched off)


def _index_all(todo: list[Document], known: dict[str, tuple[str, str]], index: Index, settings: Settings,
               embedder: Embedder, progress: Progress | None) -> int:
    """Embed batch after batch on the main thread while one thread chunks the next batch and another stores the
    previous one (Chroma, the catalog): the model keeps the cores busy, the rest runs beside it. A file identical
    to one before it is not embedded again: its passages get the vectors of the first one's (written by then)."""
    first: dict[tuple[str, str], Document] = {}  # (content, title as embedded) -> the first such file
    originals, copies = [], []
    for doc in todo:
        (copies if first.setdefault(_same(doc), doc) is not doc else originals).append(doc)
    with_sentences = settings.sentence_vectors and index.remote is None
    batches = [(docs[i : i + BATCH_DOCS], copying) for docs, copying in ((originals, False), (copies, True))
               for i in range(0, len(docs), BATCH_DOCS)]
    passages, done = 0, 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="citable-ingest-write") as writer, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="citable-ingest-chunk") as chunker:
        pending: Future | None = None
        def chunking(j: int) -> Future | None:
            return chunker.submit(_chunk, batches[j][0], settings, embedder) if j < len(batches) else None

        following = chunking(0)
        for j, (_, copying) in enumerate(batches):
            batch = following.result()
            following = chunking(j + 1)  # chunked while this batch is in the model; only one held at a time
            if copying and pending is not None:
                pending.result()  # the first copies' vectors must be written before they are read back
            ready = (_copied(batch, first, index, with_sentences) if copying else None) or \
                _embedded(batch, embedder, with_sentences)
            if pending is not None:
                pending.result()  # at most one batch in flight; a failed write stops the run here
            pending = writer.submit(_write, ready, known, index)
            passages += sum(len(ps) for _, ps in batch)
            done += len(batch)
            if progress:
                progress(done, len(todo))
        if pending is not None:
            pending.result()
        writer.submit(index.catalog.close).result()  # the writer thread's own SQLite connection
    return passages


def _chunk(docs: list[Document], settings: Settings, embedder: Embedder) -> list[tuple[Document, list[Passage]]]:
    return [(doc, make_passages(doc.doc_id, doc.sha, doc.text,
                                chunk_spans(doc.text, doc.body_start, settings.chunk_tokens, embedder.count_tokens)))
            for doc in docs]


def _embedded(items: list[tuple[Document, list[Passage]]], embedder: Embedder, with_sentences: bool) -> _Batch:
    triples = [(p.pid, _same(doc)[1], p.text) for doc, ps in items for p in ps]
    if with_sentences:
        vectors, sentences = sentence_vectors.embed_passages(embedder, triples)  # one model pass for both
    else:
        vectors, sentences = embedder.embed([embed_text(t, x) for _, t, x in triples]), {}
    return _Batch(items, vectors, sentences)


def _same(doc: Document) -> tuple[str, str]:
    """Files with equal keys get equal passages and vectors (a file without a headline is titled by its name)."""
    return doc.sha, doc.context or doc.title or ""


def _copied(items: list[tuple[Document, list[Passage]]], first: dict[tuple[str, str], Document], index: Index,
            with_sentences: bool) -> _Batch | None:
    """The vectors of identical files' passages, read back from the store (None if any is missing)."""
    pairs = [(p.pid, f"{first[_same(doc)].doc_id}{p.pid[len(doc.doc_id):]}") for doc, ps in items for p in ps]
    sources = sorted({src for _, src in pairs})  # several copies of one file share their sources
    vectors = index.vectors.vectors(sources)
    blobs = index.catalog.sentence_vectors(sources, sentence_vectors.VERSION) if with_sentences else {}
    if len(vectors) < len(sources) or (with_sentences and len(blobs) < len(sources)):
        return None
    return _Batch(items, np.stack([vectors[src] for _, src in pairs]),
                  {pid: blobs[src] for pid, src in pairs if src in blobs})


def _write(batch: _Batch, known: dict[str, tuple[str, str]], index: Index) -> None:
    """Vectors first, then the catalog's swap, then the replaced vectors go (see the module's docstring)."""
    meta = {doc.doc_id: {"source": doc.source, "title": doc.title or "", "date": doc.date or ""}
            for doc, _ in batch.items}
    index.vectors.add([p for _, ps in batch.items for p in ps], batch.vectors, meta)
    old = [pid for doc, _ in batch.items if doc.source in known for pid in index.catalog.pids_of(doc.doc_id)]
    index.commit(batch.items)
    index.vectors.delete(old)
    if batch.sentences:
        index.catalog.put_sentence_vectors(batch.sentences, sentence_vectors.VERSION)


def store_sentence_vectors(index: Index, embedder: Embedder, passages: list[tuple[str, str | None, str]]) -> None:
    index.catalog.put_sentence_vectors(sentence_vectors.compute(embedder, passages), sentence_vectors.VERSION)


def _backfill_sentence_vectors(index: Index, embedder: Embedder, batch: int = 256) -> float:
    """Sentence vectors for every passage that lacks them: the new ones, after all passages are searchable (an
    interrupted run leaves a usable index; answers embed missing sentences on the fly), and those of an index
    built by an older version. Server mode keeps none."""
    t0 = time.perf_counter()
    while index.remote is None:
        todo = index.catalog.without_sentence_vectors(sentence_vectors.VERSION, batch)
        if not todo:
            break
        store_sentence_vectors(index, embedder, todo)
    return time.perf_counter() - t0


def restore_vectors(index: Index, embedder: Embedder) -> int:
    """Re-embed the catalog passages that have no vector (a deleted or replaced chroma/); returns how many."""
    missing = sorted(index.catalog.pids() - index.vectors.ids())
    for i in range(0, len(missing), RESTORE_BATCH):
        passages = list(index.catalog.passages(missing[i : i + RESTORE_BATCH]).values())
        docs = {d: index.catalog.doc(d) for d in {p.doc_id for p in passages}}
        meta = {d: {"source": info.source, "title": info.title or "", "date": info.date or ""}
                for d, info in docs.items() if info is not None}
        passages = [p for p in passages if p.doc_id in meta]
        vectors = embedder.embed([embed_text(docs[p.doc_id].context or docs[p.doc_id].title, p.text)
                                  for p in passages])
        index.vectors.add(passages, vectors, meta)
    return len(missing)


def remove_documents(index: Index, doc_ids: list[str]) -> None:
    """Remove documents (catalog first, then their vectors) and refresh BM25."""
    with index.writer():
        index.refresh(force=True)
        _remove(index, doc_ids)
        index.rebuild_lexical()


def _remove(index: Index, doc_ids: list[str]) -> None:
    pids = [pid for d in doc_ids for pid in index.catalog.pids_of(d)]
    index.remove(doc_ids)
    index.vectors.delete(pids)


def _drop_orphans(index: Index) -> None:
    """Vectors left by an interrupted ingest (no catalog row) are deleted."""
    orphans = index.vectors.orphans(index.catalog.pids(), index.orphan_grace())
    if orphans:
        index.vectors.delete(orphans)


def tqdm_progress() -> Progress:
    """A progress bar on stderr for long runs (hidden when stderr is not a terminal)."""
    from tqdm import tqdm

    bar: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit=" docs", desc="embedding", file=sys.stderr,
                              disable=None, leave=False)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update
