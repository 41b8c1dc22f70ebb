"""Server mode: a real `chroma run` on loopback holds vectors and catalog; app processes keep only a local copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, file_text, free_port, make_engine

from rag.settings import Settings
from rag.store.index import Index, NoIndex

CHROMA = Path(sys.executable).with_name("chroma")
RAG = Path(sys.executable).with_name("rag")
QUESTION = "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?"


class ChromaServer:
    """`chroma run` on 127.0.0.1; stopped (by its own pid) and restartable on the same port and data."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        log = open(self.path.with_suffix(".log"), "ab")  # noqa: SIM115 - kept open for the server's life
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {self.path.with_suffix('.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not come up in 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@pytest.fixture
def chroma_server(tmp_path: Path):
    server = ChromaServer(tmp_path / "chroma-data").start()
    yield server
    server.stop()


def server_engine(index_dir: Path, url: str):
    return make_engine(index_dir, chroma_url=url)


def rag_cli(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(RAG), *args], capture_output=True, text=True, env={**os.environ, **env},
                          cwd=cwd, timeout=300)


def assert_citations_hold(engine, answer) -> None:
    for c in answer.citations:
        assert engine.canonical_text(c.source)[c.start:c.end] == c.quote


def test_ingest_ask_prune_against_a_chroma_server(tmp_path: Path, chroma_server: ChromaServer):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    with pytest.raises(NoIndex, match="no index in collection"):
        Index(Settings().with_overrides(index_dir=tmp_path / "empty", chroma_url=chroma_server.url))

    writer = server_engine(tmp_path / "host-a", chroma_server.url)
    report = writer.ingest([corpus])
    assert report.added == 2 and report.passages > 0
    assert not (tmp_path / "host-a" / "chroma").exists()  # vectors live on the server only
    idx = writer.index()
    assert idx.vectors.ids() == idx.catalog.pids()
    assert idx.remote.shas() == {d.doc_id: d.sha for d in idx.catalog.docs()}

    answer = writer.ask(QUESTION)
    assert not answer.refused and "Wall Street Journal" in answer.answer
    assert_citations_hold(writer, answer)

    # A second app (its own index folder, as on another host) reads the same corpus without ingesting.
    reader = server_engine(tmp_path / "host-b", chroma_server.url)
    seen = reader.ask(QUESTION)
    assert seen.answer == answer.answer
    assert_citations_hold(reader, seen)
    seed = corpus / "000_1d78f71aed52c027.txt"
    assert reader.canonical_text(str(seed)) == file_text(seed)

    # A third process through the CLI.
    out = rag_cli("--index", str(tmp_path / "host-c"), "ask", "--json", QUESTION,
                  env={"RAG_CHROMA_URL": chroma_server.url})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["answer"] == answer.answer

    # Prune on the writer: the reader drops the document at its next refresh.
    seed.unlink()
    assert writer.ingest([corpus], prune=True).removed == 1
    assert idx.vectors.ids() == idx.catalog.pids()
    reader.index().refresh(force=True)
    assert [Path(d.source).name for d in reader.index().catalog.docs()] == ["004_b1b54881a5237c4c.txt"]
    assert all("000_" not in h.source for h in reader.search("Starlink Taiwan Putin Wall Street Journal", k=10))
    # Re-adding the file brings it back everywhere.
    shutil.copy(SEEDS / seed.name, seed)
    assert writer.ingest([corpus], prune=True).added == 1
    time.sleep(0.6)  # the reader's refresh interval
    assert reader.ask(QUESTION).answer == answer.answer


def test_collections_keep_corpora_apart_on_one_server(tmp_path: Path, chroma_server: ChromaServer):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / "004_b1b54881a5237c4c.txt", corpus)
    one = make_engine(tmp_path / "one", chroma_url=chroma_server.url, chroma_collection="team-one")
    one.ingest([corpus])
    with pytest.raises(NoIndex):
        Index(Settings().with_overrides(index_dir=tmp_path / "two", chroma_url=chroma_server.url,
                                        chroma_collection="team-two"))
    assert len(one.index().catalog.docs()) == 1


def token_proxy(upstream: str, header: str, expected: str) -> ThreadingHTTPServer:
    """A reverse proxy in front of `chroma run` that lets a request through only when ``header`` is ``expected``
    (one proxy checks ``Authorization``, another ``X-Chroma-Token``, as Chroma's token auth can be set to)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _forward(self) -> None:
            if self.headers.get(header) != expected:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)) or None
            req = urllib.request.Request(upstream + self.path, data=body, method=self.command,
                                         headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, data, kind = r.status, r.read(), r.headers.get("Content-Type", "application/json")
            except urllib.error.HTTPError as e:
                status, data, kind = e.code, e.read(), e.headers.get("Content-Type", "application/json")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("header,expected", [("Authorization", "Bearer s3cret"), ("X-Chroma-Token", "s3cret")])
def test_token_reaches_the_server_and_a_wrong_one_is_a_clear_error(tmp_path: Path, chroma_server: ChromaServer,
                                                                   header: str, expected: str):
    proxy = token_proxy(chroma_server.url, header, expected)
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    try:
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        shutil.copy(SEEDS / "004_b1b54881a5237c4c.txt", corpus)
        engine = make_engine(tmp_path / "index", chroma_url=url, chroma_token="s3cret")
        assert engine.ingest([corpus]).added == 1
        out = rag_cli("--index", str(tmp_path / "other"), "docs", env={"RAG_CHROMA_URL": url,
                                                                        "RAG_CHROMA_TOKEN": "wrong"})
        assert out.returncode == 1 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
        assert "refused access (HTTP 401); check RAG_CHROMA_TOKEN" in out.stderr
    finally:
        proxy.shutdown()
        proxy.server_close()
