"""The extension points: what a replacement part must provide, declared as ``typing.Protocol``s the way
simonw/llm declares its hook specs. Each ships with one implementation; ``tests/test_extension_points.py`` checks
that it still satisfies its protocol, so a second one (another store, another model client) knows its contract.

- :class:`ChatLLM`, the chat model: writes answers, briefing summaries and standalone follow-ups
  (``rag/answer/llm.py``'s ``ChatModel``, any OpenAI-compatible server). Every failure is an ``LLMError``, on
  which the callers fall back to the extractive answer.
- :class:`AnswerModel`, the answer model: a question and the index in, a cited ``Answer`` out
  (``rag/answer/extractive.py``'s ``extractive_answer``; the generated answer falls back on it).
- :class:`Store`, the vector store: passages' vectors by passage id, queried by similarity
  (``rag/store/vectors.py``'s ``VectorStore``: Chroma, on disk or a server).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import numpy as np

from rag.answer.components import Components
from rag.answer.results import Answer
from rag.ingest.chunk import Passage
from rag.options import Filters


@runtime_checkable
class ChatLLM(Protocol):
    @property
    def chosen(self) -> str | None:
        """The model's name once known (configured, or listed by the server), else None."""

    def model(self) -> str:
        """The model's name, asking the server when none is configured."""

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> Iterator[str]:
        """The reply to chat ``messages``, piece by piece."""

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        """The whole reply to chat ``messages``."""


class AnswerModel(Protocol):
    def __call__(self, c: Components, question: str, k: int | None, filters: Filters | None) -> Answer:
        """The answer to ``question`` from what ``c`` retrieves: every sentence cited, or a refusal."""


@runtime_checkable
class Store(Protocol):
    def add(self, passages: list[Passage], vectors: np.ndarray, meta: dict[str, dict]) -> None:
        """Keeps each passage's vector (rows of ``vectors``, in order) with its metadata."""

    def delete(self, pids: list[str]) -> None: ...

    def vectors(self, pids: list[str]) -> dict[str, np.ndarray]: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def query(self, vector: np.ndarray, top_k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """The ``top_k`` passages closest to ``vector`` (cosine similarity), within ``doc_ids`` when given."""
