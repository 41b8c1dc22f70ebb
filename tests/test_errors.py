"""Errors as the user sees them: a RagError or OSError as it is, anything else as an internal error with a hint
to rerun with RAG_DEBUG=1 (which shows the traceback), in the CLI and in the app."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rag.answer.llm import LLMError
from rag.app import cli
from rag.app.engine import shown_error
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
