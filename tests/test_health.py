"""The index notices what broke and heals (rag/store/health.py, rag/store/doctor.py), through the real CLI: real
Chroma, the real embedding model, a seeds index whose stores are deleted, emptied, truncated or overwritten."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, make_engine

RAG = [sys.executable, "-m", "rag.app.cli"]
QUESTION = "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?"
DENSE_QUERY = "Kremlin spokesperson Peskov denied the report about Starlink"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, index) built once; each test damages its own copy of the index."""
    folder = tmp_path_factory.mktemp("health")
    corpus = folder / "corpus"
    shutil.copytree(SEEDS, corpus)
    engine = make_engine(folder / "index")
    engine.ingest([corpus])
    engine.index().catalog.close()
    return corpus, folder / "index"


@pytest.fixture
def index(built: tuple[Path, Path], tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(built[1], target)
    return target


def rag(index: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    return subprocess.run([*RAG, "--index", str(index), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**env, "PYTHONPATH": str(ROOT)})


def doctor(index: Path, *args: str) -> tuple[int, list[str]]:
    p = rag(index, "doctor", *args)
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, p.stdout.splitlines()


def dense_sources(index: Path) -> list[str]:
    p = rag(index, "search", DENSE_QUERY, "--method", "dense", "--json", "--k", "3")
    assert p.returncode == 0, p.stderr
    return [r["source"] for r in json.loads(p.stdout)["results"]]


def n_passages(index: Path) -> int:
    with sqlite3.connect(index / "catalog.sqlite") as c:
        return c.execute("SELECT COUNT(*) FROM passages").fetchone()[0]


def test_a_healthy_index_says_so(index: Path):
    assert doctor(index) == (0, [f"index {index}/: healthy"])


def test_a_deleted_vector_store_is_named_warned_about_and_rebuilt_by_ingest(index: Path, built: tuple[Path, Path]):
    n = n_passages(index)
    assert dense_sources(index)
    shutil.rmtree(index / "chroma")
    code, lines = doctor(index)
    assert code == 1 and lines[0] == (f"problem: {index}/chroma/: {n} of {n} passages have no vector; `rag ingest` or "
                                      "`rag doctor --repair` re-embeds them from the catalog (dense retrieval is "
                                      "degraded until then)")
    ask = rag(index, "ask", QUESTION, "--json")
    assert ask.returncode == 0 and "rag: warning: dense retrieval is degraded" in ask.stderr
    assert json.loads(ask.stdout)["warnings"][0].startswith("dense retrieval is degraded")
    assert dense_sources(index) == []
    ingest = rag(index, "ingest", str(built[0]))
    assert ingest.returncode == 0 and f"{n} passages re-embedded from the catalog" in ingest.stdout
    assert any("000_" in s for s in dense_sources(index))
    assert doctor(index) == (0, [f"index {index}/: healthy"])
    ask = rag(index, "ask", QUESTION, "--json")
    assert json.loads(ask.stdout)["warnings"] == [] and "warning" not in ask.stderr
    assert "Wall Street Journal" in json.loads(ask.stdout)["answer"]


def test_deleted_bm25_files_are_named_and_rebuilt_by_ingest(index: Path, built: tuple[Path, Path]):
    for folder in index.glob("bm25-*"):
        shutil.rmtree(folder)
    code, lines = doctor(index)
    assert code == 1 and len(lines) == 2 and "bm25-v" in lines[0] and "missing" in lines[0]
    assert rag(index, "ingest", str(built[0])).returncode == 0
    assert list(index.glob("bm25-*/pids.json"))
    assert doctor(index)[0] == 0
    p = rag(index, "search", "Peskov", "--method", "bm25", "--json")
    assert json.loads(p.stdout)["results"]


def test_deleted_sentence_vectors_are_named_and_stored_again_by_ingest(index: Path, built: tuple[Path, Path]):
    with sqlite3.connect(index / "catalog.sqlite") as c:
        c.execute("DELETE FROM sentence_vectors")
    n = n_passages(index)
    code, lines = doctor(index)
    assert code == 1 and lines[0].startswith(f"problem: {index}/catalog.sqlite: {n} of {n} passages have no "
                                             "sentence vectors")
    assert rag(index, "ingest", str(built[0])).returncode == 0
    with sqlite3.connect(index / "catalog.sqlite") as c:
        assert c.execute("SELECT COUNT(*) FROM sentence_vectors").fetchone()[0] == n
    assert doctor(index)[0] == 0


def _truncate(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


@pytest.mark.parametrize("damage", [_truncate, _random], ids=["truncated", "random-bytes"])
@pytest.mark.parametrize("name", ["catalog.sqlite", "chroma/chroma.sqlite3"])
def test_a_damaged_store_is_one_line_naming_the_file_and_the_remedy(index: Path, name: str, damage):  # noqa: ANN001
    n = n_passages(index)
    damage(index / name)
    for args in (("ask", QUESTION), ("search", DENSE_QUERY), ("ingest", str(SEEDS)), ("docs",)):
        p = rag(index, *args)
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 1 and len(lines) == 1 and "Traceback" not in p.stderr, (args, p.stderr)
        assert lines[0].startswith(f"rag: error: {index / name} is damaged (") and "`rag doctor --repair`" in lines[0]
    code, lines = doctor(index)
    assert code == 1 and lines[0].startswith(f"problem: {index / name} is damaged")
    code, lines = doctor(index, "--repair")
    assert code == 0, lines
    assert any(line.startswith("repaired: moved ") for line in lines) and lines[-1] == f"index {index}/: healthy"
    assert n_passages(index) == n
    assert any("000_" in s for s in dense_sources(index))
    ans = json.loads(rag(index, "ask", QUESTION, "--json").stdout)
    assert "Wall Street Journal" in ans["answer"] and ans["warnings"] == []
    assert list(index.glob(f"{Path(name).parts[0]}.damaged-*"))  # kept aside, never deleted


def test_an_emptied_catalog_warns_and_the_next_ingest_reads_the_files_again(index: Path, tmp_path: Path):
    n = n_passages(index)
    for side in index.glob("catalog.sqlite*"):
        side.unlink()
    (index / "catalog.sqlite").write_bytes(b"")
    ask = rag(index, "ask", QUESTION)
    assert ask.returncode == 0 and "Traceback" not in ask.stderr and "AttributeError" not in ask.stderr
    assert "holds no passages but the vector store holds" in ask.stderr and "rag doctor --repair" in ask.stderr
    code, lines = doctor(index)
    assert code == 1 and "holds no passages, but the vector store holds" in lines[0] and "of 2 files" in lines[0]
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.txt").write_text("Harbour council\nThe harbour council met on Tuesday to discuss dredging.\n")
    ingest = rag(index, "ingest", str(other))
    assert ingest.returncode == 0 and "2 files read again" in ingest.stdout and "3 documents" in ingest.stdout
    assert n_passages(index) == n + 1
    assert doctor(index)[0] == 0
