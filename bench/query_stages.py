"""Query stages: retrieval latency on the BBC index and on a ~100k-passage collection built from it."""

from __future__ import annotations

import argparse
import math
import random
import re
import shutil
import time
from pathlib import Path
from typing import Any

from common import NOISE_SIGMA, PERTURB_SHARE, baseline_module, embedder, lat, questions


def _records(index_dir: Path) -> tuple[list[tuple], dict[str, tuple], dict[str, list]]:
    """(docs rows, pid -> (doc_id, ord, start, end, text), pid -> [vector, metadata]) of a built index."""
    import sqlite3

    from rag.store.vectors import open_chroma

    conn = sqlite3.connect(f"file:{index_dir / 'catalog.sqlite'}?mode=ro", uri=True)
    docs = conn.execute("SELECT doc_id, source, title, date, sha, body_start, text FROM docs").fetchall()
    passages = {r[0]: r[1:] for r in conn.execute("SELECT pid, doc_id, ord, start, end, text FROM passages")}
    conn.close()
    col = open_chroma(index_dir).get_collection("passages")
    vecs: dict[str, list] = {}
    for offset in range(0, col.count() + 1, 2000):
        res = col.get(include=["embeddings", "metadatas"], limit=2000, offset=offset)
        for pid, v, m in zip(res["ids"], res["embeddings"], res["metadatas"], strict=True):
            if pid in passages:
                vecs[pid] = [v, m]
    return docs, passages, vecs


def _perturb(text: str, rng: random.Random, vocab: dict[int, list[str]]) -> str:
    """Replace ~15% of the words by words of the same length (offsets of every passage stay valid)."""
    def sub(m: re.Match) -> str:
        w = m.group(0)
        pool = vocab.get(len(w))
        return rng.choice(pool) if pool and rng.random() < PERTURB_SHARE else w

    return re.sub(r"[A-Za-z]{3,}", sub, text)


def build_large(src: Path, dst: Path, target: int) -> dict:
    """An index of ~target passages: BBC repeated with perturbed text and noisy copies of the stored vectors."""
    import hashlib

    import numpy as np

    from rag.ingest.chunk import Passage
    from rag.ingest.documents import Document, doc_id_for
    from rag.store import lexical
    from rag.store.catalog import Catalog
    from rag.store.vectors import VectorStore, open_chroma

    t0 = time.perf_counter()
    docs, passages, vecs = _records(src)
    by_doc: dict[str, list[tuple[str, tuple]]] = {}
    for pid, p in passages.items():
        if pid in vecs:
            by_doc.setdefault(p[0], []).append((pid, p))
    copies = math.ceil(target / max(1, sum(len(v) for v in by_doc.values())))
    vocab: dict[int, list[str]] = {}
    for w in sorted({w for d in docs[:400] for w in re.findall(r"[A-Za-z]{3,}", d[6])}):
        vocab.setdefault(len(w), []).append(w)
    dst.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(dst / "catalog.sqlite")
    store = VectorStore(open_chroma(dst))
    rng_np = np.random.default_rng(0)
    n = 0
    for c in range(copies):
        rng = random.Random(c)
        items, ids, embs, metas, texts = [], [], [], [], []
        for doc_id, source, title, date, sha, body_start, text in docs:
            if doc_id not in by_doc:
                continue
            if c:
                source = f"{Path(source).parent}/copy{c:02d}/{Path(source).name}"
                text = _perturb(text, rng, vocab)
                sha = hashlib.sha256(text.encode()).hexdigest()
            new_id = doc_id_for(source)
            doc = Document(source, text, title, date, sha, body_start)
            ps = []
            for pid, (_, ord_, a, b, _) in sorted(by_doc[doc_id], key=lambda x: x[1][1]):
                new_pid = f"{new_id}-{sha[:8]}-{ord_}" if c else pid
                ps.append(Passage(new_pid, new_id, ord_, a, b, text[a:b]))
                v, m = vecs[pid]
                v = np.asarray(v, dtype=np.float32)
                if c:
                    v = v + rng_np.normal(0, NOISE_SIGMA, v.shape).astype(np.float32)
                    v /= np.linalg.norm(v)
                meta = dict(m)
                meta.update(doc_id=new_id, source=source)
                ids.append(new_pid)
                embs.append(v.tolist())
                metas.append(meta)
                texts.append(text[a:b])
            items.append((doc, ps))
        for i in range(0, len(ids), store.limit):
            part = slice(i, i + store.limit)
            store.collection.add(ids=ids[part], embeddings=embs[part], metadatas=metas[part], documents=texts[part])
        catalog.put(items)
        n += len(ids)
    lexical.build(catalog, dst)
    return {"passages": n, "copies": copies, "build_seconds": round(time.perf_counter() - t0, 1),
            "method": f"copy 0 = the BBC index; copies 1..{copies - 1}: {int(PERTURB_SHARE * 100)}% of words replaced "
                      f"by same-length words, stored vectors + N(0, {NOISE_SIGMA}) noise, renormalised "
                      "(no re-embedding)"}


def baseline_collection(src: Path, dst: Path) -> None:
    """The BBC index's vectors in a collection created as rag/evaluation/baseline.py creates it (default L2 space)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    _, passages, vecs = _records(src)
    client = chromadb.PersistentClient(path=str(dst), settings=ChromaSettings(anonymized_telemetry=False))
    col = client.get_or_create_collection("baseline")
    ids = list(vecs)
    step = int(client.get_max_batch_size())
    for i in range(0, len(ids), step):
        part = ids[i : i + step]
        col.add(ids=part, embeddings=[vecs[p][0] for p in part], metadatas=[vecs[p][1] for p in part],
                documents=[passages[p][4] for p in part])


def _timed_queries(fn: Any, qs: list[str], emb: Any) -> dict[str, float]:
    times = []
    for q in qs:
        emb._query_cache.clear()  # a new question: its embedding is not cached
        t0 = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t0)
    return lat(times)


def stage_query(size: str, args: argparse.Namespace, work: Path) -> dict:
    from rag.answer.retrieve import Retriever
    from rag.settings import Settings
    from rag.store.index import Index

    out: dict[str, Any] = {"size": size}
    if size == "10k":
        index_dir, base_dir, base_name = Path(args.index), work / "baseline_10k", "baseline"
        if not (base_dir / "chroma.sqlite3").exists():
            baseline_collection(index_dir, base_dir)
    else:
        # The baseline's retriever reads our collection (same vectors; cosine instead of its default L2 space
        # costs the same): building a second 100k collection would double the stage's time.
        index_dir = work / "large"
        base_dir, base_name = index_dir / "chroma", "passages"
        shutil.rmtree(index_dir, ignore_errors=True)
        out["collection"] = build_large(Path(args.index), index_dir, args.target)
    emb, starter = embedder(), embedder("torch")
    settings = Settings(index_dir=index_dir)
    index = Index(settings)
    out["passages"] = index.catalog.count()[1]
    retr = Retriever(index, emb, settings)
    qs = questions()[: args.questions]
    out["embed_query"] = _timed_queries(lambda q: emb.embed([q]), qs, emb)
    out["embed_query_torch"] = _timed_queries(lambda q: starter.embed([q]), qs, starter)
    for method in ("dense", "bm25", "hybrid"):
        retr.search("warm up " + method, method=method)
        out[method] = _timed_queries(lambda q, m=method: retr.search(q, method=m), qs, emb)
    for q in qs:
        emb.embed_query(q)  # the same questions again: the query-embedding cache answers
    times = []
    for q in qs:
        t0 = time.perf_counter()
        retr.search(q, method="hybrid")
        times.append(time.perf_counter() - t0)
    out["hybrid_cached_embedding"] = lat(times)
    base = baseline_module().retriever(base_dir, starter, 10, base_name)
    base("warm up")
    out["baseline_dense"] = _timed_queries(base, qs, starter)
    return out


