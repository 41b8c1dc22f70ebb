"""`rag chat` and conversations without a model: follow-ups carry the context over."""

from __future__ import annotations

import io
import json

from conftest import ROOT
from llm_fixtures import engine_with

from rag.chat import Conversation
from rag.cli import main
from rag.engine import Engine


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
