"""What every stage of the benchmark shares: where the corpus, the questions and the results are (``configure``
points them elsewhere: tests/test_bench.py runs every stage on a tiny corpus), percentiles, the embedders, and a
fresh process timed with its peak memory."""

from __future__ import annotations

import argparse
import math
import os
import subprocess
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
def baseline_module() -> Any:
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
    from rag.evaluation.evaluate import load_questions

    return [q["q"] for q in load_questions(QUESTIONS)]


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




def timed(cmd: list[str], **kw: Any) -> tuple[float, int, int]:
    """(wall seconds, exit code, peak RSS in MB) of one fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, proc.returncode, usage.ru_maxrss // 1024

