"""The on-disk index: catalog (SQLite, source of truth), vectors (Chroma) and BM25, opened together."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rag import lexical
from rag.catalog import Catalog
from rag.settings import Settings
from rag.vectors import VectorStore, open_chroma


class NoIndex(Exception):
    """Raised when a command needs an index that has not been built."""


class Index:
    def __init__(self, settings: Settings, create: bool = False) -> None:
        self.dir = settings.index_dir
        catalog_path = self.dir / "catalog.sqlite"
        if not catalog_path.exists():
            if not create:
                raise NoIndex(f"no index at {self.dir}/ (run `rag ingest` first, or pass --index DIR)")
            self.dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(catalog_path)
        self.vectors = VectorStore(open_chroma(self.dir, os.environ.get("RAG_CHROMA_URL") or None))
        self._lexical: lexical.Lexical | None = None
        self._lock = threading.Lock()

    def lexical(self) -> lexical.Lexical:
        """The BM25 index of the catalog's current generation (reloaded after an ingest elsewhere)."""
        with self._lock:
            gen = self.catalog.generation()
            if self._lexical is None or self._lexical.generation != gen:
                self._lexical = lexical.load(self.catalog, self.dir)
            return self._lexical

    def rebuild_lexical(self) -> None:
        with self._lock:
            self._lexical = lexical.build(self.catalog, self.dir)

    @contextmanager
    def writer(self) -> Iterator[None]:
        """One writer at a time per index folder (a second ingest waits for the first)."""
        with open(self.dir / ".write.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
