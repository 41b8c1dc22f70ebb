"""Ingest stages: each system cold from a fresh process (the headline), and warm on the same subset."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import common
from common import MODEL_WINDOW, ROOT, Counting, baseline_module, embedder, ratio, subset, timed


def stage_ingest(which: str, args: argparse.Namespace, work: Path) -> dict:
    files = subset(args.articles)
    corpus = subset_dir(args, work)
    emb = Counting(embedder("auto" if which == "ours" else "torch"))
    t0 = time.perf_counter()
    sentence_seconds = 0.0
    if which == "ours":
        from rag.settings import Settings
        from rag.store.index import Index
        from rag.store.ingestion import ingest

        settings = Settings(index_dir=work / "ours")
        index = Index(settings, create=True)
        report = ingest([corpus], settings, emb, index=index)
        chunks, docs, sentence_seconds = report.passages, report.added, report.sentence_seconds
    else:
        stats = baseline_module().build(corpus, work / "baseline", emb)
        chunks, docs = int(stats["chunks"]), int(stats["documents"])
    seconds = time.perf_counter() - t0
    counts = emb.inner.count_tokens(emb.texts)
    offered, read = sum(counts), sum(min(c, MODEL_WINDOW) for c in counts)
    searchable = seconds - sentence_seconds  # passages are searchable before their sentences are embedded
    return {"system": which, "backend": emb.inner.backend, "articles": len(files), "documents": docs,
            "chunks": chunks, "seconds": round(seconds, 2),
            "sentence_vector_seconds": round(sentence_seconds, 2),
            "chunks_per_s_searchable": round(chunks / searchable, 2),
            "embed_seconds": round(emb.seconds, 2), "embed_share": round(emb.seconds / seconds, 3),
            "tokens_offered": offered, "tokens_read_by_model": read,
            "chunks_truncated": sum(c > MODEL_WINDOW for c in counts),
            "chunks_per_s": round(chunks / seconds, 2), "tokens_per_s": round(read / seconds, 1),
            "offered_tokens_per_s": round(offered / seconds, 1),
            "subset": f"every {max(1, len(sorted(common.BBC.rglob('*.txt'))) // args.articles)}-th file of the sorted "
                      f"BBC corpus, first {args.articles}"}


def subset_dir(args: argparse.Namespace, work: Path) -> Path:
    corpus = work / "subset"
    if not corpus.exists():
        for f in subset(args.articles):
            dst = corpus / f.relative_to(common.BBC)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dst)
    return corpus


def stage_ingest_cold(args: argparse.Namespace, work: Path) -> dict:
    rag = str(Path(sys.executable).with_name("rag"))
    out: dict[str, Any] = {}
    for n, (name, corpus) in enumerate((("subset", subset_dir(args, work)), ("full", common.BBC))):
        runs: dict[str, dict] = {}
        for system in (("baseline", "ours") if n % 2 == 0 else ("ours", "baseline")):
            dst = work / f"cold_{system}_{name}"
            cmd = ([rag, "--index", str(dst), "ingest", str(corpus)] if system == "ours"
                   else [sys.executable, "-m", "rag.evaluation.baseline", "build", str(corpus), str(dst)])
            seconds, code, mb = timed(cmd, cwd=ROOT)
            if code != 0:
                raise SystemExit(f"bench: {system} ingest of {corpus} failed (exit {code})")
            runs[system] = {"seconds": round(seconds, 2), "peak_rss_mb": mb, **_ingested(system, dst)}
            shutil.rmtree(dst, ignore_errors=True)
        files = sum(1 for f in corpus.rglob("*.txt"))
        out[name] = {"files": files, **runs,
                     "speedup": ratio(runs["baseline"]["seconds"], runs["ours"]["seconds"])}
    out["note"] = ("wall time of a fresh process until the index is complete; ours includes every sentence's "
                   "vector and embeds every word, the starter's 1,024-token chunks are cut to the model's 256 word "
                   "pieces; speedup = baseline seconds / ours")
    return out


def _ingested(system: str, dst: Path) -> dict:
    """What a finished run holds: passages (ours) or chunks (the starter's) and, for ours, sentence vectors."""
    import sqlite3

    if system == "ours":
        conn = sqlite3.connect(dst / "catalog.sqlite")
        try:
            return {"passages": conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0],
                    "passages_with_sentence_vectors": conn.execute(
                        "SELECT COUNT(*) FROM sentence_vectors").fetchone()[0]}
        finally:
            conn.close()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(dst), settings=ChromaSettings(anonymized_telemetry=False))
    return {"chunks": client.get_collection(baseline_module().COLLECTION).count()}


