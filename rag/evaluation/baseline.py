"""The baseline: what a user builds from the LlamaIndex starter tutorial, with the same embedding model.

``SimpleDirectoryReader`` + ``SentenceSplitter`` defaults (1,024-token chunks, 200 overlap) + ``VectorStoreIndex``
over Chroma + top-k dense retrieval. Used by ``rag eval --compare-baseline`` and by the benchmarks.

    python -m rag.evaluation.baseline build CORPUS_DIR BASELINE_DIR
    python -m rag.evaluation.baseline search BASELINE_DIR "QUERY"
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.errors import BadInput

COLLECTION = "baseline"


def _store(persist_dir: Path, collection: str = COLLECTION) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(path=str(persist_dir), settings=ChromaSettings(anonymized_telemetry=False))
    return ChromaVectorStore(chroma_collection=client.get_or_create_collection(collection))


def build(corpus: Path, persist_dir: Path, embedder: Any) -> dict[str, float]:
    """Index ``corpus`` the starter way; returns documents, chunks and seconds."""
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from rag.ingest.embed import llama_embedding

    t0 = time.perf_counter()
    docs = SimpleDirectoryReader(str(corpus), recursive=True, required_exts=[".txt", ".md", ".html"],
                                 file_metadata=_metadata_from(corpus)).load_data()
    splitter = SentenceSplitter()
    nodes = splitter.get_nodes_from_documents(docs)
    ctx = StorageContext.from_defaults(vector_store=_store(persist_dir))
    VectorStoreIndex(nodes, storage_context=ctx, embed_model=llama_embedding(embedder), show_progress=False)
    return {"documents": len(docs), "chunks": len(nodes), "seconds": time.perf_counter() - t0,
            "chunk_chars": sum(len(n.get_content()) for n in nodes)}


def _metadata_from(corpus: Path) -> Callable[[str], dict]:
    """The starter's file metadata, but with ``file_path`` relative to the corpus folder's parent
    (``seeds/000_….txt``, ``bbc/business/009.txt``). LlamaIndex embeds ``file_path`` with every chunk (and counts
    it against the chunk size), so an absolute path made the baseline's vectors, and its retrieval figures, depend
    on where the corpus happened to sit (seeds hit@1 0.750 from one checkout, 0.625 from another)."""
    from llama_index.core.readers.file.base import default_file_metadata_func

    parent = corpus.resolve().parent

    def metadata(file_path: str) -> dict:
        relative = Path(file_path).resolve().relative_to(parent).as_posix()
        return {**default_file_metadata_func(file_path), "file_path": relative}

    return metadata


def over_index(engine: Any, say: Callable[[str], None]) -> Any:
    """The baseline's retriever over the same files as the engine's index, built once into INDEX/baseline/
    (``say`` tells the user when it is being built): ``rag eval --compare-baseline``."""
    target = engine.settings.index_dir / "baseline"
    if not exists(target):
        sources = [d.source for d in engine.index().catalog.docs()]
        if not sources:
            raise BadInput("the index is empty: nothing to build a baseline from")
        root = Path(os.path.commonpath(sources))
        root = root if root.is_dir() else root.parent
        say(f"building the baseline over {root} into {target}/ ...")
        build(root, target, engine.embedder)
    return retriever(target, engine.embedder)


def exists(persist_dir: Path) -> bool:
    return (persist_dir / "chroma.sqlite3").exists()


def retriever(persist_dir: Path, embedder: Any, k: int = 10,
              collection: str = COLLECTION) -> Callable[[str], list[str]]:
    """A function from a question to the source paths of the top-k chunks."""
    from llama_index.core import VectorStoreIndex

    from rag.ingest.embed import llama_embedding

    index = VectorStoreIndex.from_vector_store(_store(persist_dir, collection), embed_model=llama_embedding(embedder))
    r = index.as_retriever(similarity_top_k=k)
    return lambda q: [str(n.node.metadata.get("file_path", "")) for n in r.retrieve(q)]


def starter_embedder() -> Any:
    """The model as the starter runs it: sentence-transformers on torch (LlamaIndex's HuggingFaceEmbedding)."""
    from rag.ingest.embed import get_embedder

    return get_embedder(64, "torch")


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "build":
        print(build(Path(argv[1]), Path(argv[2]), starter_embedder()))
        return 0
    if len(argv) == 3 and argv[0] == "search":
        for i, src in enumerate(retriever(Path(argv[1]), starter_embedder())(argv[2]), 1):
            print(i, src)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
