"""The model client with the real openai SDK against local scripted servers: each failure is one line, in time,
and a client that fails to build leaves nothing behind that breaks pytest's own report."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, free_port
from llm_fixtures import scripted_model, stub_server  # noqa: F401

from rag.answer.llm import ChatModel, LLMError
from rag.settings import Settings

MESSAGES = [{"role": "user", "content": "Say hello."}]


def model(base_url: str, timeout: float = 5.0, key: str = "k") -> ChatModel:
    return ChatModel(Settings(llm_base_url=base_url, llm_model="stub", llm_timeout=timeout, llm_api_key=key))


@pytest.mark.parametrize("behaviour", ["hang", "hang-mid-stream"])
def test_a_server_that_never_answers_times_out_within_the_configured_time(stub_server, behaviour):  # noqa: ANN001, F811
    m = model(stub_server(behaviour), timeout=1.5)
    assert m.client is not None  # built (and the SDK imported, seconds on a cold start) before the clock starts
    t0 = time.monotonic()
    with pytest.raises(LLMError, match=r"did not answer within 1.5s \(timeout\)") as e:
        m.complete(MESSAGES)
    assert time.monotonic() - t0 < 1.5 + 2.0
    assert "\n" not in str(e.value)


def test_a_closed_port_cannot_be_reached():
    with pytest.raises(LLMError, match="cannot reach the model server") as e:
        model(f"http://127.0.0.1:{free_port()}/v1").complete(MESSAGES)
    assert e.value.called is False


def test_a_401_names_the_key(stub_server):  # noqa: ANN001, F811
    with pytest.raises(LLMError, match=r"rejected the API key \(401\); check OPENAI_API_KEY") as e:
        model(stub_server("unauthorized")).complete(MESSAGES)
    assert e.value.called is True


def test_a_scripted_reply_streams_through_the_sdk(scripted_model):  # noqa: ANN001, F811
    server = scripted_model(lambda messages: "Hello from the scripted model.")
    assert model(server.base_url).complete(MESSAGES) == "Hello from the scripted model."
    assert server.requests == [MESSAGES]


def test_a_client_that_fails_to_build_is_one_error_and_leaves_no_raising_finaliser(monkeypatch):  # noqa: ANN001
    import httpx
    import openai

    # The bug this guards: a timeout of another HTTP library's type, which the SDK's HTTP client refuses half-way
    # through its constructor.
    monkeypatch.setattr(openai, "Timeout", lambda t, connect: httpx.Timeout(t, connect=connect))
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(LLMError, match="cannot set up a client for the model server") as e:
        model("http://127.0.0.1:9/v1").complete(MESSAGES)
    del e
    gc.collect()
    assert unraisable == []


DELIBERATE = '''
import httpx
import openai
import pytest

from rag.answer.llm import ChatModel, LLMError
from rag.settings import Settings


def test_deliberately_failing_llm_test(monkeypatch):
    monkeypatch.setattr(openai, "Timeout", lambda t, connect: httpx.Timeout(t, connect=connect))
    with pytest.raises(LLMError):
        ChatModel(Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m")).complete([])
    assert 1 + 1 == 3, "deliberate failure"
'''


def test_a_failing_llm_test_is_named_in_the_log(tmp_path: Path):
    (tmp_path / "test_deliberate.py").write_text(DELIBERATE)
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
                        str(tmp_path / "test_deliberate.py")], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "FAILED test_deliberate.py::test_deliberately_failing_llm_test" in out, out
    assert "deliberate failure" in out and "INTERNALERROR" not in out and "Unraisable" not in out, out
