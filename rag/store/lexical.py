"""The BM25 index (bm25s) over passages, persisted beside the catalog and rebuilt from it when stale."""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from rag.store.catalog import Catalog
from rag.text import TOKENIZER_VERSION, terms


class Lexical:
    """BM25 scores plus the document frequencies the answerer uses to weigh question terms."""

    def __init__(self, retriever, pids: list[str], df: dict[str, int], generation: int) -> None:  # noqa: ANN001
        self.retriever = retriever
        self.pids = pids
        self.pos = {p: i for i, p in enumerate(pids)}
        self.df = df
        self.generation = generation

    @property
    def n(self) -> int:
        return len(self.pids)

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def search(self, query: str, top_k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if not self.pids:  # an empty index has no vocabulary at all
            return []
        toks = [t for t in terms(query) if t in self.retriever.vocab_dict]
        if not toks:
            return []
        mask = None
        if allowed is not None:
            mask = np.array([1.0 if p in allowed else 0.0 for p in self.pids], dtype=np.float32)
        scores = self.retriever.get_scores(toks, weight_mask=mask)
        top_k = min(top_k, len(scores))
        idx = np.argpartition(-scores, top_k - 1)[:top_k]
        idx = idx[np.argsort(-scores[idx])]
        return [(self.pids[i], float(scores[i])) for i in idx if scores[i] > 0]


def saved_dir(index_dir: Path, generation: int) -> Path:
    # The tokenizer version is part of the name: an index built with other terms is rebuilt, not misread.
    return index_dir / f"bm25-v{TOKENIZER_VERSION}-g{generation}"


def build(catalog: Catalog, index_dir: Path) -> Lexical:
    """Index every catalog passage (title included, as in the dense vectors) and save it for generation g."""
    import bm25s

    generation, rows = catalog.snapshot()
    pids = [r[0] for r in rows]
    toks = [terms(f"{title}\n{text}") for _, text, title in rows]
    df = Counter(t for doc in toks for t in set(doc))
    retriever = bm25s.BM25()
    if rows:
        retriever.index(toks, show_progress=False)
    target = saved_dir(index_dir, generation)
    # A private folder per builder: several processes (app, ingest) may build the same generation at once.
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if rows:
        retriever.save(str(tmp))
    (tmp / "pids.json").write_text(json.dumps(pids))
    (tmp / "df.json").write_text(json.dumps(df))
    try:
        tmp.rename(target)  # a reader sees no folder or this complete one, never a half-written one
    except OSError:
        if _saved_pids(target) != pids:  # left by a catalog that was replaced and counted its generations anew
            stale = target.with_name(f"{target.name}.tmp-stale-{os.getpid()}-{threading.get_ident()}")
            try:
                target.rename(stale)
                tmp.rename(target)
            except OSError:
                pass  # another builder replaced it meanwhile
            shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)  # another builder got there first with the same content
    for old in index_dir.glob("bm25-*"):
        if ".tmp" in old.name and _abandoned(old) or ".tmp" not in old.name and _generation(old) < generation:
            shutil.rmtree(old, ignore_errors=True)
    return Lexical(retriever, pids, dict(df), generation)


def _saved_pids(folder: Path) -> list[str] | None:
    try:
        return json.loads((folder / "pids.json").read_text())
    except (OSError, ValueError):
        return None


def _generation(folder: Path) -> int:
    """A saved index's generation (one built by a newer writer is left for the readers that need it)."""
    try:
        return int(folder.name.rsplit("-g", 1)[1])
    except (IndexError, ValueError):
        return -1


def _abandoned(folder: Path) -> bool:
    """A temporary folder left by a builder that was killed (a live builder finishes in far less)."""
    try:
        return time.time() - folder.stat().st_mtime > 3600
    except OSError:
        return False


def load(catalog: Catalog, index_dir: Path) -> Lexical:
    """The saved index of the catalog's current generation, rebuilding it if it is missing or stale."""
    import bm25s

    generation = catalog.generation()
    target = saved_dir(index_dir, generation)
    try:
        pids = json.loads((target / "pids.json").read_text())
        df = json.loads((target / "df.json").read_text())
        retriever = bm25s.BM25.load(str(target)) if pids else bm25s.BM25()
        if len(pids) != catalog.count()[1]:
            raise ValueError("saved for another catalog with the same generation number")
    except Exception:  # noqa: BLE001 - missing, half-deleted by a newer build, unreadable or stale: rebuild it
        return build(catalog, index_dir)
    return Lexical(retriever, pids, df, generation)
