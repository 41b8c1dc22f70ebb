"""`make bench`: throughput, latency, start-up and memory of citable beside the LlamaIndex starter baseline.

Every stage runs in its own subprocess (its peak RSS comes from ``os.wait4``) and writes
``bench/results/<stage>.json``; the parent then writes ``bench/results/summary.json`` and
``bench/results/bench.png`` and prints the figures. Timings on a shared machine are noisy, so each of our
figures is given beside the baseline's measured in the same run, as a ratio.

    python bench/run.py [--articles 300] [--index /tmp/citable-bench/bbc] [--target 100000] [--only STAGE ...]

Stages:
- ``ingest_cold``: the headline. Each system as a fresh process, start to finish (imports, model load, reading,
  chunking, embedding, writing; ours with its sentence vectors): ``rag --index DIR ingest CORPUS`` against
  ``python -m rag.evaluation.baseline build CORPUS DIR``, on the ``--articles`` subset and on the whole BBC corpus,
  in the same run
  (the order alternates so that drift in the machine's load does not favour one side).
- ``ingest_ours`` / ``ingest_baseline``: the same deterministic subset of BBC articles (every n-th file of the
  sorted corpus), model loaded and warmed beforehand; chunks/s (to searchable, and including our last phase,
  the sentence vectors for answers) and tokens/s (tokens offered to the model, and tokens it actually reads:
  the model drops word pieces past 256). Ours runs the default (ONNX) backend, the baseline sentence-transformers
  on torch, as LlamaIndex's HuggingFaceEmbedding does.
- ``query_10k``: dense, BM25 and hybrid ``Retriever.search`` on the full BBC index (``--index``, read only), the
  query-embedding cache cleared before each query; the baseline's dense retriever over a baseline-format Chroma
  collection (as ``rag/evaluation/baseline.py`` makes it) holding the same vectors.
- ``query_100k``: the same at ~100k passages. The collection is BBC repeated: copy 0 is the index itself, each
  further copy perturbs ~15% of the words (same-length substitutions, so offsets stay valid) and adds small
  Gaussian noise (sigma 0.01, renormalised) to the stored vectors instead of re-embedding 100k passages. The
  baseline's retriever reads the same collection.
- ``cold``: ``rag --help`` and ``rag --index IDX ask Q --mode extractive`` as fresh processes (start to answer),
  with the ONNX and the torch backend; the baseline's ``rag/evaluation/baseline.py search`` (start to top-k; it has no
  answerer) on the 10k collection.
- ``app``: ``rag serve`` on a fresh ``seeds/`` index as a fresh process: seconds until it answers HTTP, then the
  first and the second question through the HTTP API (``POST /api/ask``); and a cold ``rag ask`` on that index.
- ``warm``: in-process ``Engine.ask(mode="extractive")`` over the BBC dev questions after one warm-up question,
  again with the sentence vectors ignored (embedded at question time, as before they were stored), then a
  cProfile pass over a few of them (``bench/results/profile_warm_ask.txt``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
BBC = ROOT.parent / "shared" / "corpora" / "bbc"
QUESTIONS = ROOT.parent / "shared" / "eval" / "bbc_dev.jsonl"
STAGES = ["ingest_cold", "ingest_ours", "ingest_baseline", "query_10k", "query_100k", "cold", "app", "warm"]
MODEL_WINDOW = 254  # word pieces the model reads besides [CLS] and [SEP]
NOISE_SIGMA = 0.01
BRIEF_TOPICS = ["Yukos and the Russian tax dispute", "airline job cuts"]
PERTURB_SHARE = 0.15


# -- helpers ---------------------------------------------------------------------------------------------
def _baseline() -> Any:
    from rag.evaluation import baseline

    return baseline


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) in milliseconds, of values in seconds."""
    if not values:
        return float("nan")
    s = sorted(values)
    return round(1000 * s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))], 1)


def lat(values: list[float]) -> dict[str, float]:
    return {"p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "n": len(values)}


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b rounded, or None when either is missing."""
    if not a or not b or any(map(math.isnan, (a, b))):
        return None
    return round(a / b, 2)


def configure(args: argparse.Namespace) -> None:
    """Point the stages at another corpus, question set and results folder (tests/test_bench.py runs every stage
    on a tiny corpus this way, so that a stage cannot rot unseen)."""
    global BBC, QUESTIONS, RESULTS
    BBC, QUESTIONS, RESULTS = Path(args.corpus), Path(args.questions_file), Path(args.results)


def questions() -> list[str]:
    return [json.loads(line)["q"] for line in QUESTIONS.read_text().splitlines() if line.strip()]


def subset(n: int) -> list[Path]:
    """Every k-th article of the sorted corpus: deterministic and spread over the five sections."""
    files = sorted(p for p in BBC.rglob("*.txt") if p.name != "README.TXT")
    step = max(1, len(files) // n)
    return files[::step][:n]


def embedder(backend: str = "auto") -> Any:
    """Ours: the default backend (ONNX); the baseline's: sentence-transformers on torch, as the starter has it."""
    from rag.ingest.embed import get_embedder

    e = get_embedder(64, backend)
    e.embed(["warm up the model"] * 16)  # first calls pay one-off allocations; neither side is charged for them
    e.embed(["warm up the model"])
    return e


class Counting:
    """An embedder that records what it is asked to embed and the seconds spent embedding."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.texts: list[str] = []
        self.seconds = 0.0

    def embed(self, texts: list[str]) -> Any:
        t0 = time.perf_counter()
        out = self.inner.embed(texts)
        self.seconds += time.perf_counter() - t0
        self.texts.extend(texts)
        return out

    def embed_spans(self, texts: list[str], spans: list) -> Any:
        t0 = time.perf_counter()
        out = self.inner.embed_spans(texts, spans)
        self.seconds += time.perf_counter() - t0
        self.texts.extend(texts)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# -- stages ----------------------------------------------------------------------------------------------
def stage_ingest(which: str, args: argparse.Namespace, work: Path) -> dict:
    files = subset(args.articles)
    corpus = _subset_dir(args, work)
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
        stats = _baseline().build(corpus, work / "baseline", emb)
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
            "subset": f"every {max(1, len(sorted(BBC.rglob('*.txt'))) // args.articles)}-th file of the sorted "
                      f"BBC corpus, first {args.articles}"}


def _subset_dir(args: argparse.Namespace, work: Path) -> Path:
    corpus = work / "subset"
    if not corpus.exists():
        for f in subset(args.articles):
            dst = corpus / f.relative_to(BBC)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dst)
    return corpus


def stage_ingest_cold(args: argparse.Namespace, work: Path) -> dict:
    rag = str(Path(sys.executable).with_name("rag"))
    out: dict[str, Any] = {}
    for n, (name, corpus) in enumerate((("subset", _subset_dir(args, work)), ("full", BBC))):
        runs: dict[str, dict] = {}
        for system in (("baseline", "ours") if n % 2 == 0 else ("ours", "baseline")):
            dst = work / f"cold_{system}_{name}"
            cmd = ([rag, "--index", str(dst), "ingest", str(corpus)] if system == "ours"
                   else [sys.executable, "-m", "rag.evaluation.baseline", "build", str(corpus), str(dst)])
            seconds, code, mb = _timed(cmd, cwd=ROOT)
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
    return {"chunks": client.get_collection(_baseline().COLLECTION).count()}


def stage_app(args: argparse.Namespace, work: Path) -> dict:
    import socket
    import urllib.request

    rag = str(Path(sys.executable).with_name("rag"))
    index = work / "seeds_index"
    if not (index / "catalog.sqlite").exists():
        subprocess.run([rag, "--index", str(index), "ingest", str(ROOT / "seeds")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cold = [_timed([rag, "--index", str(index), "ask", "Who is Colin Kahl?", "--mode", "extractive"])[0]
            for _ in range(args.cold_runs)]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_INDEX_DIR=str(index), RAG_PORT=str(port))
    t0 = time.perf_counter()
    proc = subprocess.Popen([rag, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/openapi.json", timeout=1).read()  # the UI and the API
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 120:
                    raise SystemExit("bench: rag serve did not start") from None
                time.sleep(0.05)
        ready = time.perf_counter() - t0

        def ask(q: str) -> float:
            req = urllib.request.Request(f"{url}/api/ask", data=json.dumps({"question": q, "mode": "extractive"})
                                         .encode(), headers={"Content-Type": "application/json"})
            t = time.perf_counter()
            body = json.loads(urllib.request.urlopen(req, timeout=60).read())
            assert "answer" in body, body
            return time.perf_counter() - t

        first = ask("Who is Colin Kahl?")
        nxt = [ask(q) for q in ("When did Musk and Putin first speak?", "What is Starlink?", "Who is Colin Kahl?")]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    warm = sorted(nxt)[len(nxt) // 2]
    return {"ready_seconds": round(ready, 2), "first_answer_ms": round(1000 * first, 1),
            "next_answer_p50_ms": round(1000 * warm, 1), "first_to_next": ratio(first, warm),
            "cold_rag_ask_seeds": lat(cold), "targets": {"first_to_next": 2.0, "cold_rag_ask_seconds": 2.0},
            "met": first <= 2 * warm and pct(cold, 50) < 2000}


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


def _baseline_collection(src: Path, dst: Path) -> None:
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
            _baseline_collection(index_dir, base_dir)
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
    base = _baseline().retriever(base_dir, starter, 10, base_name)
    base("warm up")
    out["baseline_dense"] = _timed_queries(base, qs, starter)
    return out


def _timed(cmd: list[str], **kw: Any) -> tuple[float, int, int]:
    """(wall seconds, exit code, peak RSS in MB) of one fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, proc.returncode, usage.ru_maxrss // 1024


def stage_cold(args: argparse.Namespace, work: Path) -> dict:
    rag = str(Path(sys.executable).with_name("rag"))
    if not (work / "baseline_10k" / "chroma.sqlite3").exists():
        _baseline_collection(Path(args.index), work / "baseline_10k")
    qs = questions()
    helps = [_timed([rag, "--help"])[0] for _ in range(args.cold_runs + 2)]

    def asks(backend: str) -> tuple[list[float], list[int], list[int]]:
        env = {**os.environ, "RAG_EMBED_BACKEND": backend}
        runs = [_timed([rag, "--index", str(args.index), "ask", q, "--mode", "extractive"], env=env)
                for q in qs[: args.cold_runs]]
        return [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]

    onnx, codes, rss = asks("auto")
    torch_, codes_t, _ = asks("torch")
    base, base_rss = [], []
    for q in qs[: args.cold_runs]:
        s, code, mb = _timed([sys.executable, "-m", "rag.evaluation.baseline", "search", str(work / "baseline_10k"), q])
        base.append(s)
        base_rss.append(mb)
        codes.append(code)
    return {"rag_help": lat(helps), "rag_ask": lat(onnx), "rag_ask_peak_rss_mb": max(rss),
            "rag_ask_torch_backend": lat(torch_), "baseline_search": lat(base),
            "baseline_search_peak_rss_mb": max(base_rss), "exit_codes": codes + codes_t,
            "note": "baseline: rag/evaluation/baseline.py search over the 10k baseline collection (retrieval only; "
                    "the starter has no answerer without an LLM)"}


def _sentence_vectors_for(engine: Any, qs: list[str]) -> int:
    """Store sentence vectors for the passages these questions retrieve, if the index lacks them (a bench index
    is built without, to save time): the same lookups as a fully backfilled index for these questions."""
    from rag.answer.extractive import split_question
    from rag.ingest import sentence_vectors
    from rag.store.ingestion import store_sentence_vectors

    pids = {h.pid for q in qs for part in {q, *split_question(q)} for h in engine.search(part)}
    catalog = engine.index().catalog
    missing = sorted(pids - set(catalog.sentence_vectors(pids, sentence_vectors.VERSION)))
    passages = catalog.passages(missing)
    docs = {d: catalog.doc(d) for d in {p.doc_id for p in passages.values()}}
    todo = [(pid, getattr(docs[p.doc_id], "title", None), p.text) for pid, p in passages.items()]
    if todo:
        store_sentence_vectors(engine.index(), engine.embedder, todo)
    return len(todo)


def stage_warm(args: argparse.Namespace, work: Path) -> dict:
    import cProfile
    import io
    import pstats

    from rag.app.engine import Engine
    from rag.settings import Settings

    engine = Engine(Settings(index_dir=Path(args.index)))
    engine.ask("What happened to the warm-up question?", mode="extractive")
    qs = questions()
    added = _sentence_vectors_for(engine, qs)

    def run() -> tuple[list[float], list[float], list[float], int]:
        engine.embedder._query_cache.clear()
        totals, retrieve, answer, refused = [], [], [], 0
        for q in qs:
            t0 = time.perf_counter()
            a = engine.ask(q, mode="extractive")
            totals.append(time.perf_counter() - t0)
            retrieve.append(a.timings_ms.get("retrieve", 0) / 1000)
            answer.append(a.timings_ms.get("answer", 0) / 1000)
            refused += a.refused
        return totals, retrieve, answer, refused

    from rag.answer import extractive

    stored = extractive.stored_vectors
    extractive.stored_vectors = lambda c: lambda pids: {}  # as before they were stored: embed sentences now
    try:
        slow = run()[0]
    finally:
        extractive.stored_vectors = stored
    totals, retrieve, answer, refused = run()
    briefs = {}
    for topic in BRIEF_TOPICS:  # issue 5: an extractive briefing over BBC on a business topic, under a minute
        t0 = time.perf_counter()
        b = engine.brief(topic, mode="extractive")
        briefs[topic] = {"seconds": round(time.perf_counter() - t0, 2), "citations": len(b.citations)}
    engine.embedder._query_cache.clear()
    prof = cProfile.Profile()
    prof.enable()
    for q in qs[:15]:
        engine.ask(q, mode="extractive")
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
    (RESULTS / "profile_warm_ask.txt").write_text(buf.getvalue())
    return {"ask": lat(totals), "retrieve": lat(retrieve), "answer": lat(answer), "refused": refused,
            "questions": len(qs), "backend": engine.embedder.backend, "sentence_vectors_added": added,
            "ask_embedding_sentences_at_query_time": lat(slow), "briefings": briefs}


# -- the parent -------------------------------------------------------------------------------------------
def run_stage(name: str, args: argparse.Namespace, work: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", name, "--work", str(work),
           "--articles", str(args.articles), "--index", str(args.index), "--target", str(args.target),
           "--cold-runs", str(args.cold_runs), "--questions", str(args.questions), "--corpus", str(args.corpus),
           "--questions-file", str(args.questions_file), "--results", str(args.results)]
    t0 = time.perf_counter()
    seconds, code, mb = _timed(cmd, cwd=ROOT)
    path = RESULTS / f"{name}.json"
    if code != 0 or not path.exists():
        raise SystemExit(f"bench: stage {name} failed (exit {code})")
    data = json.loads(path.read_text())
    data.update(peak_rss_mb=mb, stage_seconds=round(time.perf_counter() - t0, 1))
    path.write_text(json.dumps(data, indent=2))
    print(f"  {name}: {seconds:.0f}s, peak RSS {mb} MB", flush=True)
    return data


def summarise(r: dict) -> dict:
    s: dict[str, Any] = {}
    if r.get("ingest_cold"):
        s["ingest_cold"] = r["ingest_cold"]
    if r.get("app"):
        s["app"] = r["app"]
    io_, ib = r.get("ingest_ours"), r.get("ingest_baseline")
    if io_ and ib:
        s["ingest"] = {k: {"ours": io_[k], "baseline": ib[k], "ratio": ratio(io_[k], ib[k])}
                       for k in ("chunks_per_s", "chunks_per_s_searchable", "tokens_per_s", "offered_tokens_per_s",
                                     "seconds", "peak_rss_mb")}
        s["ingest"]["articles"] = io_["articles"]
        s["ingest"]["chunks"] = {"ours": io_["chunks"], "baseline": ib["chunks"]}
        s["ingest"]["embed_share"] = {"ours": io_["embed_share"], "baseline": ib["embed_share"]}
        s["ingest"]["backend"] = {"ours": io_["backend"], "baseline": ib["backend"]}
        s["ingest"]["sentence_vector_seconds"] = io_["sentence_vector_seconds"]
    for size in ("10k", "100k"):
        q = r.get(f"query_{size}")
        if q:
            b = q["baseline_dense"]
            s[f"query_{size}"] = {"passages": q["passages"], "baseline_dense": b,
                                  "embed_query": q["embed_query"], "peak_rss_mb": q["peak_rss_mb"],
                                  **{m: {**q[m], "p50_ratio_to_baseline": ratio(q[m]["p50_ms"], b["p50_ms"]),
                                         "p95_ratio_to_baseline": ratio(q[m]["p95_ms"], b["p95_ms"])}
                                     for m in ("dense", "bm25", "hybrid", "hybrid_cached_embedding")},
                                  "embed_query_torch": q.get("embed_query_torch")}
    c = r.get("cold")
    if c:
        s["cold"] = {"rag_help_p50_ms": c["rag_help"]["p50_ms"], "rag_ask_p50_ms": c["rag_ask"]["p50_ms"],
                     "baseline_search_p50_ms": c["baseline_search"]["p50_ms"],
                     "ratio": ratio(c["rag_ask"]["p50_ms"], c["baseline_search"]["p50_ms"]),
                     "rag_ask_peak_rss_mb": c["rag_ask_peak_rss_mb"],
                     "baseline_peak_rss_mb": c["baseline_search_peak_rss_mb"],
                     "rag_ask_torch_backend_p50_ms": c["rag_ask_torch_backend"]["p50_ms"],
                     "target_ms": 6000, "met": c["rag_ask"]["p50_ms"] < 6000}
    w = r.get("warm")
    if w:
        b = (r.get("query_10k") or {}).get("baseline_dense", {})
        s["warm_ask_10k"] = {**w["ask"], "retrieve_p50_ms": w["retrieve"]["p50_ms"],
                             "answer_p50_ms": w["answer"]["p50_ms"], "peak_rss_mb": w["peak_rss_mb"],
                             "baseline_dense_retrieval_p50_ms": b.get("p50_ms"),
                             "ratio": ratio(w["ask"]["p50_ms"], b.get("p50_ms")),
                             "embedding_sentences_at_query_time": w["ask_embedding_sentences_at_query_time"],
                             "briefings": w.get("briefings"),
                             "target_ms": 150, "met": w["ask"]["p50_ms"] < 150}
    return s


def plot(s: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ax = axes[0]
    if "ingest_cold" in s:
        ic = s["ingest_cold"]
        sizes = [k for k in ("subset", "full") if k in ic]
        x = range(len(sizes))
        ax.bar([i - 0.2 for i in x], [ic[k]["ours"]["seconds"] for k in sizes], 0.4, label="citable (every word)")
        ax.bar([i + 0.2 for i in x], [ic[k]["baseline"]["seconds"] for k in sizes], 0.4, label="starter")
        for i, k in enumerate(sizes):
            ax.annotate(f"{ic[k]['speedup']}x", (i, max(ic[k]["ours"]["seconds"], ic[k]["baseline"]["seconds"])),
                        ha="center", va="bottom")
        ax.set_xticks(list(x), [f"{ic[k]['files']} BBC files" for k in sizes])
        ax.set_ylabel("seconds, fresh process to complete index")
        ax.set_title("Ingest (cold)")
        ax.legend()
    elif "ingest" in s:
        ing = s["ingest"]
        labels = ["chunks/s\n(searchable)", "chunks/s\n(with sentences)", "tokens/s ÷ 100"]
        ours = [ing["chunks_per_s_searchable"]["ours"], ing["chunks_per_s"]["ours"], ing["tokens_per_s"]["ours"] / 100]
        base = [ing["chunks_per_s_searchable"]["baseline"], ing["chunks_per_s"]["baseline"],
                ing["tokens_per_s"]["baseline"] / 100]
        x = range(len(labels))
        ax.bar([i - 0.2 for i in x], ours, 0.4, label="citable")
        ax.bar([i + 0.2 for i in x], base, 0.4, label="baseline")
        ax.set_xticks(list(x), labels)
        ax.set_title(f"Ingest ({ing['articles']} BBC articles)")
        ax.legend()
    ax = axes[1]
    methods = ["dense", "bm25", "hybrid", "baseline_dense"]
    for off, size in ((-0.2, "10k"), (0.2, "100k")):
        q = s.get(f"query_{size}")
        if q:
            ax.bar([i + off for i in range(len(methods))], [q[m]["p50_ms"] for m in methods], 0.4,
                   label=f"{q['passages']:,} passages (p50)")
            ax.scatter([i + off for i in range(len(methods))], [q[m]["p95_ms"] for m in methods], marker="_",
                       s=200, color="black")
    ax.set_xticks(range(len(methods)), ["dense", "BM25", "hybrid", "baseline\ndense"])
    ax.set_ylabel("ms (bar p50, dash p95)")
    ax.set_title("Query latency")
    ax.legend()
    ax = axes[2]
    bars = []
    if "cold" in s:
        bars += [("rag --help", s["cold"]["rag_help_p50_ms"]), ("cold ask", s["cold"]["rag_ask_p50_ms"]),
                 ("baseline\ncold search", s["cold"]["baseline_search_p50_ms"])]
    if "warm_ask_10k" in s:
        bars += [("warm ask", s["warm_ask_10k"]["p50_ms"])]
    if bars:
        ax.bar(range(len(bars)), [b[1] / 1000 for b in bars], color=["C2", "C0", "C1", "C0"][: len(bars)])
        ax.set_xticks(range(len(bars)), [b[0] for b in bars])
        ax.set_ylabel("seconds (p50)")
        ax.set_title("Start-up and ask latency")
    fig.suptitle("citable vs LlamaIndex starter baseline (2 cores, no GPU, shared load)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/run.py")
    p.add_argument("--articles", type=int, default=300, help="BBC articles ingested by both systems")
    p.add_argument("--index", default=os.environ.get("BENCH_INDEX", "/tmp/citable-bench/bbc"), help="a full BBC index")
    p.add_argument("--target", type=int, default=100_000, help="passages of the large collection")
    p.add_argument("--cold-runs", type=int, default=3)
    p.add_argument("--questions", type=int, default=30, help="dev questions timed per retrieval method")
    p.add_argument("--corpus", default=str(BBC), help="the corpus ingested (default: the BBC corpus)")
    p.add_argument("--questions-file", default=str(QUESTIONS), help="JSON Lines questions (`q`) that are timed")
    p.add_argument("--results", default=str(RESULTS), help="where the stages' JSON, summary.json and bench.png go")
    p.add_argument("--only", nargs="*", choices=STAGES, help="run only these stages (others keep their JSON)")
    p.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    configure(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.stage:
        work = Path(args.work)
        fn = {"ingest_cold": lambda: stage_ingest_cold(args, work), "app": lambda: stage_app(args, work),
              "ingest_ours": lambda: stage_ingest("ours", args, work),
              "ingest_baseline": lambda: stage_ingest("baseline", args, work),
              "query_10k": lambda: stage_query("10k", args, work),
              "query_100k": lambda: stage_query("100k", args, work),
              "cold": lambda: stage_cold(args, work), "warm": lambda: stage_warm(args, work)}[args.stage]
        (RESULTS / f"{args.stage}.json").write_text(json.dumps(fn(), indent=2))
        return 0
    if not (Path(args.index) / "catalog.sqlite").exists():
        print(f"bench: no BBC index at {args.index} (build it: rag --index {args.index} ingest {BBC})",
              file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    load0 = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="citable-bench-"))
    results: dict[str, dict] = {}
    try:
        for name in STAGES:
            if args.only and name not in args.only:
                if (RESULTS / f"{name}.json").exists():
                    results[name] = json.loads((RESULTS / f"{name}.json").read_text())
                continue
            results[name] = run_stage(name, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = {"machine": {"cpus": os.cpu_count(), "gpu": None, "python": platform.python_version(),
                           "load_avg_start": [round(x, 1) for x in load0],
                           "load_avg_end": [round(x, 1) for x in os.getloadavg()],
                           "note": "2 cores shared with other work: absolute timings are noisy, "
                                   "ratios are measured in the same run"},
               "total_seconds": round(time.perf_counter() - t0, 1), **summarise(results)}
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2))
    plot(summary, RESULTS / "bench.png")
    print(json.dumps(summary, indent=2))
    print(f"bench: wrote {RESULTS}/summary.json and {RESULTS}/bench.png in {summary['total_seconds']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
