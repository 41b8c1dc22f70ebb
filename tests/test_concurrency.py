"""Concurrency: many users ask while an ingest runs; no errors, and every document is seen whole or not at all."""

from __future__ import annotations

import math
import os
import shutil
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, file_text, make_engine, served_app
from test_faults import synthetic_corpus

QUESTIONS = [
    "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?",
    "Who is Colin Kahl?",
    "What did Putin ask Musk to do?",
    "When was the report published?",
    "Which satellite service does Musk own?",
    "Did Musk talk to Putin?",
    "What did the Wall Street Journal report?",
    "Who requested the restriction of Starlink?",
]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class WholeDocuments:
    """Reads the catalog from its own connection while a writer works; records any half-visible document."""

    def __init__(self, catalog: Path) -> None:
        self.catalog = catalog
        self.problems: list[str] = []
        self.reads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WholeDocuments:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        conn = sqlite3.connect(self.catalog, timeout=30)
        while not self._stop.is_set():
            rows = conn.execute("SELECT d.source, d.n_passages, COUNT(p.pid) FROM docs d LEFT JOIN passages p "
                                "USING(doc_id) GROUP BY d.doc_id").fetchall()
            self.problems += [f"{s}: {n} passages announced, {got} present" for s, n, got in rows if n != got]
            self.reads += 1
            time.sleep(0.02)
        conn.close()


def check_answer(d: dict) -> None:
    assert set(d) >= {"question", "answer", "citations", "refused"}
    assert d["refused"] or d["citations"]
    for c in d["citations"]:
        path = Path(c["source"]) if Path(c["source"]).is_absolute() else ROOT / c["source"]
        assert file_text(path)[c["start"]:c["end"]] == c["quote"]


@pytest.fixture
def app_server(tmp_path: Path):
    """`rag serve` on loopback over a seeded index; yields (url, index dir, engine of the test process)."""
    index = tmp_path / "index"
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    engine = make_engine(index)
    engine.ingest([corpus])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    with served_app(index, env, tmp_path / "app.log") as url:
        yield f"{url}/", index, engine


def test_eight_users_ask_the_app_while_an_ingest_runs(app_server, tmp_path: Path, capsys, record_property):
    from gradio_client import Client

    url, index, engine = app_server
    # One client for all users (as one browser tab per user would share the server); generous timeouts because
    # CI's two cores are shared with the ingest.
    client = Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 300})
    api = client.view_api(print_info=False, return_format="dict")
    assert "/ask_json" in api["named_endpoints"], f"the app exposes no /ask_json: {list(api['named_endpoints'])}"
    extra = synthetic_corpus(tmp_path / "extra", 40)
    report = {}

    def ingest() -> None:
        report["r"] = engine.ingest([tmp_path / "extra"])

    def ask(question: str) -> tuple[dict, float]:
        t0 = time.perf_counter()
        result = client.submit(question, api_name="/ask_json").result(timeout=300)
        return result, time.perf_counter() - t0

    with WholeDocuments(index / "catalog.sqlite") as watch, ThreadPoolExecutor(9) as pool:
        writer = pool.submit(ingest)
        results = list(pool.map(ask, QUESTIONS))
        writer.result()
    assert report["r"].added == len(extra)
    assert watch.reads > 0 and watch.problems == []
    for answer, _ in results:
        check_answer(answer)
    # Real answers came through while the ingest ran (which questions the judge answers on a corpus this small
    # moves with the corpus: the 40 new files change its IDF and rank features mid-run).
    answered = [a for a, _ in results if not a["refused"]]
    assert len(answered) >= 2 and any("Putin" in a["answer"] for a in answered), [a["answer"] for a, _ in results]
    latencies = [s * 1000 for _, s in results]
    record_property("ask_p95_ms", round(p95(latencies)))
    with capsys.disabled():
        print(f"\n8 concurrent asks through gradio_client during an ingest of {len(extra)} files: "
              f"p50 {sorted(latencies)[len(latencies) // 2]:.0f} ms, p95 {p95(latencies):.0f} ms")
    # After the ingest the app finds the new documents too (it follows the catalog's generation): the answer, or
    # the refusal's closest sentence (the judge is at its weakest on a tiny synthetic corpus), is the new file's.
    after = client.predict("What does codeword zq0007x close?", api_name="/ask_json")
    check_answer(after)
    evidence = after["citations"] if not after["refused"] else [after["related"]] if after.get("related") else []
    assert evidence and all(c["source"].endswith("extra/article_0007.txt") and "zq0007x" in c["quote"]
                            and file_text(c["source"])[c["start"]:c["end"]] == c["quote"] for c in evidence), after


JOIN_TIMEOUT = 600  # seconds: a thread still running after this is hung (deadlocked on the writer lock, say)


def test_library_is_safe_to_share_between_threads(tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    engine = make_engine(tmp_path / "index")
    engine.ingest([corpus])
    extra = synthetic_corpus(tmp_path / "extra", 24)
    errors: list[BaseException] = []

    def asker(question: str) -> None:
        try:
            for _ in range(3):
                ans = engine.ask(question)
                for c in ans.citations:
                    assert engine.canonical_text(c.source)[c.start:c.end] == c.quote
                engine.search(question, k=4, method="bm25")
        except BaseException as e:  # noqa: BLE001 - collected and reported below
            errors.append(e)

    def write() -> None:
        try:
            report = engine.ingest([tmp_path / "extra"])
            assert report.added == len(extra), report
        except BaseException as e:  # noqa: BLE001 - collected and reported below
            errors.append(e)

    with WholeDocuments(tmp_path / "index" / "catalog.sqlite") as watch:
        threads = [threading.Thread(target=asker, args=(q,), daemon=True) for q in QUESTIONS]
        writer = threading.Thread(target=write, daemon=True)
        deadline = time.monotonic() + JOIN_TIMEOUT
        for t in [writer, *threads]:
            t.start()
        for t in [writer, *threads]:
            t.join(max(0.0, deadline - time.monotonic()))
    hung = [t.name for t in [writer, *threads] if t.is_alive()]
    assert hung == [], f"threads still running after {JOIN_TIMEOUT} s: {hung}"
    assert errors == []
    assert watch.problems == []
    idx = engine.index()
    assert len(idx.catalog.docs()) == 2 + len(extra)
    assert idx.vectors.ids() == idx.catalog.pids() == set(idx.lexical().pids)
