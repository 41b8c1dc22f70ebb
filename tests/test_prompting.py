"""Prompts are package data, checked when loaded: their sections and exactly the placeholders their caller fills."""

from __future__ import annotations

from importlib import resources

import pytest

from rag.answer import prompting
from rag.answer.prompting import PLACEHOLDERS, PromptError, fill, load_prompt


def test_every_prompt_loads_from_the_package_with_its_placeholders():
    names = sorted(p.name[:-4] for p in (resources.files("rag") / "prompts").iterdir() if p.name.endswith(".txt"))
    assert names == sorted(PLACEHOLDERS) == ["answer", "brief", "rewrite"]
    for name in names:
        p = load_prompt(name)
        assert set(p) == {"system", "user"}
        filled = fill(p["user"], **{k: f"<{k}>" for k in PLACEHOLDERS[name]})
        assert all(f"<{k}>" in filled for k in PLACEHOLDERS[name]) and "{" not in filled.replace("{}", "")


@pytest.mark.parametrize(("text", "problem"), [
    ("=== system ===\nBe brief.\n=== user ===\n{passages} {question} {extra}\n", "placeholders"),
    ("=== system ===\nBe brief.\n=== user ===\n{passages}\n", "placeholders"),
    ("=== system ===\nUse {question}.\n=== user ===\n{passages} {question}\n", "placeholders"),
    ("=== user ===\n{passages} {question}\n", "sections"),
])
def test_a_broken_prompt_fails_when_loaded(monkeypatch: pytest.MonkeyPatch, tmp_path, text: str, problem: str):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "answer.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(prompting.resources, "files", lambda _: tmp_path)
    load_prompt.cache_clear()
    try:
        with pytest.raises(PromptError, match=problem):
            load_prompt("answer")
    finally:
        load_prompt.cache_clear()


def test_a_missing_prompt_is_named():
    with pytest.raises(PromptError, match="'nope' cannot be read"):
        load_prompt("nope")
