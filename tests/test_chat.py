"""`rag chat` and conversations without a model: follow-ups carry the context over."""

from __future__ import annotations

import io
import json

import pytest
from conftest import ROOT
from llm_fixtures import engine_with

from rag.app.cli import main
from rag.app.engine import Conversation, Engine


def test_conversation_keeps_history_and_makes_follow_ups_standalone(seeds_engine: Engine):
    chat = Conversation(engine_with(seeds_engine, llm_base_url=None, llm_api_key=None))
    first = list(chat.ask_stream("Why did Musk speak with Colin Kahl at the Pentagon?"))[-1].answer
    assert first.standalone_question is None and first.mode == "extractive"
    second = list(chat.ask_stream("and what did he tweet about it?"))[-1].answer
    assert second.standalone_question and "Kahl" in second.standalone_question
    assert [q for q, _ in chat.history] == ["Why did Musk speak with Colin Kahl at the Pentagon?",
                                            "and what did he tweet about it?"]
    assert any("004_" in c.source for c in second.citations)  # still about the Pentagon call article


def test_rag_chat_reads_questions_and_answers_each(seeds_engine: Engine, monkeypatch, capsys):  # noqa: ANN001
    monkeypatch.chdir(ROOT)
    for var in ("RAG_LLM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "How much did SpaceX spend on free Starlink services for Ukraine?\n\n/reset\nand who said so?\n/quit\n"))
    assert main(["--index", str(seeds_engine.settings.index_dir), "chat", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert len(lines) == 2
    assert "80 million" in lines[0]["answer"] and lines[0]["mode"] == "extractive"
    assert lines[1]["standalone_question"] is None  # /reset: no history to carry over


@pytest.mark.parametrize("question, follow_up", [
    ("Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?", False),  # "that" joins
    ("Are there plans for a Starlink joint venture in Taiwan?", False),  # "there" states existence
    ("Who said it would cost Glazer $5bn to buy Manchester United?", False),  # "it" is a dummy subject
    ("And how much did that cost?", True),
    ("How much did it cost?", True),
    ("What happened there?", True),
    ("What did he say about Taiwan?", True),
    ("Why?", True),
])
def test_follow_up_detection_leaves_standalone_questions_alone(question: str, follow_up: bool):
    from rag.answer.chat import carry_over, is_follow_up

    assert is_follow_up(question) is follow_up
    history = [("Did Musk talk to Putin?", "Yes.")]
    assert (carry_over(question, history) == question) is (not follow_up)
