"""Dense passage vectors in Chroma, written through LlamaIndex's ``ChromaVectorStore`` and queried directly.

Local mode: a ``PersistentClient`` under ``index/chroma``. Server mode (``RAG_CHROMA_URL``): Chroma's own
``HttpClient``; the server then also holds the shared catalog (:class:`RemoteCatalog`), so that any number of
app processes, on any host, read the same documents and canonical texts.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import StoreError
from rag.ingest.chunk import Passage
from rag.ingest.documents import Document

COLLECTION = "passages"
GENERATION_ID = "~generation"  # the record whose token changes after every commit to the remote catalog
PAGE = 200


class StoreUnavailable(StoreError):
    """The Chroma server cannot be reached; the message is one line that says where and why."""


def _transport_errors() -> tuple[type[BaseException], ...]:
    import httpx

    return (httpx.TransportError, ConnectionError, TimeoutError)


@contextmanager
def guard(url: str | None) -> Iterator[None]:
    """Turn a dropped or refused connection to the Chroma server into one clear :class:`StoreUnavailable`."""
    if not url:
        yield
        return
    from chromadb.errors import AuthorizationError, ChromaAuthError

    try:
        yield
    except _transport_errors() as e:
        reason = str(e).split("\n", 1)[0] or type(e).__name__
        raise StoreUnavailable(f"cannot reach the Chroma server at {url} ({reason}); is it running?") from None
    except (AuthorizationError, ChromaAuthError) as e:
        raise StoreUnavailable(_rejected(url, type(e).__name__)) from None
    except Exception as e:
        status = _http_status(e)
        if status in (401, 403):  # chromadb re-raises a bare Exception for a proxy's 401
            raise StoreUnavailable(_rejected(url, f"HTTP {status}")) from None
        raise


def _rejected(url: str, why: str) -> str:
    return f"the Chroma server at {url} refused access ({why}); check RAG_CHROMA_TOKEN"


def _http_status(exc: BaseException) -> int | None:
    """The HTTP status behind an exception chromadb raised while handling an ``httpx.HTTPStatusError``."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        response = getattr(seen, "response", None)
        if response is not None and hasattr(response, "status_code"):
            return int(response.status_code)
        seen = seen.__context__
    return None


def open_chroma(index_dir: Path, url: str | None = None, token: str | None = None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    options = ChromaSettings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        u = urlparse(url if "//" in url else f"http://{url}")
        # Both headers Chroma's token authentication understands (and what a checking proxy looks for).
        headers = {"Authorization": f"Bearer {token}", "X-Chroma-Token": token} if token else None
        try:
            with guard(url):
                return chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                           ssl=u.scheme == "https", headers=headers, settings=options)
        except ValueError as e:  # chromadb's "Could not connect to a Chroma server", or an HTTP error
            status = _http_status(e)
            if status in (401, 403):
                raise StoreUnavailable(_rejected(url, f"HTTP {status}")) from None
            raise StoreUnavailable(f"cannot reach the Chroma server at {url} ({e or 'no valid answer'})") from None
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=options)


class VectorStore:
    def __init__(self, client: Any, name: str = COLLECTION, url: str | None = None) -> None:
        self.client = client
        self.url = url
        with guard(url):
            self.collection = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"})
            self.limit = max(1, int(client.get_max_batch_size()))
        self._store: Any = None

    @property
    def store(self) -> Any:
        """LlamaIndex's ``ChromaVectorStore`` over the collection (imported on first write: it is slow to load)."""
        if self._store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._store = ChromaVectorStore(chroma_collection=self.collection)
        return self._store

    def add(self, passages: list[Passage], vectors: np.ndarray, meta: dict[str, dict]) -> None:
        """Add passages with their vectors; ``meta`` maps doc_id to the document fields kept beside them."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        now = time.time()  # lets a writer on another host tell an old orphan from a commit in progress
        # The node's source document is the passage's: LlamaIndex's Chroma store writes the node's ref_doc_id over
        # the "doc_id" metadata (llama-index-core 0.14), and query() filters on that field.
        nodes = [
            TextNode(id_=p.pid, text=p.text, embedding=v.tolist(),
                     relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=p.doc_id)},
                     metadata={"doc_id": p.doc_id, "ord": p.ord, "start": p.start, "end": p.end,
                               "written_at": now, **meta[p.doc_id]})
            for p, v in zip(passages, vectors, strict=True)
        ]
        with guard(self.url):
            for i in range(0, len(nodes), self.limit):
                self.store.add(nodes[i : i + self.limit])

    def delete(self, pids: list[str]) -> None:
        with guard(self.url):
            for i in range(0, len(pids), self.limit):
                self.collection.delete(ids=pids[i : i + self.limit])

    def vectors(self, pids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these passages (those that exist)."""
        out: dict[str, np.ndarray] = {}
        with guard(self.url):
            for i in range(0, len(pids), self.limit):
                res = self.collection.get(ids=pids[i : i + self.limit], include=["embeddings"])
                out.update(zip(res["ids"], np.asarray(res["embeddings"], dtype=np.float32), strict=True))
        return out

    def ids(self) -> set[str]:
        with guard(self.url):
            return set(self.collection.get(include=[])["ids"])

    def sources(self) -> set[str]:
        """The source files the vectors were made from (their metadata survives a lost catalog)."""
        with guard(self.url):
            res = self.collection.get(include=["metadatas"])
        return {str(m["source"]) for m in res["metadatas"] or [] if m and m.get("source")}

    def orphans(self, known: set[str], min_age: float = 0.0) -> list[str]:
        """Vectors no catalog row points to, written at least ``min_age`` seconds ago."""
        with guard(self.url):
            res = self.collection.get(include=["metadatas"])
        cutoff = time.time() - min_age
        return sorted(pid for pid, m in zip(res["ids"], res["metadatas"] or [], strict=False)
                      if pid not in known and float((m or {}).get("written_at", 0.0)) <= cutoff)

    def count(self) -> int:
        with guard(self.url):
            return int(self.collection.count())

    def query(self, vector: np.ndarray, top_k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """(pid, similarity) best first, optionally only within ``doc_ids``.

        Reads the collection directly rather than through ``ChromaVectorStore.query``: importing LlamaIndex
        costs a question-answering process seconds at start-up (measured: 2.5-7 s of a cold ``rag ask``).
        The score is LlamaIndex's, exp(-cosine distance), so either path ranks and scores alike."""
        if doc_ids is not None and not doc_ids:
            return []
        n = self.count()
        if n == 0:
            return []
        where = {"doc_id": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
        with guard(self.url):
            res = self.collection.query(query_embeddings=[vector.tolist()], n_results=min(top_k, n), where=where,
                                        include=["distances"])
        return [(pid, math.exp(-d)) for pid, d in zip(res["ids"][0], res["distances"][0], strict=True)]


class RemoteCatalog:
    """Server mode: the catalog kept in Chroma beside the vectors, one record per document.

    A record holds the canonical text (as the Chroma document) and, in its metadata, the document's fields and
    its passages' offsets (a passage's text is ``text[start:end]``). Upserting one record is the commit of one
    document; afterwards the ``~generation`` record gets a new random token, which tells every app process that
    its local copy (catalog.sqlite + BM25 in its index folder) must be refreshed.
    """

    def __init__(self, client: Any, name: str, url: str | None) -> None:
        self.url = url
        with guard(url):
            self.collection = client.get_or_create_collection(name, embedding_function=None)
            self.limit = max(1, int(client.get_max_batch_size()))

    def token(self) -> str | None:
        with guard(self.url):
            res = self.collection.get(ids=[GENERATION_ID], include=["metadatas"])
        return str(res["metadatas"][0]["token"]) if res["ids"] else None

    def stamp(self) -> None:
        with guard(self.url):
            self.collection.upsert(ids=[GENERATION_ID], embeddings=[[1.0]], documents=[""],
                                   metadatas=[{"token": uuid.uuid4().hex, "at": time.time()}])

    def put(self, items: list[tuple[Document, list[Passage]]]) -> None:
        ids, docs, metas = [], [], []
        for doc, passages in items:
            ids.append(doc.doc_id)
            docs.append(doc.text)
            metas.append({"source": doc.source, "title": doc.title or "", "date": doc.date or "", "sha": doc.sha,
                          "author": doc.author or "", "context": doc.context or "", "encoding": doc.encoding or "",
                          "body_start": doc.body_start,
                          "passages": json.dumps([[p.pid, p.ord, p.start, p.end] for p in passages])})
        with guard(self.url):
            for i in range(0, len(ids), self.limit):
                part = slice(i, i + self.limit)
                self.collection.upsert(ids=ids[part], documents=docs[part], metadatas=metas[part],
                                       embeddings=[[1.0]] * len(ids[part]))

    def remove(self, doc_ids: list[str]) -> None:
        with guard(self.url):
            for i in range(0, len(doc_ids), self.limit):
                self.collection.delete(ids=doc_ids[i : i + self.limit])

    def shas(self) -> dict[str, str]:
        """doc_id -> sha of every committed document."""
        out: dict[str, str] = {}
        with guard(self.url):
            for offset in range(0, 1 << 62, PAGE * 10):
                res = self.collection.get(include=["metadatas"], limit=PAGE * 10, offset=offset)
                out.update({i: str(m["sha"]) for i, m in zip(res["ids"], res["metadatas"], strict=True)
                            if i != GENERATION_ID})
                if len(res["ids"]) < PAGE * 10:
                    break
        return out

    def get(self, doc_ids: list[str]) -> list[tuple[Document, list[Passage]]]:
        items = []
        with guard(self.url):
            for i in range(0, len(doc_ids), PAGE):
                res = self.collection.get(ids=doc_ids[i : i + PAGE], include=["documents", "metadatas"])
                for text, m in zip(res["documents"], res["metadatas"], strict=True):
                    doc = Document(str(m["source"]), text, m["title"] or None, m["date"] or None, str(m["sha"]),
                                   int(m["body_start"]), str(m.get("author") or "") or None,
                                   str(m.get("context") or "") or None, str(m.get("encoding") or "") or None)
                    passages = [Passage(pid, doc.doc_id, o, a, b, text[a:b])
                                for pid, o, a, b in json.loads(str(m["passages"]))]
                    items.append((doc, passages))
        return items
