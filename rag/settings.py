"""One settings object, read from the environment (``RAG_*``) and overridden by command-line flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Every knob of the product. Build with :meth:`from_env`, then :meth:`with_overrides` for flags."""

    index_dir: Path = Path("index")
    k: int = 8  # passages retrieved per question
    chunk_tokens: int = 160  # word-piece budget of one passage (the model reads 256)
    candidates: int = 40  # per-retriever depth fed into rank fusion
    rrf_k: int = 60  # reciprocal-rank-fusion constant
    answer_threshold: float | None = None  # extractive: refuse below this judge probability (None: the judge's own)
    max_answer_sentences: int = 3
    embed_batch: int = 64
    embed_backend: str = "auto"  # onnx | torch | auto (onnx when it can be prepared: same vectors, faster)
    embed_precision: str = "int8"  # onnx backend: int8 (quantized weights, ~1.9x faster) | fp32
    threads: int = 0  # model threads for bulk embedding, e.g. ingest (0: every core); a question always uses one
    cache_dir: Path | None = None  # where the ONNX export is kept (default ~/.cache/citable)
    sentence_vectors: bool = True  # ingest embeds every sentence too, so that answers embed only the question
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_timeout: float = 30.0  # seconds to connect, for the first token and between tokens
    llm_max_tokens: int = 512  # longest generated answer
    llm_temperature: float = 0.0
    support_threshold: float = 0.55  # verify: least similarity between a sentence and its cited passage
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = field(default=None, repr=False)  # "user:password" to require a login in the web app
    max_upload_mb: float = 10.0  # largest file the web app accepts for ingestion
    concurrency: int = 4  # web requests answered at once (one long answer must not block other users)
    chroma_url: str | None = None  # a Chroma server (http://host:port); unset: a local PersistentClient
    chroma_token: str | None = field(default=None, repr=False)
    chroma_collection: str = "passages"  # server mode: several corpora can share one server by name

    @classmethod
    def from_env(cls) -> Settings:
        d = cls()
        return cls(
            index_dir=Path(_env("RAG_INDEX_DIR", str(d.index_dir))),
            k=int(_env("RAG_K", str(d.k))),
            chunk_tokens=int(_env("RAG_CHUNK_TOKENS", str(d.chunk_tokens))),
            candidates=int(_env("RAG_CANDIDATES", str(d.candidates))),
            rrf_k=int(_env("RAG_RRF_K", str(d.rrf_k))),
            answer_threshold=float(t) if (t := _env("RAG_ANSWER_THRESHOLD")) else None,
            max_answer_sentences=int(_env("RAG_MAX_ANSWER_SENTENCES", str(d.max_answer_sentences))),
            embed_batch=int(_env("RAG_EMBED_BATCH", str(d.embed_batch))),
            embed_backend=_env("RAG_EMBED_BACKEND", d.embed_backend) or d.embed_backend,
            embed_precision=_env("RAG_EMBED_PRECISION", d.embed_precision) or d.embed_precision,
            threads=int(_env("RAG_THREADS", str(d.threads))),
            cache_dir=Path(c) if (c := _env("RAG_CACHE_DIR")) else None,
            sentence_vectors=(_env("RAG_SENTENCE_VECTORS", "1") or "1").lower() not in ("0", "false", "no", "off"),
            llm_base_url=_env("RAG_LLM_BASE_URL"),
            llm_model=_env("RAG_LLM_MODEL"),
            llm_api_key=_env("OPENAI_API_KEY"),
            llm_timeout=float(_env("RAG_LLM_TIMEOUT", str(d.llm_timeout))),
            llm_max_tokens=int(_env("RAG_LLM_MAX_TOKENS", str(d.llm_max_tokens))),
            llm_temperature=float(_env("RAG_LLM_TEMPERATURE", str(d.llm_temperature))),
            support_threshold=float(_env("RAG_SUPPORT_THRESHOLD", str(d.support_threshold))),
            host=_env("RAG_HOST", d.host) or d.host,
            port=int(_env("RAG_PORT", str(d.port))),
            auth=_env("RAG_AUTH"),
            max_upload_mb=float(_env("RAG_MAX_UPLOAD_MB", str(d.max_upload_mb))),
            concurrency=int(_env("RAG_CONCURRENCY", str(d.concurrency))),
            chroma_url=_env("RAG_CHROMA_URL"),
            chroma_token=_env("RAG_CHROMA_TOKEN"),
            chroma_collection=_env("RAG_CHROMA_COLLECTION", d.chroma_collection) or d.chroma_collection,
        )

    def with_overrides(self, **overrides: object) -> Settings:
        """Apply flags that were given (None means 'not given')."""
        names = {f.name for f in fields(self)}
        given = {k: v for k, v in overrides.items() if v is not None and k in names}
        if "index_dir" in given:
            given["index_dir"] = Path(str(given["index_dir"]))
        return replace(self, **given)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)
