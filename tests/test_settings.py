"""The settings object: validated, described, its sources known, and the README's table generated from it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from rag.errors import SettingsError
from rag.settings import Settings, env_name, parse_auth, settings_table

README = ROOT / "README.md"
TABLE = re.compile(r"(<!-- settings table:[^\n]*-->\n)(.*?)(\n<!-- end of settings table -->)", re.S)
# Every variable the product read before this class existed: none may be lost.
KNOWN = {"RAG_INDEX_DIR", "RAG_K", "RAG_CHUNK_TOKENS", "RAG_CANDIDATES", "RAG_RRF_K", "RAG_ANSWER_THRESHOLD",
         "RAG_MAX_ANSWER_SENTENCES", "RAG_EMBED_BATCH", "RAG_EMBED_BACKEND", "RAG_EMBED_PRECISION", "RAG_THREADS",
         "RAG_CACHE_DIR",
         "RAG_SENTENCE_VECTORS", "RAG_LLM_BASE_URL", "RAG_LLM_MODEL", "OPENAI_API_KEY", "RAG_LLM_TIMEOUT",
         "RAG_LLM_MAX_TOKENS", "RAG_LLM_TEMPERATURE", "RAG_SUPPORT_THRESHOLD", "RAG_HOST", "RAG_PORT", "RAG_AUTH",
         "RAG_MAX_UPLOAD_MB", "RAG_CONCURRENCY", "RAG_ALLOWED_ORIGINS", "RAG_CHROMA_URL", "RAG_CHROMA_TOKEN",
         "RAG_CHROMA_COLLECTION",
         "RAG_DEBUG", "RAG_MTIME_DATES"}


def rag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "rag.app.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_every_variable_is_a_described_field():
    names = {env_name(f) for f in Settings.model_fields}
    assert names == KNOWN
    assert all(len(f.description or "") > 10 for f in Settings.model_fields.values())


def test_defaults_env_and_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    s = Settings.from_env()
    assert (s.k, s.index_dir, s.sentence_vectors, s.llm_api_key, s.debug) == (8, Path("index"), True, None, False)
    assert set(s.sources().values()) == {"default"}
    monkeypatch.setenv("RAG_K", "5")
    monkeypatch.setenv("RAG_SENTENCE_VECTORS", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("RAG_DEBUG", "1")
    monkeypatch.setenv("RAG_LLM_MODEL", "")  # empty is unset, as before
    s = Settings.from_env().with_overrides(index_dir=str(tmp_path), port=None, chunk_tokens=100)
    assert (s.k, s.sentence_vectors, s.llm_api_key, s.debug, s.llm_model) == (5, False, "sk-test", True, None)
    assert s.index_dir == tmp_path and s.chunk_tokens == 100 and s.llm_configured
    src = s.sources()
    assert (src["k"], src["llm_api_key"], src["index_dir"], src["chunk_tokens"], src["port"]) == (
        "env", "env", "flag", "flag", "default")
    assert "sk-test" not in repr(s)  # secrets never reach a log


@pytest.mark.parametrize(("var", "value", "allowed"), [
    ("RAG_K", "abc", "a whole number"), ("RAG_K", "0", "≥ 1"), ("RAG_EMBED_BACKEND", "gpu", "one of auto, onnx, torch"),
    ("RAG_SENTENCE_VECTORS", "maybe", "1 or 0"), ("RAG_LLM_TIMEOUT", "-1", "> 0"), ("RAG_PORT", "http", "whole"),
])
def test_a_bad_value_names_its_variable_and_what_is_allowed(monkeypatch: pytest.MonkeyPatch, var: str, value: str,
                                                            allowed: str):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as err:
        Settings.from_env()
    line = err.value.line()
    assert line.startswith(f"{var}={value!r} is not valid: use ") and allowed in line and "\n" not in line


def test_a_bad_flag_is_named_as_the_flag():
    with pytest.raises(SettingsError, match=r"^--threshold=.*|--threshold"):
        Settings.from_env().with_overrides(answer_threshold=7.0)


def test_unknown_keys_are_rejected():
    with pytest.raises(Exception, match="extra|unknown"):
        Settings(no_such_setting=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unknown settings: nope"):
        Settings.from_env().with_overrides(nope=1)


def test_auth_is_validated_and_parsed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RAG_AUTH", "nopassword")
    with pytest.raises(SettingsError, match="^RAG_AUTH must be user:password$"):
        Settings.from_env()
    assert parse_auth("ann:pa:ss") == ("ann", "pa:ss") and parse_auth(None) is None


@pytest.mark.parametrize("var", ["RAG_MAX_UPLOAD_MB", "RAG_LLM_TIMEOUT", "RAG_SUPPORT_THRESHOLD",
                                 "RAG_ANSWER_THRESHOLD", "RAG_LLM_TEMPERATURE"])
@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_infinite_and_nan_numbers_are_rejected(monkeypatch: pytest.MonkeyPatch, var: str, value: str):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=f"^{var}='{value}' is not valid: use a number"):
        Settings.from_env()


def test_an_empty_login_is_an_error_not_an_open_server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RAG_AUTH", "")
    with pytest.raises(SettingsError, match="^RAG_AUTH is empty"):
        Settings.from_env()
    p = rag("serve", "--port", "0", env={"RAG_AUTH": ""})
    assert p.returncode == 1 and p.stderr.startswith("rag: error: RAG_AUTH is empty") and "Traceback" not in p.stderr


def test_cli_bad_setting_is_one_line_naming_it():
    p = rag("ask", "x", env={"RAG_K": "abc"})
    assert p.returncode == 1 and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag: error: RAG_K='abc' is not valid: use a whole number")


def test_cli_settings_prints_values_and_sources(tmp_path: Path):
    p = rag("--index", str(tmp_path), "settings", "--json", env={"RAG_K": "5", "OPENAI_API_KEY": "sk-secret"})
    assert p.returncode == 0, p.stderr
    shown = json.loads(p.stdout)
    assert shown["RAG_K"] == {"value": "5", "source": "env", "description": "passages retrieved per question"}
    assert shown["RAG_INDEX_DIR"]["source"] == "flag" and shown["RAG_INDEX_DIR"]["value"] == str(tmp_path)
    assert shown["RAG_CHUNK_TOKENS"]["source"] == "default"
    assert shown["OPENAI_API_KEY"]["value"] == "***" and "sk-secret" not in p.stdout
    text = rag("settings").stdout
    assert re.search(r"^RAG_K\s+default\s+8$", text, re.M)


def test_readme_settings_table_is_generated_from_the_class():
    m = TABLE.search(README.read_text(encoding="utf-8"))
    assert m, "README.md has no generated settings table"
    assert m.group(2) == settings_table(), "README's settings table is stale: run `python tests/test_settings.py`"


if __name__ == "__main__":  # rewrite the README's table from the class
    README.write_text(TABLE.sub(lambda m: m.group(1) + settings_table() + m.group(3),
                                README.read_text(encoding="utf-8")), encoding="utf-8")
