"""The index: catalog (SQLite, source of truth), vectors (Chroma) and BM25, opened together.

Local mode: everything lives in the index folder. Server mode (``settings.chroma_url``): the Chroma server holds
the vectors *and* the catalog (:class:`rag.store.vectors.RemoteCatalog`); the index folder holds this host's copy of
the catalog and its BM25 index, refreshed whenever the server's generation token changes.
"""

from __future__ import annotations

import fcntl
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.errors import StoreError
from rag.ingest.chunk import Passage
from rag.ingest.documents import Document
from rag.settings import Settings
from rag.store import lexical
from rag.store.catalog import Catalog
from rag.store.vectors import RemoteCatalog, VectorStore, open_chroma

REFRESH_SECONDS = 0.5  # server mode: how often a reader asks the server whether the catalog changed
SYNCED = "remote_token"  # catalog meta key: the server generation the local copy reflects
CATALOG = "catalog.sqlite"


class NoIndex(StoreError):
    """Raised when a command needs an index that has not been built."""


class DamagedStore(StoreError):
    """A file of the index cannot be read (truncated, overwritten, not a database). The message is one line
    that names the file and the remedy; ``path`` is the file."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        if path.parent.name == "chroma":
            remedy = (f"run `rag doctor --repair` (or delete {path.parent}/ and run `rag ingest`): the vectors are "
                      "re-embedded from the catalog")
        else:
            remedy = (f"run `rag doctor --repair` to recover it from the source files, or delete {path.parent}/ "
                      "and ingest again")
        super().__init__(f"{path} is damaged ({reason}); {remedy}")


_DAMAGE = ("malformed", "not a database", "file is encrypted", "disk i/o error", "(code: 11)", "(code: 26)",
           "no such table")


def damaged(e: BaseException, index_dir: Path) -> DamagedStore | None:
    """The damaged file behind an error of the catalog's SQLite or of Chroma's, or None for other errors."""
    if isinstance(e, DamagedStore):
        return e
    text = str(e).lower()
    if not any(m in text for m in _DAMAGE):
        return None
    first = str(e).split("\n", 1)[0]
    reason = re.sub(r"^.*\(code: \d+\)\s*|^error returned from database:\s*", "", first).strip() or type(e).__name__
    if isinstance(e, sqlite3.DatabaseError):
        return DamagedStore(index_dir / CATALOG, reason)
    if type(e).__module__.startswith("chromadb"):
        return DamagedStore(index_dir / "chroma" / "chroma.sqlite3", reason)
    return None


class Index:
    def __init__(self, settings: Settings, create: bool = False) -> None:
        self.dir = settings.index_dir
        self.url = settings.chroma_url
        self.settings = settings
        catalog_path = self.dir / CATALOG
        self.remote: RemoteCatalog | None = None
        if self.url:
            client = open_chroma(self.dir, self.url, settings.chroma_token)
            name = settings.chroma_collection
            self.remote = RemoteCatalog(client, f"{name}-catalog", self.url)
            if not create and self.remote.token() is None:
                raise NoIndex(f"no index in collection {name!r} on the Chroma server at {self.url} "
                              "(run `rag ingest` first)")
            self.dir.mkdir(parents=True, exist_ok=True)
            self.vectors = VectorStore(client, name, self.url)
        else:
            if not catalog_path.exists():
                if not create:
                    raise NoIndex(f"no index at {self.dir}/ (run `rag ingest` first, or pass --index DIR)")
                self.dir.mkdir(parents=True, exist_ok=True)
            self.vectors = self._open_local_vectors()
        self.catalog = self._open_catalog(catalog_path)
        self._lexical: lexical.Lexical | None = None
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._checked = 0.0
        self._built_at = self._build_seconds = 0.0
        self.refresh(force=True)

    def _open_local_vectors(self) -> VectorStore:
        try:
            store = VectorStore(open_chroma(self.dir))
            store.count()  # reads the store: a damaged file is named now, not halfway through an answer
            return store
        except Exception as e:
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # chromadb caches the failed client: a retry must start afresh
            raise damaged(e, self.dir) or e from None

    def _open_catalog(self, path: Path) -> Catalog:
        try:
            catalog = Catalog(path, self.settings.mtime_dates)
            catalog.count()
            catalog.generation()
            return catalog
        except sqlite3.DatabaseError as e:
            raise damaged(e, self.dir) or DamagedStore(path, str(e)) from None

    # -- reading ---------------------------------------------------------------------------------------
    def lexical(self) -> lexical.Lexical:
        """The BM25 index of the catalog's current generation (reloaded after an ingest elsewhere).

        While another process ingests, the generation changes with every batch; rebuilding each time would
        spend the readers' CPU on BM25, so a stale index is kept for up to 4x the time its build took. That is
        safe: hits are looked up in the catalog, so removed passages never show, and new ones are found by the
        dense ranking until the next rebuild."""
        self.refresh()
        with self._lock:
            gen = self.catalog.generation()
            if self._lexical is None or self._lexical.generation != gen and (
                    time.monotonic() - self._built_at >= 4 * self._build_seconds):
                t0 = time.monotonic()
                self._lexical = lexical.load(self.catalog, self.dir)
                self._built_at, self._build_seconds = time.monotonic(), time.monotonic() - t0
            return self._lexical

    def rebuild_lexical(self) -> None:
        with self._lock:
            self._lexical = lexical.build(self.catalog, self.dir)

    def refresh(self, force: bool = False) -> None:
        """Server mode: bring the local catalog copy up to the server's (a no-op in local mode)."""
        if self.remote is None or (not force and time.monotonic() - self._checked < REFRESH_SECONDS):
            return
        with self._sync_lock:
            token = self.remote.token()  # read before the records: a commit after this changes it again
            self._checked = time.monotonic()
            if token is None or token == self.catalog.meta(SYNCED):
                return
            remote = self.remote.shas()
            local = {d.doc_id: d.sha for d in self.catalog.docs()}
            changed = [d for d, sha in remote.items() if local.get(d) != sha]
            if changed:
                self.catalog.put(self.remote.get(changed))
            gone = [d for d in local if d not in remote]
            if gone:
                self.catalog.remove(gone)
            self.catalog.set_meta(SYNCED, token)

    # -- writing (callers hold :meth:`writer`) ---------------------------------------------------------
    def commit(self, items: list[tuple[Document, list[Passage]]]) -> None:
        """Make documents (whose vectors are written) visible: one record or transaction per document."""
        if self.remote is not None:
            self.remote.put(items)  # the shared truth first; the local copy follows
            self.remote.stamp()
        self.catalog.put(items)

    def remove(self, doc_ids: list[str]) -> None:
        if not doc_ids:
            return
        if self.remote is not None:
            self.remote.remove(doc_ids)
            self.remote.stamp()
        self.catalog.remove(doc_ids)

    def orphan_grace(self) -> float:
        """Seconds before an uncommitted vector counts as an orphan: in server mode a writer on another host
        may be between writing vectors and committing; locally the writer lock rules that out."""
        return 900.0 if self.remote is not None else 0.0

    @contextmanager
    def writer(self) -> Iterator[None]:
        """One writer at a time per index folder (a second ingest waits for the first)."""
        with open(self.dir / ".write.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
