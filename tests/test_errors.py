"""Errors as the user sees them: a RagError or OSError as it is, anything else as an internal error with a hint
to rerun with RAG_DEBUG=1 (which shows the traceback), in the CLI and in the app."""

from __future__ import annotations

import shutil
import socket
import sqlite3
from pathlib import Path

import pytest
from conftest import SEEDS
from fastapi.testclient import TestClient

from rag.answer.llm import LLMError
from rag.answer.prompting import PromptError
from rag.app import cli
from rag.app.api import build_api
from rag.app.engine import Engine, shown_error
from rag.app.ui import docs_rows
from rag.app.uploads import TooLarge, WrongType, check_uploads
from rag.errors import (
    DEBUG_HINT,
    BadInput,
    EmptyQuestion,
    NotFound,
    RagError,
    SettingsError,
    StoreError,
    error_line,
    is_users,
)
from rag.ingest.onnx_model import ExportFailed
from rag.settings import Settings
from rag.store.index import DamagedStore, NoIndex


def test_the_kinds_of_user_errors():
    for e in (EmptyQuestion("x"), BadInput("x"), NotFound("x"), SettingsError("x"), NoIndex("x"), LLMError("x"),
              DamagedStore(Path("i/catalog.sqlite"), "bad"), FileNotFoundError("x"), PermissionError("x")):
        assert is_users(e) and isinstance(e, Exception)
    assert isinstance(NoIndex("x"), StoreError) and isinstance(EmptyQuestion("x"), ValueError)
    assert not is_users(KeyError("x")) and not is_users(ValueError("x")) and not is_users(TypeError("x"))


def test_one_line_with_the_hint():
    assert error_line(RagError("the index  is\nempty", "run `rag ingest`")) == "the index is empty; run `rag ingest`"
    assert error_line(EmptyQuestion("the question is empty")) == "the question is empty"
    assert error_line(FileNotFoundError("no such file: x")) == "no such file: x"
    bug = ValueError("invalid literal for int()")
    assert error_line(bug) == f"ValueError: invalid literal for int() ({DEBUG_HINT})"
    assert "\n" not in error_line(KeyError("a\nb"))


def _boom(*_: object) -> int:
    raise KeyError("bug")


def test_cli_reports_a_bug_as_an_internal_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                                 tmp_path: Path):
    monkeypatch.setattr(cli, "_run", _boom)
    assert cli.main(["--index", str(tmp_path), "docs"]) == 1
    err = capsys.readouterr().err
    assert err == f"rag: error: KeyError: 'bug' ({DEBUG_HINT})\n"
    monkeypatch.setenv("RAG_DEBUG", "1")  # the traceback is shown
    with pytest.raises(KeyError, match="bug"):
        cli.main(["--index", str(tmp_path), "docs"])


def test_cli_user_errors_are_shown_as_they_are(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                               tmp_path: Path):
    assert cli.main(["--index", str(tmp_path / "none"), "docs"]) == 1
    assert capsys.readouterr().err.startswith("rag: error: no index at ")
    monkeypatch.setenv("RAG_DEBUG", "1")  # tracebacks instead of one-line errors, for every error
    with pytest.raises(NoIndex):
        cli.main(["--index", str(tmp_path / "none"), "docs"])


def test_app_shows_one_line_and_the_traceback_only_with_debug(capsys: pytest.CaptureFixture, tmp_path: Path):
    settings = Settings.from_env().with_overrides(index_dir=tmp_path)
    assert shown_error(EmptyQuestion("the question is empty"), settings) == "the question is empty"
    assert shown_error(ZeroDivisionError("x"), settings) == f"ZeroDivisionError: x ({DEBUG_HINT})"
    assert capsys.readouterr().err == ""
    damaged = shown_error(sqlite3.DatabaseError("file is not a database"), settings)
    assert damaged.startswith(f"{tmp_path / 'catalog.sqlite'} is damaged") and "rag doctor --repair" in damaged
    try:
        raise ZeroDivisionError("x")
    except ZeroDivisionError as e:
        shown_error(e, settings.with_overrides(debug=True))
    assert "Traceback" in capsys.readouterr().err


# -- one message in every shell -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of one seed article, built once (copied before a test damages it)."""
    tmp = tmp_path_factory.mktemp("one")
    (tmp / "a").mkdir()
    shutil.copy(next(p for p in sorted(SEEDS.iterdir()) if p.suffix == ".txt"), tmp / "a")
    assert cli.main(["--index", str(tmp / "index"), "ingest", str(tmp / "a")]) == 0
    return tmp / "index"


def in_every_shell(settings: Settings, capsys: pytest.CaptureFixture) -> tuple[str, tuple[int, str], str]:
    """What the CLI (`rag docs`), the API (GET /documents) and the app (its Corpus tab) say over ``settings``."""
    capsys.readouterr()
    assert cli.main(["--index", str(settings.index_dir), "docs"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rag: error: ") and err.count("\n") == 1, err
    r = TestClient(build_api(Engine(settings), settings)).get("/documents")
    with pytest.raises(Exception) as app:  # noqa: PT011 - whatever it is, the app shows it as shown_error says
        docs_rows(Engine(settings))
    return err.removeprefix("rag: error: ").rstrip("\n"), (r.status_code, r.json()["error"]), \
        shown_error(app.value, settings)


def test_a_damaged_catalog_is_one_line_alike_in_the_cli_the_api_and_the_app(small_index: Path, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture):
    bad = tmp_path / "index"
    shutil.copytree(small_index, bad)
    for f in bad.glob("catalog.sqlite-*"):  # the WAL of this process's open catalog would still hold its pages
        f.unlink()
    (bad / "catalog.sqlite").write_bytes(b"not a database" * 500)
    line, (status, body), app = in_every_shell(Settings.from_env().with_overrides(index_dir=bad), capsys)
    assert line == body == app and status == 503
    assert line.startswith(f"{bad / 'catalog.sqlite'} is damaged") and "rag doctor --repair" in line


def test_a_stopped_chroma_server_is_one_line_alike_in_the_cli_the_api_and_the_app(
        small_index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    with socket.socket() as s:  # a port nothing listens on: the server is stopped
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("RAG_CHROMA_URL", url)
    line, (status, body), app = in_every_shell(Settings.from_env().with_overrides(index_dir=small_index), capsys)
    assert line == body == app and status == 503
    assert url in line and "Chroma server" in line and DEBUG_HINT not in line


def test_a_bug_in_a_handler_is_an_internal_error_never_not_found_or_the_users(small_index: Path,
                                                                             monkeypatch: pytest.MonkeyPatch):
    settings = Settings.from_env().with_overrides(index_dir=small_index)
    engine = Engine(settings)
    client = TestClient(build_api(engine, settings), raise_server_exceptions=False)
    assert client.get("/documents/nothing-like-it").status_code == 404  # the user's: a name the index lacks
    monkeypatch.setattr(engine, "document", lambda *_: {}["doc"])  # a bug: a KeyError, which is a LookupError
    r = client.get("/documents/x")
    assert r.status_code == 500 and r.json()["error"] == f"KeyError: 'doc' ({DEBUG_HINT})"
    monkeypatch.setattr(engine, "document", lambda *_: (_ for _ in ()).throw(PromptError("answer.txt is damaged")))
    r = client.get("/documents/x")  # ours, though one line can say what: 500, not 400
    assert r.status_code == 500 and r.json()["error"].startswith("answer.txt is damaged")
    assert not is_users(PromptError("x")) and not is_users(ExportFailed("x")) and is_users(NotFound("x"))
    with pytest.raises(NotFound):  # a missing document is the user's NotFound, not a bare KeyError
        engine.index().catalog.text("0" * 16)
    monkeypatch.setattr(Engine, "index", lambda self: {}["index"])
    assert shown_error(pytest.raises(KeyError, docs_rows, engine).value, settings).endswith(f"({DEBUG_HINT})")


def test_an_upload_is_refused_by_the_kind_of_its_problem(tmp_path: Path):
    (tmp_path / "big.md").write_bytes(b"x" * 2 * 1024 * 1024)
    (tmp_path / "limit.exe").write_bytes(b"MZ")  # a name that says "limit" is still the wrong type
    ok, errors = check_uploads([str(tmp_path / "big.md"), str(tmp_path / "limit.exe")], max_mb=1)
    assert ok == [] and [type(e) for e in errors] == [TooLarge, WrongType]
