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

One module a stage (``ingest_stages``, ``query_stages``, ``startup_stages``, ``warm_stage``), what they share in
``common``, the summary and its plot in ``summary``; this file runs them, each in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import common
from common import ROOT, STAGES, configure, timed
from ingest_stages import stage_ingest, stage_ingest_cold
from query_stages import stage_query
from startup_stages import stage_app, stage_cold
from summary import plot, summarise
from warm_stage import stage_warm


# -- the parent -------------------------------------------------------------------------------------------
def run_stage(name: str, args: argparse.Namespace, work: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", name, "--work", str(work),
           "--articles", str(args.articles), "--index", str(args.index), "--target", str(args.target),
           "--cold-runs", str(args.cold_runs), "--questions", str(args.questions), "--corpus", str(args.corpus),
           "--questions-file", str(args.questions_file), "--results", str(args.results)]
    t0 = time.perf_counter()
    seconds, code, mb = timed(cmd, cwd=ROOT)
    path = common.RESULTS / f"{name}.json"
    if code != 0 or not path.exists():
        raise SystemExit(f"bench: stage {name} failed (exit {code})")
    data = json.loads(path.read_text())
    data.update(peak_rss_mb=mb, stage_seconds=round(time.perf_counter() - t0, 1))
    path.write_text(json.dumps(data, indent=2))
    print(f"  {name}: {seconds:.0f}s, peak RSS {mb} MB", flush=True)
    return data




def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/run.py")
    p.add_argument("--articles", type=int, default=300, help="BBC articles ingested by both systems")
    p.add_argument("--index", default=os.environ.get("BENCH_INDEX", "/tmp/citable-bench/bbc"), help="a full BBC index")
    p.add_argument("--target", type=int, default=100_000, help="passages of the large collection")
    p.add_argument("--cold-runs", type=int, default=3)
    p.add_argument("--questions", type=int, default=30, help="dev questions timed per retrieval method")
    p.add_argument("--corpus", default=str(common.BBC), help="the corpus ingested (default: BBC)")
    p.add_argument("--questions-file", default=str(common.QUESTIONS), help="JSON Lines questions (`q`) that are timed")
    p.add_argument("--results", default=str(common.RESULTS),
                   help="where the stages' JSON, summary.json and bench.png go")
    p.add_argument("--only", nargs="*", choices=STAGES, help="run only these stages (others keep their JSON)")
    p.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    configure(args)
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.stage:
        work = Path(args.work)
        fn = {"ingest_cold": lambda: stage_ingest_cold(args, work), "app": lambda: stage_app(args, work),
              "ingest_ours": lambda: stage_ingest("ours", args, work),
              "ingest_baseline": lambda: stage_ingest("baseline", args, work),
              "query_10k": lambda: stage_query("10k", args, work),
              "query_100k": lambda: stage_query("100k", args, work),
              "cold": lambda: stage_cold(args, work), "warm": lambda: stage_warm(args, work)}[args.stage]
        (common.RESULTS / f"{args.stage}.json").write_text(json.dumps(fn(), indent=2))
        return 0
    if not (Path(args.index) / "catalog.sqlite").exists():
        print(f"bench: no BBC index at {args.index} (build it: rag --index {args.index} ingest {common.BBC})",
              file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    load0 = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="citable-bench-"))
    results: dict[str, dict] = {}
    try:
        for name in STAGES:
            if args.only and name not in args.only:
                if (common.RESULTS / f"{name}.json").exists():
                    results[name] = json.loads((common.RESULTS / f"{name}.json").read_text())
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
    (common.RESULTS / "summary.json").write_text(json.dumps(summary, indent=2))
    plot(summary, common.RESULTS / "bench.png")
    print(json.dumps(summary, indent=2))
    out = common.RESULTS
    print(f"bench: wrote {out}/summary.json and {out}/bench.png in {summary['total_seconds']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
