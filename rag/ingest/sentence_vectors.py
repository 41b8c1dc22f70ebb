"""Per-sentence vectors of every passage, computed at ingest so that answering a question embeds one text.

The extractive answerer compares the question with each sentence of the retrieved passages. A sentence's vector
is pooled from the contextual word-piece vectors of the model's pass over its whole passage (with the article's
title in front): "late chunking" (Günther et al. 2024, arXiv 2409.04701). One pass gives the passage's vector and
its sentences' vectors, where embedding every "title. sentence" again used to cost as much as the passages; and
a sentence is read in its context ("It was developed by Intel." knows what "it" is).
Stored as float16, one blob per passage, aligned with ``sentence_spans(passage)``. Passages without stored vectors
(an index from an older version, server mode) are computed on the fly the same way.
"""

from __future__ import annotations

import numpy as np

from rag.ingest.embed import Embedder
from rag.text import sentence_spans

VERSION = 3  # bump when sentence_spans, embed_text or the pooling change: older rows are then ignored, recomputed


def embed_text(title: str | None, passage: str) -> str:
    """What is embedded for a passage: its article's title gives it context, unless already inside."""
    return passage if not title or passage.startswith(title) else f"{title}\n{passage}"


def layout(title: str | None, passage: str) -> tuple[str, list[tuple[int, int]]]:
    """The passage's embedded text and its sentences' character spans in that text."""
    text = embed_text(title, passage)
    shift = len(text) - len(passage)
    return text, [(a + shift, b + shift) for a, b in sentence_spans(passage)]


def embed_passages(embedder: Embedder, passages: list[tuple[str, str | None, str]]
                   ) -> tuple[np.ndarray, dict[str, bytes]]:
    """For (pid, title, passage text) triples: the passages' vectors (rows in order) and, from the same model
    pass, pid -> float16 blob of its sentences' vectors."""
    texts, spans = [], []
    for _, title, text in passages:
        t, s = layout(title, text)
        texts.append(t)
        spans.append(s)
    vecs, parts = embedder.embed_spans(texts, spans)
    return vecs, {pid: p.astype(np.float16).tobytes() for (pid, _, _), p in zip(passages, parts, strict=True)}


def compute(embedder: Embedder, passages: list[tuple[str, str | None, str]]) -> dict[str, bytes]:
    """pid -> float16 blob of its sentences' vectors, for (pid, title, passage text) triples."""
    return embed_passages(embedder, passages)[1]


def decode(blob: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).reshape(-1, dim).astype(np.float32)
