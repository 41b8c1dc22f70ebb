"""The catalog (SQLite): documents with their canonical texts and passages. It is the source of truth.

A document and its passages are written in one transaction, so readers see a document whole or not at all;
vector-store entries without a catalog row (left by an interrupted ingest) are ignored and cleaned up.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rag.errors import NotFound
from rag.ingest.chunk import Passage
from rag.ingest.documents import Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs(
  doc_id TEXT PRIMARY KEY, source TEXT UNIQUE NOT NULL, title TEXT, date TEXT, sha TEXT NOT NULL,
  body_start INTEGER NOT NULL, text TEXT NOT NULL, n_passages INTEGER NOT NULL, ingested_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS passages(
  pid TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ord INTEGER NOT NULL, start INTEGER NOT NULL,
  end INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sentence_vectors(pid TEXT PRIMARY KEY, version INTEGER NOT NULL, vecs BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS set_dates(path TEXT PRIMARY KEY, date TEXT NOT NULL);
"""
# A document's date: its own (a date header, a dateline, a page's metadata), else the date a user set for it or a
# folder above it (``rag date``; kept apart from ingest, so it survives re-ingest), else, only when asked for
# (RAG_MTIME_DATES), its file's modification time.
_DATE = "COALESCE(date, date_set{mtime})"
_DATE_FROM = "CASE WHEN date IS NOT NULL THEN 'text' WHEN date_set IS NOT NULL THEN 'set' {mtime_from}END"
_DOC_COLUMNS = "doc_id, source, title, {date}, sha, n_passages, author, context, encoding, {date_from}"
DROP_SENTENCE_VECTORS = "DELETE FROM sentence_vectors WHERE pid IN (SELECT pid FROM passages WHERE doc_id=?)"


@dataclass(frozen=True)
class DocInfo:
    doc_id: str
    source: str
    title: str | None
    date: str | None
    sha: str
    n_passages: int
    author: str | None = None
    context: str | None = None  # Document.context
    encoding: str | None = None  # Document.encoding (None: a PDF or Word file, or an index built before it was kept)
    date_from: str | None = None  # where ``date`` came from: text (the file's own), set (rag date), file (mtime)

    def to_dict(self) -> dict:
        return asdict(self)


class Catalog:
    def __init__(self, path: Path, mtime_dates: bool = False) -> None:
        """``mtime_dates``: an undated document with no date set takes its file's modification time."""
        self.path = path
        self.mtime_dates = mtime_dates
        self._local = threading.local()
        with self._conn() as c:
            c.executescript(SCHEMA)
            self._migrate(c)

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Columns added since an index was built (older indexes open unchanged, the new column empty)."""
        columns = {r[1] for r in conn.execute("PRAGMA table_info(docs)")}
        for column in ("author", "context", "encoding", "date_set", "date_mtime"):
            if column not in columns:
                conn.execute(f"ALTER TABLE docs ADD COLUMN {column} TEXT")

    def _conn(self) -> sqlite3.Connection:
        # One connection per thread: sqlite3 connections must not be shared across threads.
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- reads -----------------------------------------------------------------------------------------
    def generation(self) -> int:
        row = self._conn().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def _date(self) -> str:
        return _DATE.format(mtime=", date_mtime" if self.mtime_dates else "")

    def _columns(self) -> str:
        mtime_from = "WHEN date_mtime IS NOT NULL THEN 'file' " if self.mtime_dates else ""
        return _DOC_COLUMNS.format(date=self._date(), date_from=_DATE_FROM.format(mtime_from=mtime_from))

    def docs(self) -> list[DocInfo]:
        rows = self._conn().execute(f"SELECT {self._columns()} FROM docs ORDER BY source").fetchall()
        return [DocInfo(*r) for r in rows]

    def shas(self) -> dict[str, tuple[str, str]]:
        """source -> (doc_id, sha)"""
        rows = self._conn().execute("SELECT source, doc_id, sha FROM docs").fetchall()
        return {s: (d, h) for s, d, h in rows}

    def doc(self, doc_id: str) -> DocInfo | None:
        row = self._conn().execute(f"SELECT {self._columns()} FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
        return DocInfo(*row) if row else None

    def text(self, doc_id: str) -> str:
        row = self._conn().execute("SELECT text FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"no ingested document has the id {doc_id}")
        return row[0]

    def meta(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        conn = self._conn()
        with conn:
            conn.execute("INSERT INTO meta VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (key, value))

    def snapshot(self) -> tuple[int, list[tuple[str, str, str]]]:
        """The generation and its passages read in one transaction (another process may be writing)."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            return self.generation(), self.all_passages()
        finally:
            conn.execute("COMMIT")

    def all_passages(self) -> list[tuple[str, str, str]]:
        """(pid, passage text, title) for every passage, in a stable order (for the BM25 index)."""
        return self._conn().execute(
            "SELECT p.pid, p.text, COALESCE(d.context, d.title, '') FROM passages p JOIN docs d USING(doc_id) "
            "ORDER BY p.pid").fetchall()

    def _by_pids(self, query: str, pids: Iterable[str], *args: object) -> Iterator[tuple]:
        """Rows of ``query`` (ending in ``pid IN ({})``) for ``pids``, 500 at a time (SQLite's variable limit)."""
        pids = list(pids)
        conn = self._conn()
        for i in range(0, len(pids), 500):
            part = pids[i : i + 500]
            yield from conn.execute(query.format(",".join("?" * len(part))), [*args, *part])

    def passages(self, pids: Iterable[str]) -> dict[str, Passage]:
        rows = self._by_pids("SELECT pid, doc_id, ord, start, end, text FROM passages WHERE pid IN ({})", pids)
        return {r[0]: Passage(*r) for r in rows}

    def pids(self) -> set[str]:
        return {r[0] for r in self._conn().execute("SELECT pid FROM passages")}

    def pids_of(self, doc_id: str) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT pid FROM passages WHERE doc_id=?", (doc_id,))]

    def doc_ids_matching(self, since: str | None, until: str | None, source: str | None) -> set[str]:
        """Documents inside the date range (undated ones are excluded once a range is set) and source filter."""
        q, args, d = "SELECT doc_id, source FROM docs WHERE 1=1", [], self._date()
        if since:
            q += f" AND {d} >= ?"
            args.append(since)
        if until:
            q += f" AND {d} <= ?"
            args.append(until)
        rows = self._conn().execute(q, args).fetchall()
        if source:
            from rag.paths import source_matches

            rows = [r for r in rows if source_matches(r[1], source)]
        return {r[0] for r in rows}

    def outside_dates(self, since: str | None, until: str | None, source: str | None) -> tuple[int, int]:
        """(undated, dated outside the range): the documents a date range leaves out (of those the source
        filter keeps), so that an answer can say why it found nothing."""
        rows = self._conn().execute(f"SELECT source, {self._date()} FROM docs").fetchall()
        if source:
            from rag.paths import source_matches

            rows = [r for r in rows if source_matches(r[0], source)]
        undated = sum(1 for _, d in rows if not d)
        outside = sum(1 for _, d in rows if d and ((since and d < since) or (until and d > until)))
        return undated, outside

    def count(self) -> tuple[int, int]:
        c = self._conn()
        return c.execute("SELECT COUNT(*) FROM docs").fetchone()[0], c.execute(
            "SELECT COUNT(*) FROM passages").fetchone()[0]

    def sentence_vectors(self, pids: Iterable[str], version: int) -> dict[str, bytes]:
        """pid -> stored sentence vectors (see :mod:`rag.ingest.sentence_vectors`) of the given version."""
        return dict(self._by_pids("SELECT pid, vecs FROM sentence_vectors WHERE version=? AND pid IN ({})", pids,
                                  version))

    def without_sentence_vectors(self, version: int, limit: int) -> list[tuple[str, str | None, str]]:
        """(pid, title, passage text) of passages that have no sentence vectors of ``version`` yet."""
        return self._conn().execute(
            "SELECT p.pid, COALESCE(d.context, d.title), p.text FROM passages p JOIN docs d USING(doc_id) "
            "LEFT JOIN sentence_vectors s "
            "ON s.pid = p.pid AND s.version = ? WHERE s.pid IS NULL ORDER BY p.pid LIMIT ?",
            (version, limit)).fetchall()

    def count_sentence_vectors(self, version: int) -> int:
        """Passages that have sentence vectors of ``version``."""
        return self._conn().execute("SELECT COUNT(*) FROM sentence_vectors s JOIN passages p USING(pid) "
                                    "WHERE s.version=?", (version,)).fetchone()[0]

    # -- writes ----------------------------------------------------------------------------------------
    def put_sentence_vectors(self, blobs: dict[str, bytes], version: int) -> None:
        """Store sentence vectors of committed passages (rows for passages replaced meanwhile are skipped)."""
        conn = self._conn()
        with conn:
            conn.executemany(
                "INSERT OR REPLACE INTO sentence_vectors SELECT pid, ?, ? FROM passages WHERE pid=?",
                [(version, blob, pid) for pid, blob in blobs.items()])

    def put(self, items: list[tuple[Document, list[Passage]]]) -> None:
        """Insert or replace documents with their passages, atomically."""
        conn = self._conn()
        with conn:
            for doc, passages in items:
                conn.execute(DROP_SENTENCE_VECTORS, (doc.doc_id,))
                conn.execute("DELETE FROM passages WHERE doc_id=?", (doc.doc_id,))
                conn.execute("DELETE FROM docs WHERE doc_id=?", (doc.doc_id,))
                conn.execute(
                    "INSERT INTO docs(doc_id, source, title, date, sha, body_start, text, n_passages, ingested_at,"
                    " author, context, encoding, date_set, date_mtime) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (doc.doc_id, doc.source, doc.title, doc.date, doc.sha, doc.body_start, doc.text,
                     len(passages), time.time(), doc.author, doc.context, doc.encoding,
                     set_date_for(doc.source, self._set_dates(conn)), _mtime_date(doc.source)))
                conn.executemany(
                    "INSERT INTO passages VALUES(?,?,?,?,?,?)",
                    [(p.pid, p.doc_id, p.ord, p.start, p.end, p.text) for p in passages])
            self._bump(conn)

    def _set_dates(self, conn: sqlite3.Connection) -> dict[str, str]:
        return dict(conn.execute("SELECT path, date FROM set_dates").fetchall())

    def set_dates(self) -> dict[str, str]:
        """path (a folder or a file, absolute) -> the date a user set for it."""
        return self._set_dates(self._conn())

    def set_date(self, path: str, value: str | None) -> list[str]:
        """Set (``value`` YYYY-MM-DD) or clear (None) the date of a folder or file; returns the documents under
        it (ids) that have no date of their own, which now take it (or, cleared, lose it)."""
        conn = self._conn()
        with conn:
            if value is None:
                conn.execute("DELETE FROM set_dates WHERE path=?", (path,))
            else:
                conn.execute("INSERT INTO set_dates VALUES(?, ?) ON CONFLICT(path) DO UPDATE SET date=excluded.date",
                             (path, value))
            given = self._set_dates(conn)
            rows = conn.execute("SELECT doc_id, source, date FROM docs").fetchall()
            conn.executemany("UPDATE docs SET date_set=? WHERE doc_id=?",
                             [(set_date_for(source, given), doc_id) for doc_id, source, _ in rows])
        return [doc_id for doc_id, source, own in rows if own is None and _under(source, path)]

    def remove(self, doc_ids: list[str]) -> None:
        conn = self._conn()
        with conn:
            for d in doc_ids:
                conn.execute(DROP_SENTENCE_VECTORS, (d,))
                conn.execute("DELETE FROM passages WHERE doc_id=?", (d,))
                conn.execute("DELETE FROM docs WHERE doc_id=?", (d,))
            self._bump(conn)

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta VALUES('generation', '1') ON CONFLICT(key) DO UPDATE "
            "SET value = CAST(value AS INTEGER) + 1")


def _under(source: str, path: str) -> bool:
    return source == path or source.startswith(path.rstrip("/") + "/")


def set_date_for(source: str, given: dict[str, str]) -> str | None:
    """The date set for ``source`` or the nearest folder above it."""
    best = max((p for p in given if _under(source, p)), key=len, default=None)
    return given[best] if best is not None else None


def _mtime_date(source: str) -> str | None:
    try:
        return datetime.fromtimestamp(Path(source).stat().st_mtime, tz=UTC).date().isoformat()
    except (OSError, ValueError, OverflowError):
        return None
