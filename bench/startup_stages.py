"""Start-up stages: `rag serve` to its first answers, and cold `rag --help` / `rag ask` beside the baseline's search."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, lat, pct, questions, ratio, timed
from query_stages import baseline_collection


def stage_app(args: argparse.Namespace, work: Path) -> dict:
    import socket
    import urllib.request

    rag = str(Path(sys.executable).with_name("rag"))
    index = work / "seeds_index"
    if not (index / "catalog.sqlite").exists():
        subprocess.run([rag, "--index", str(index), "ingest", str(ROOT / "seeds")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cold = [timed([rag, "--index", str(index), "ask", "Who is Colin Kahl?", "--mode", "extractive"])[0]
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




def stage_cold(args: argparse.Namespace, work: Path) -> dict:
    rag = str(Path(sys.executable).with_name("rag"))
    if not (work / "baseline_10k" / "chroma.sqlite3").exists():
        baseline_collection(Path(args.index), work / "baseline_10k")
    qs = questions()
    helps = [timed([rag, "--help"])[0] for _ in range(args.cold_runs + 2)]

    def asks(backend: str) -> tuple[list[float], list[int], list[int]]:
        env = {**os.environ, "RAG_EMBED_BACKEND": backend}
        runs = [timed([rag, "--index", str(args.index), "ask", q, "--mode", "extractive"], env=env)
                for q in qs[: args.cold_runs]]
        return [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]

    onnx, codes, rss = asks("auto")
    torch_, codes_t, _ = asks("torch")
    base, base_rss = [], []
    for q in qs[: args.cold_runs]:
        s, code, mb = timed([sys.executable, "-m", "rag.evaluation.baseline", "search", str(work / "baseline_10k"), q])
        base.append(s)
        base_rss.append(mb)
        codes.append(code)
    return {"rag_help": lat(helps), "rag_ask": lat(onnx), "rag_ask_peak_rss_mb": max(rss),
            "rag_ask_torch_backend": lat(torch_), "baseline_search": lat(base),
            "baseline_search_peak_rss_mb": max(base_rss), "exit_codes": codes + codes_t,
            "note": "baseline: rag/evaluation/baseline.py search over the 10k baseline collection (retrieval only; "
                    "the starter has no answerer without an LLM)"}


