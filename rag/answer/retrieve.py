"""Hybrid retrieval: dense (Chroma via LlamaIndex) and BM25 rankings fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from rag.errors import BadInput
from rag.ingest.embed import Embedder
from rag.options import Filters, check_date, parse_filters  # noqa: F401 - the filters' home; importable from here too
from rag.paths import corpus_names, display_path, sections_of
from rag.settings import Settings
from rag.store.index import Index


def scoped_docs(index: Index, filters: Filters, uploads: Path) -> set[str] | None:
    """The documents of the chosen sections and documents (None when neither is chosen); a section or a document
    the index does not have is a BadInput naming what there is."""
    if not (filters.sections or filters.docs):
        return None
    docs = index.catalog.docs()
    allowed = {d.doc_id for d in docs}
    if filters.sections:
        of = sections_of([d.source for d in docs], uploads)
        unknown = [s for s in filters.sections if s not in set(of.values())]
        if unknown:
            known = ", ".join(sorted(set(of.values()))[:12]) or "none"
            raise BadInput(f"no section {unknown[0]!r} in the index (sections: {known})")
        allowed &= {d.doc_id for d in docs if of[d.source] in filters.sections}
    if filters.docs:
        names = corpus_names([d.source for d in docs], [d.source for d in docs], uploads)
        wanted = set(filters.docs)
        chosen = {d.doc_id for d in docs if wanted & {d.doc_id, d.source, display_path(d.source), names[d.source]}}
        if not chosen:
            raise BadInput(f"no ingested document is {filters.docs[0]!r} (give its id or its path)")
        allowed &= chosen
    return allowed


@dataclass(frozen=True)
class Hit:
    pid: str
    doc_id: str
    source: str
    title: str | None
    date: str | None
    start: int
    end: int
    text: str
    score: float  # fused RRF score
    dense: float | None  # cosine similarity, when the dense ranking had it
    bm25: float | None
    # ``title`` above is what scoring reads as the passage's context (Document.context when the file has no
    # title of its own); ``shown_title`` is the title people see (then the file name).
    shown_title: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["source"] = display_path(self.source)
        d["title"] = d.pop("shown_title") or self.title
        return d


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               method: str = "hybrid", exclude: set[str] | None = None) -> list[Hit]:
        """The ``k`` best passages; ``exclude``: document ids to leave out (the judge's training asks questions
        with their source articles removed, to learn what a near miss looks like)."""
        k = k or self.settings.k
        filters = filters or Filters()
        depth = max(self.settings.candidates, 2 * k)
        allowed_docs = None
        if filters.active or exclude:
            allowed_docs = self.index.catalog.doc_ids_matching(filters.since, filters.until, filters.source)
            scoped = scoped_docs(self.index, filters, self.settings.index_dir / "uploads")
            if scoped is not None:
                allowed_docs &= scoped
            allowed_docs -= exclude or set()
            if not allowed_docs:
                return []
        dense: list[tuple[str, float]] = []
        sparse: list[tuple[str, float]] = []
        if method in ("hybrid", "dense"):
            vec = self.embedder.embed_query(query)
            dense = self.index.vectors.query(vec, depth, allowed_docs)
        if method in ("hybrid", "bm25"):
            lex = self.index.lexical()
            allowed_pids = None
            if allowed_docs is not None:
                allowed_pids = {p for p in lex.pids if p.split("-", 1)[0] in allowed_docs}
            sparse = lex.search(query, depth, allowed_pids)
        fused = rrf([dense, sparse], self.settings.rrf_k)
        return self._hits(fused[: k * 2], dict(dense), dict(sparse))[:k]

    def _hits(self, fused: list[tuple[str, float]], dense: dict, sparse: dict) -> list[Hit]:
        # Only passages in the catalog count: vectors of an unfinished ingest are invisible.
        passages = self.index.catalog.passages(pid for pid, _ in fused)
        docs = {}
        hits = []
        seen_text: set[str] = set()
        for pid, score in fused:
            p = passages.get(pid)
            if p is None or p.text in seen_text:
                continue  # not committed yet, or the same passage in an identical copy of an article
            seen_text.add(p.text)
            if p.doc_id not in docs:
                docs[p.doc_id] = self.index.catalog.doc(p.doc_id)
            d = docs[p.doc_id]
            if d is None:
                continue
            hits.append(Hit(pid, p.doc_id, d.source, d.context or d.title, d.date, p.start, p.end, p.text, score,
                            dense.get(pid), sparse.get(pid), d.title))
        return hits


def rrf(rankings: list[list[tuple[str, float]]], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings an item appears in.

    Equal sums (rank 1 + 2 against rank 2 + 1) are broken by each ranking's score relative to its best.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        top = max((abs(s) for _, s in ranking), default=0.0) or 1.0
        for rank, (pid, s) in enumerate(ranking, start=1):
            scores[pid] = scores.get(pid, 0.0) + 1.0 / (k + rank) + 1e-6 * s / top
    return sorted(scores.items(), key=lambda x: -x[1])
