"""Shared fixtures: real embedding model, real Chroma, indexes built once per session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.app.engine import Engine
from rag.evaluation.evaluate import read_jsonl
from rag.ingest.documents import decode_text
from rag.settings import Settings
from rag.store.ingestion import IngestReport

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "seeds"
BBC = SHARED / "corpora" / "bbc"
EVAL = SHARED / "eval"


TEST_KNOBS = ("RAG_UI_SCREENSHOTS",)  # the tests' own variables, not the product's settings: kept


def _settings_vars() -> list[str]:
    return [n for n in os.environ if n.startswith(("RAG_", "OPENAI_")) and n not in TEST_KNOBS]


def _clear_env() -> None:
    for name in _settings_vars():
        del os.environ[name]


# The developer's own RAG_* and OPENAI_* settings (an OPENAI_API_KEY in the shell) must not change what the tests
# test: cleared once for the session's fixtures and the servers tests start, and again for every test (a test
# that needs a value sets it with monkeypatch).
_clear_env()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _settings_vars():
        monkeypatch.delenv(name)


def require(present: object, what: str) -> None:
    """An integration component a test needs. Missing: skipped on a developer's machine, but a failure in CI
    (``CI=true``), where a skipped integration test would pass unseen as an "s"."""
    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing (CI=true: integration tests must run, not skip)", pytrace=False)
    pytest.skip(f"{what} is missing")


def make_engine(index_dir: Path, **overrides: object) -> Engine:
    return Engine(Settings.from_env().with_overrides(index_dir=index_dir, **overrides))


def load_jsonl(path: Path) -> list[dict]:
    return [value for _, value in read_jsonl(path)]  # the package's one JSON Lines reader


def file_text(path: str | Path) -> str:
    """A .txt/.md file's own text, exactly as the ingester decodes it (UTF-8, else the encoding detected)."""
    return decode_text(Path(path).read_bytes())[0]


@pytest.fixture(scope="session")
def seeds_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = make_engine(tmp_path_factory.mktemp("seeds") / "index")
    engine.ingest([SEEDS])
    return engine


@dataclass(frozen=True)
class BBCSubset:
    engine: Engine
    report: IngestReport
    files: list[str]  # the articles copied, relative to corpora/bbc (README.TXT and the Latin-1 one included)


@pytest.fixture(scope="session")
def bbc_subset(tmp_path_factory: pytest.TempPathFactory) -> BBCSubset:
    """One index per session over the BBC subset in tests/data/bbc_subset.txt (each dev question's article and its
    closest lexical confusers, every 20th article of each category: 367 of 2,225; see make_bbc_subset.py), built
    with the product's settings. Read-only: a test that ingests or removes builds its own index. The whole corpus
    is ingested and timed by `make bench`."""
    require(BBC.is_dir(), "../shared/corpora/bbc")
    files = [x for x in (ROOT / "tests" / "data" / "bbc_subset.txt").read_text().splitlines()
             if x and not x.startswith("#")]
    folder = tmp_path_factory.mktemp("bbc_subset")
    for rel in files:
        (folder / "bbc" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BBC / rel, folder / "bbc" / rel)
    engine = make_engine(folder / "index")
    return BBCSubset(engine, engine.ingest([folder / "bbc"]), files)


@pytest.fixture(scope="session")
def bbc_engine(bbc_subset: BBCSubset) -> Engine:
    return bbc_subset.engine


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small private copy of the seeds to modify freely."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def stop(proc: subprocess.Popen, grace: float = 20) -> None:
    """End a server a test started: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(index: Path, env: dict[str, str], log: Path, timeout: float = 240) -> Iterator[str]:
    """`rag serve` over ``index`` on a free loopback port; yields its URL once the API answers (200, or 401
    behind a login: the API is mounted just after the page answers); stopped on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "rag.app.cli", "--index", str(index), "serve", "--host",
                                 "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not _answers(f"{url}/api/openapi.json"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
            yield url
        finally:
            stop(proc)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5).read()
        return True
    except urllib.error.HTTPError as e:
        return e.code == 401
    except OSError:
        return False
