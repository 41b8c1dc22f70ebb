"""Per-sentence vectors of every passage, computed at ingest so that answering a question embeds one text.

The extractive answerer compares the question with each sentence of the retrieved passages, embedded with
its article's title ("title. sentence"). Embedding ~40 sentences per question cost ~1 s on 2 cores; stored
here (float16, one blob per passage, aligned with ``sentence_spans(passage)``) they cost a lookup.
Passages without stored vectors (an index from an older version, server mode) are embedded on the fly.
"""

from __future__ import annotations

import numpy as np

from rag.ingest.embed import Embedder
from rag.text import sentence_spans

VERSION = 2  # bump when sentence_spans or with_title change: older rows are then ignored and recomputed


def with_title(title: str | None, sentence: str) -> str:
    """What is embedded for a sentence: many answers ("It was developed by Intel.") need the title's subject."""
    return f"{title}. {sentence}" if title and not sentence.startswith(title) else sentence


def texts_for(title: str | None, passage: str) -> list[str]:
    return [with_title(title, passage[a:b]) for a, b in sentence_spans(passage)]


def compute(embedder: Embedder, passages: list[tuple[str, str | None, str]]) -> dict[str, bytes]:
    """pid -> float16 blob of its sentences' vectors, for (pid, title, passage text) triples."""
    texts, owners = [], []
    for pid, title, text in passages:
        for t in texts_for(title, text):
            texts.append(t)
            owners.append(pid)
    vecs = embedder.embed(texts).astype(np.float16)
    out: dict[str, list[np.ndarray]] = {pid: [] for pid, _, _ in passages}
    for pid, v in zip(owners, vecs, strict=True):
        out[pid].append(v)
    return {pid: np.stack(vs).tobytes() if vs else b"" for pid, vs in out.items()}


def decode(blob: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).reshape(-1, dim).astype(np.float32)
