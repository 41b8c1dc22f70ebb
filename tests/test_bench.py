"""`make bench` cannot rot unseen: every stage of bench/run.py runs on a tiny corpus and leaves its figures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import BBC, EVAL, ROOT, load_jsonl, require

ARTICLES = ["business/001.txt", "business/002.txt", "politics/001.txt", "sport/001.txt", "tech/001.txt",
            "entertainment/001.txt", "tech/002.txt", "politics/002.txt"]


def test_every_bench_stage_writes_its_figures(tmp_path: Path):
    require(BBC.is_dir() and (EVAL / "bbc_dev.jsonl").exists(), "../shared/corpora/bbc and eval/bbc_dev.jsonl")
    corpus = tmp_path / "corpus"
    for rel in ARTICLES:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BBC / rel, corpus / rel)
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"q": q["q"]}) + "\n" for q in load_jsonl(EVAL / "bbc_dev.jsonl")[:3]))
    index, results = tmp_path / "index", tmp_path / "results"
    rag = str(Path(sys.executable).with_name("rag"))
    subprocess.run([rag, "--index", str(index), "ingest", str(corpus)], check=True, capture_output=True)
    p = subprocess.run([sys.executable, "bench/run.py", "--index", str(index), "--corpus", str(corpus),
                        "--questions-file", str(questions), "--results", str(results), "--articles", "4",
                        "--target", "60", "--cold-runs", "1", "--questions", "3"],
                       cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    summary = json.loads((results / "summary.json").read_text())
    assert (results / "bench.png").stat().st_size > 10_000
    assert summary["ingest_cold"]["subset"]["files"] == 4 and summary["ingest_cold"]["full"]["files"] == 8
    assert summary["ingest_cold"]["subset"]["speedup"] > 0
    assert summary["ingest"]["chunks"]["ours"] > 0 and summary["ingest"]["chunks_per_s"]["ratio"] > 0
    for size in ("10k", "100k"):
        q = summary[f"query_{size}"]
        assert q["hybrid"]["n"] == 3 and q["baseline_dense"]["p50_ms"] > 0
    assert summary["query_100k"]["passages"] >= 60 > summary["query_10k"]["passages"]
    assert summary["cold"]["rag_ask_p50_ms"] > 0 and summary["cold"]["baseline_search_p50_ms"] > 0
    assert summary["app"]["first_answer_ms"] > 0 and summary["app"]["ready_seconds"] > 0
    warm = summary["warm_ask_10k"]
    assert warm["n"] == 3 and warm["embedding_sentences_at_query_time"]["n"] == 3 and warm["briefings"]
    assert (results / "profile_warm_ask.txt").exists()
