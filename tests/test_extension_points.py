"""The shipped parts satisfy the extension points' protocols (rag/answer/extension_points.py), name for name and
parameter for parameter, so a replacement written to a protocol fits where the shipped part does."""

from __future__ import annotations

import inspect

import pytest

from rag.answer.extension_points import AnswerModel, ChatLLM, Store
from rag.answer.extractive import extractive_answer
from rag.answer.llm import ChatModel
from rag.store.vectors import VectorStore


def members(proto: type) -> list[str]:
    return [n for n, v in vars(proto).items() if not n.startswith("_") and (callable(v) or isinstance(v, property))]


def parameters(f: object) -> list[str]:
    return list(inspect.signature(f).parameters)


@pytest.mark.parametrize("proto, impl", [(ChatLLM, ChatModel), (Store, VectorStore)])
def test_the_shipped_part_has_every_member_of_its_protocol(proto: type, impl: type):
    assert members(proto)
    for name in members(proto):
        want, have = inspect.getattr_static(proto, name), inspect.getattr_static(impl, name, None)
        assert have is not None, f"{impl.__name__} lacks {name}"
        assert isinstance(have, property) == isinstance(want, property), name
        if not isinstance(want, property):
            assert parameters(have) == parameters(want), name


def test_the_extractive_answerer_is_an_answer_model():
    assert parameters(extractive_answer) == parameters(AnswerModel.__call__)[1:]
    assert members(ChatLLM) == ["chosen", "model", "stream", "complete"]
