"""Dense passage vectors in Chroma, written and queried through LlamaIndex's ``ChromaVectorStore``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rag.chunk import Passage

COLLECTION = "passages"


def open_chroma(index_dir: Path, url: str | None = None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    options = ChromaSettings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        u = urlparse(url)
        return chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                   ssl=u.scheme == "https", settings=options)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=options)


class VectorStore:
    def __init__(self, client: Any) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.client = client
        self.collection = client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"})
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def add(self, passages: list[Passage], vectors: np.ndarray, meta: dict[str, dict]) -> None:
        """Add passages with their vectors; ``meta`` maps doc_id to the document fields kept beside them."""
        from llama_index.core.schema import TextNode

        nodes = [
            TextNode(id_=p.pid, text=p.text, embedding=v.tolist(),
                     metadata={"doc_id": p.doc_id, "ord": p.ord, "start": p.start, "end": p.end, **meta[p.doc_id]})
            for p, v in zip(passages, vectors, strict=True)
        ]
        limit = max(1, int(self.client.get_max_batch_size()))
        for i in range(0, len(nodes), limit):
            self.store.add(nodes[i : i + limit])

    def delete(self, pids: list[str]) -> None:
        limit = max(1, int(self.client.get_max_batch_size()))
        for i in range(0, len(pids), limit):
            self.collection.delete(ids=pids[i : i + limit])

    def ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def count(self) -> int:
        return int(self.collection.count())

    def query(self, vector: np.ndarray, top_k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """(pid, cosine similarity) best first, optionally only within ``doc_ids``."""
        from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters, VectorStoreQuery

        filters = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            filters = MetadataFilters(filters=[
                MetadataFilter(key="doc_id", operator=FilterOperator.IN, value=sorted(doc_ids))])
        n = self.count()
        if n == 0:
            return []
        res = self.store.query(VectorStoreQuery(query_embedding=vector.tolist(),
                                                similarity_top_k=min(top_k, n), filters=filters))
        return list(zip(res.ids or [], res.similarities or [], strict=False))
