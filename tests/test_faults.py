"""Faults: an ingest killed with SIGKILL, the Chroma server going away mid-session, the LLM dying mid-stream."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, file_text, make_engine
from test_server_mode import QUESTION, RAG, ChromaServer, rag_cli

from rag.app.engine import Engine
from rag.store.vectors import StoreUnavailable

TOPICS = ["harbour", "glacier", "orchard", "railway", "lighthouse", "vineyard", "quarry", "observatory"]


def synthetic_corpus(folder: Path, n: int) -> list[Path]:
    """n small articles, each with a phrase no other article has."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        body = " ".join(f"The {topic} council of district {i} met on day {j} to discuss budget item {i * 31 + j}."
                        for j in range(8))
        path = folder / f"article_{i:04d}.txt"
        path.write_text(f"Report {i} on the {topic}\n{body}\nCodeword zq{i:04d}x closes report {i}.\n",
                        encoding="utf-8")
        files.append(path)
    return files


def assert_complete(engine: Engine, files: list[Path]) -> None:
    """Every file is one document whose passages all have vectors, BM25 entries and exact offsets."""
    idx = engine.index()
    docs = idx.catalog.docs()
    assert sorted(d.source for d in docs) == sorted(str(f.resolve()) for f in files)
    pids = idx.catalog.pids()
    assert idx.vectors.ids() == pids  # no orphan and no missing vector
    assert set(idx.lexical().pids) == pids
    for d in docs:
        text = idx.catalog.text(d.doc_id)
        assert text == file_text(d.source)
        passages = idx.catalog.passages(idx.catalog.pids_of(d.doc_id))
        assert len(passages) == d.n_passages > 0
        assert all(text[p.start:p.end] == p.text for p in passages.values())


def test_ingest_killed_halfway_then_rerun_completes(tmp_path: Path):
    files = synthetic_corpus(tmp_path / "corpus", 100)
    index = tmp_path / "index"
    proc = subprocess.Popen([str(RAG), "--index", str(index), "ingest", str(tmp_path / "corpus")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    committed = 0
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with sqlite3.connect(f"file:{index / 'catalog.sqlite'}?mode=ro", uri=True, timeout=5) as c:
                    committed = c.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
            except sqlite3.Error:
                committed = 0
            if committed:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    assert 0 < committed < len(files)

    engine = make_engine(index)
    survived = len(engine.index().catalog.docs())
    assert 0 < survived < len(files)  # the killed run left whole batches, and the index opens
    report = engine.ingest([tmp_path / "corpus"])
    assert report.unchanged == survived and report.added == len(files) - survived
    assert_complete(engine, files)
    hits = engine.search("Codeword zq0097x", k=3, method="bm25")
    assert hits and hits[0].source.endswith("article_0097.txt")
    again = engine.ingest([tmp_path / "corpus"])  # and nothing is left to do
    assert (again.added, again.updated, again.passages) == (0, 0, 0)


def test_chroma_server_stopped_mid_session_then_back(tmp_path: Path):
    server = ChromaServer(tmp_path / "chroma-data").start()
    try:
        corpus = tmp_path / "corpus"
        shutil.copytree(SEEDS, corpus)
        engine = make_engine(tmp_path / "index", chroma_url=server.url)
        engine.ingest([corpus])
        before = engine.ask(QUESTION)
        assert not before.refused

        server.stop()
        with pytest.raises(StoreUnavailable) as err:
            engine.ask(QUESTION)
        message = str(err.value)
        assert server.url in message and "is it running" in message and "\n" not in message
        extra = tmp_path / "extra"
        synthetic_corpus(extra, 3)
        with pytest.raises(StoreUnavailable):
            engine.ingest([extra])
        with pytest.raises(StoreUnavailable):  # a new process cannot open the index either
            make_engine(tmp_path / "other", chroma_url=server.url).ask(QUESTION)
        out = rag_cli("--index", str(tmp_path / "index"), "ask", QUESTION, env={"RAG_CHROMA_URL": server.url})
        assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
        assert out.stderr.startswith("rag: error:") and "Chroma server" in out.stderr and "Traceback" not in out.stderr

        server.start()  # same port, same data: the same Engine recovers without a restart
        assert engine.ask(QUESTION).answer == before.answer
        engine.ingest([corpus, extra])
        assert_complete(engine, [*sorted(corpus.iterdir()), *sorted(extra.iterdir())])
    finally:
        server.stop()


class _DyingLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible server that streams a few tokens of an answer, then drops the connection."""

    protocol_version = "HTTP/1.1"
    TOKENS = ["The Wall", " Street", " Journal", " reported"]

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._json({"object": "list", "data": [{"id": "tiny", "object": "model", "created": 0, "owned_by": "t"}]})

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for tok in self.TOKENS:
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
                     "choices": [{"index": 0, "delta": {"content": tok}, "finish_reason": None}]}
            payload = f"data: {json.dumps(chunk)}\n\n".encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()
            time.sleep(0.05)
        self.connection.shutdown(socket.SHUT_RDWR)  # dies mid-stream: no [DONE], no final chunk
        self.close_connection = True


@pytest.fixture
def dying_llm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DyingLLM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_llm_dying_mid_stream_falls_back_to_extractive(seeds_engine: Engine, dying_llm: str):
    engine = make_engine(seeds_engine.settings.index_dir, llm_base_url=dying_llm, llm_model="tiny")
    events = list(engine.ask_stream(QUESTION, mode="llm"))
    tokens = "".join(e.text for e in events if e.kind == "token")
    assert tokens.startswith("The Wall")  # the stream had started
    final = events[-1].answer
    assert events[-1].kind == "answer" and [e.kind for e in events[:-1]] == ["token"] * (len(events) - 1)
    assert final.mode == "extractive" and not final.refused
    extractive = seeds_engine.ask(QUESTION, mode="extractive")  # the answer shown is the extractive one, whole
    assert "Wall Street Journal" in final.answer and final.answer == extractive.answer
    assert [c.to_dict() for c in final.citations] == [c.to_dict() for c in extractive.citations] != []
    reason = final.llm.fallback_reason  # says, in one line, why the model's answer is not shown
    assert reason and dying_llm in reason and "\n" not in reason
    for c in final.citations:
        assert engine.canonical_text(c.source)[c.start:c.end] == c.quote
