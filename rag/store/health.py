"""The index checks itself: catalog passages, Chroma vectors, the BM25 files and the sentence vectors agree.

The catalog is the source of truth; every other store can be rebuilt from it: missing vectors are re-embedded
from the passages' text (``rag.store.ingestion.restore_vectors``), BM25 is rebuilt, sentence vectors are recomputed.
``rag ingest`` does so on every run,
``rag doctor --repair`` on demand. Until then an answer says that dense retrieval is degraded
(:func:`dense_warning`, a count comparison cheap enough for every question). A catalog that was emptied or
replaced is recovered from the source files whose paths the vectors still carry.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.ingest import sentence_vectors
from rag.store import lexical

if TYPE_CHECKING:
    from rag.store.index import Index


@dataclass(frozen=True)
class Finding:
    """One disagreement between the stores: which file or folder, what is wrong, and what fixes it."""

    path: str
    problem: str
    remedy: str
    degraded: bool = False  # answers are worse until it is fixed (dense retrieval misses passages)

    def line(self) -> str:
        return f"{self.path}: {self.problem}; {self.remedy}"

    def to_dict(self) -> dict:
        return asdict(self)


def dense_warning(index: Index) -> str | None:
    """One line when the vector store holds fewer vectors than the catalog has passages (counts only: cheap)."""
    _, passages = index.catalog.count()
    vectors = index.vectors.count()
    if passages == 0 and vectors and index.remote is None:
        return (f"the catalog {index.dir / 'catalog.sqlite'} holds no passages but the vector store holds {vectors} "
                "(the catalog was emptied or replaced): run `rag doctor --repair` to read the files again")
    if vectors >= passages:
        return None
    return (f"dense retrieval is degraded: {passages - vectors} of {passages} passages have no vector in "
            f"{_vectors_path(index)} (run `rag ingest` or `rag doctor --repair` to re-embed them from the catalog)")


def check(index: Index) -> list[Finding]:
    """Every disagreement between the stores, comparing ids (what ``rag doctor`` and ``rag ingest`` run)."""
    pids = index.catalog.pids()
    vector_ids = index.vectors.ids()
    out = _lost_catalog(index, pids, vector_ids)
    missing = pids - vector_ids
    if missing:
        out.append(Finding(_vectors_path(index), f"{len(missing)} of {len(pids)} passages have no vector",
                           "`rag ingest` or `rag doctor --repair` re-embeds them from the catalog "
                           "(dense retrieval is degraded until then)", degraded=True))
    orphans = index.vectors.orphans(pids, index.orphan_grace()) if vector_ids - pids else []
    if orphans and pids:
        out.append(Finding(_vectors_path(index), f"{len(orphans)} vectors belong to no catalog passage (left by an "
                                                 "interrupted ingest)", "`rag ingest` or `rag doctor --repair` "
                                                 "removes them"))
    out += check_bm25(index, pids)
    out += _check_sentence_vectors(index, len(pids))
    return out


def _vectors_path(index: Index) -> str:
    if index.url:
        return f"collection {index.settings.chroma_collection!r} at {index.url}"
    return f"{index.dir / 'chroma'}/"


def _lost_catalog(index: Index, pids: set[str], vector_ids: set[str]) -> list[Finding]:
    if pids or not vector_ids or index.remote is not None:
        return []
    sources = lost_sources(index)
    return [Finding(str(index.dir / "catalog.sqlite"),
                    f"holds no passages, but the vector store holds {len(vector_ids)} vectors of {len(sources)} files "
                    "(the catalog was emptied or replaced)",
                    "`rag doctor --repair` or `rag ingest` reads those files again", degraded=True)]


def check_bm25(index: Index, pids: set[str]) -> list[Finding]:
    folder = lexical.saved_dir(index.dir, index.catalog.generation())
    try:
        saved = set(json.loads((folder / "pids.json").read_text()))
    except (OSError, ValueError):
        return [Finding(f"{folder}/", "the BM25 index of the catalog's current generation is missing or unreadable",
                        "`rag ingest` or `rag doctor --repair` rebuilds it (until then each process rebuilds it in "
                        "memory when first asked)")]
    if saved != pids:
        return [Finding(f"{folder}/", f"indexes {len(saved)} passages, the catalog has {len(pids)}",
                        "`rag ingest` or `rag doctor --repair` rebuilds it")]
    return []


def _check_sentence_vectors(index: Index, n_passages: int) -> list[Finding]:
    if index.remote is not None or not index.settings.sentence_vectors:
        return []
    have = index.catalog.count_sentence_vectors(sentence_vectors.VERSION)
    if have >= n_passages:
        return []
    return [Finding(str(index.dir / "catalog.sqlite"),
                    f"{n_passages - have} of {n_passages} passages have no sentence vectors (answers embed those "
                    "sentences on the fly, slower)", "`rag ingest` or `rag doctor --repair` stores them")]


# -- repairs -------------------------------------------------------------------------------------------------
def lost_sources(index: Index) -> list[Path]:
    """The source files named by the vectors when the catalog holds no document (a lost or emptied catalog)."""
    if index.remote is not None or index.catalog.count()[0]:
        return []
    return sorted({Path(s) for s in index.vectors.sources()})


def set_aside(path: Path) -> Path:
    """Move a damaged file or folder out of the way (kept, never deleted: it may hold what nothing else does)."""
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(target)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target
