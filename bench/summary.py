"""The summary of every stage's figures (ratios to the baseline measured in the same run) and its plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common import ratio


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


