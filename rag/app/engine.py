"""The one library API that the CLI and the UI are thin shells over."""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.answer.chat import History
from rag.answer.components import Components
from rag.answer.generate import answer_stream
from rag.answer.judge import Judge, load_judge
from rag.answer.questions import check_question
from rag.answer.results import Answer, Event
from rag.answer.retrieve import Filters, Hit, Retriever
from rag.errors import BadInput, Busy, NotFound, error_line, is_users
from rag.ingest.documents import doc_id_for
from rag.ingest.embed import Embedder, get_embedder
from rag.ingest.readers import document_view
from rag.options import check_mode
from rag.paths import display_path, source_matches
from rag.reports.brief import build_briefing
from rag.reports.check import check_text, claims_in
from rag.reports.report_types import Briefing, CheckReport
from rag.settings import Settings
from rag.store.health import dense_warning
from rag.store.index import Index, NoIndex, damaged
from rag.store.ingestion import IngestReport, Progress, ingest, remove_documents

FOLLOW_UP_ASKS = 3  # questions asked to find follow-ups: each ~0.1 s warm (extractive), so at most ~0.3 s an answer
SLOT_WAIT_S = 300  # a request waits this long for a slot, then is told the server is busy


class Engine:
    """Loads the model and the index lazily and once; safe to share between threads. Questions, briefings, checks,
    searches and ingests run at most ``settings.concurrency`` at once, whoever asks (the app, its API, both)."""

    def __init__(self, settings: Settings, judge: Judge | None = None, embedder: Embedder | None = None,
                 index: Index | None = None) -> None:
        self.settings = settings
        self._judge = judge  # None: the committed one (rag/models), loaded on first use
        self._embedder = embedder  # None: loaded on first use, as is the index
        self._index = index
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(settings.concurrency)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One of the ``RAG_CONCURRENCY`` slots for work, held while the work runs."""
        if not self._slots.acquire(timeout=SLOT_WAIT_S):
            raise Busy(f"the server is busy: {self.settings.concurrency} requests are running",
                       "try again in a minute")
        try:
            yield
        finally:
            self._slots.release()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = get_embedder(self.settings.embed_batch, self.settings.embed_backend,
                                               self.settings.threads, self.settings.cache_dir,
                                               self.settings.embed_precision)
            return self._embedder

    @property
    def judge(self) -> Judge:
        return self._judge or load_judge()

    def with_judge(self, judge: Judge) -> Engine:
        """The same engine (model and index shared) deciding with another judge: cross-validation uses it."""
        return Engine(self.settings, judge, self.embedder, self.index())

    def index(self, create: bool = False) -> Index:
        with self._lock:
            if self._index is None:
                self._index = Index(self.settings, create=create)
            return self._index

    def warm_up(self) -> None:
        """Load what a question touches (the model, Chroma, BM25, the judge and their imports) by answering one, so
        that the first user's answer is as fast as the next. Without an index there is nothing more to load."""
        self.embedder  # noqa: B018 - loads the model
        try:
            if self.index().catalog.docs():
                self.ask("What happened?", mode="extractive")
        except NoIndex:
            pass

    def retriever(self) -> Retriever:
        return Retriever(self.index(), self.embedder, self.settings)

    def components(self) -> Components:
        """What the pipeline's steps use (rag/answer/components.py), for one request: the catalog, the retriever, the
        model, BM25 and the judge, as they are now (server mode refreshes the catalog between requests)."""
        index = self.index()
        return Components(self.settings, index.catalog, self.retriever(), self.embedder, index.lexical(), self.judge)

    # -- commands --------------------------------------------------------------------------------------
    def ingest(self, paths: list[Path], prune: bool = False, progress: Progress | None = None,
               follow_links: bool = False) -> IngestReport:
        """``follow_links``: also read links inside a folder that point outside it (skipped with a warning)."""
        with self.slot():
            return ingest(paths, self.settings, self.embedder, prune=prune, progress=progress,
                          index=self.index(create=True), follow_links=follow_links)

    @property
    def uploads(self) -> Path:
        """Where the app and its API keep uploaded files (INDEX/uploads/)."""
        return self.settings.index_dir / "uploads"

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Removes these documents from the index, and the files the app stored for them when they were uploaded
        (never a corpus file); the paths of the files deleted."""
        index = self.index()
        docs = [d for d in (index.catalog.doc(i) for i in doc_ids) if d is not None]
        remove_documents(index, doc_ids)
        return [d.source for d in docs if delete_upload(Path(d.source), self.uploads)]

    def remove_matching(self, pattern: str) -> tuple[int, list[str]]:
        """Removes every document whose path matches ``pattern`` (a substring or a glob, as ``rag docs`` shows
        it): how many, and the uploaded files deleted with them. None matching is a NotFound."""
        gone = [d.doc_id for d in self.index().catalog.docs() if source_matches(d.source, pattern)]
        if not gone:
            raise NotFound(f"no ingested document matches {pattern!r}")
        return len(gone), self.remove(gone)

    def with_index(self, index_dir: Path) -> Engine:
        """An engine with these settings over another index (a claim set's private one), the model shared."""
        return Engine(self.settings.with_overrides(index_dir=index_dir), self._judge, self.embedder)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               method: str = "hybrid") -> list[Hit]:
        query = check_question(query)
        with self.slot():
            return self.retriever().search(query, k, filters, method)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None, mode: str = "auto",
            history: History | None = None, strict: bool = False) -> Answer:
        """Answer one question. ``mode``: auto | extractive | llm; ``history``: earlier (question, answer)
        turns of a conversation; ``strict``: drop sentences that verification does not support.

        ``auto`` uses the model when one is configured (RAG_LLM_BASE_URL / OPENAI_API_KEY), else extractive."""
        result: Answer | None = None
        for event in self.ask_stream(question, k, filters, mode, history, strict):
            if event.kind == "answer":
                result = event.answer
        assert result is not None
        return result

    def ask_stream(self, question: str, k: int | None = None, filters: Filters | None = None, mode: str = "auto",
                   history: History | None = None, strict: bool = False) -> Iterator[Event]:
        """Events for a UI: ``token`` events while an answer is generated, then one ``answer`` event.

        A follow-up is first made standalone with ``history``; ``llm`` (or ``auto`` with a model configured)
        streams the model's tokens, then verifies every sentence; any failure answers extractively instead,
        with ``answer.llm.fallback_reason`` saying why."""
        check_question(question), check_mode(mode)  # a bad request fails before the model and the index load
        with self.slot():
            for event in answer_stream(self.components(), question, k, filters, mode, history, strict):
                if event.kind == "answer" and event.answer is not None:
                    event.answer.warnings = self.warnings()
                    event.answer.notes = self.filter_notes(filters)
                yield event

    def warnings(self) -> list[str]:
        """What degrades answers now: vectors missing from the vector store (rag/store/health.py; counts only)."""
        w = dense_warning(self.index())
        return [w] if w else []

    def filter_notes(self, filters: Filters | None) -> list[str]:
        """What a date range leaves out, in words ("2,225 undated articles are outside this range"): without
        it, an answer that finds nothing under a filter gives no reason."""
        if not filters or not (filters.since or filters.until):
            return []
        undated, outside = self.index().catalog.outside_dates(filters.since, filters.until, filters.source)
        notes = []
        if undated:
            notes.append(f"{undated:,} undated article{'s are' if undated != 1 else ' is'} outside this range "
                         "(a date range keeps only dated articles).")
        if outside:
            notes.append(f"{outside:,} dated article{'s are' if outside != 1 else ' is'} outside this range.")
        return notes

    def brief(self, topic: str, k: int | None = None, filters: Filters | None = None,
              mode: str = "auto") -> Briefing:
        """A cited briefing on ``topic`` (rag/reports/brief/): a ``Briefing`` with sections, citations, Markdown.
        ``mode`` as in ``ask``: with a model, its summary is verified sentence by sentence."""
        check_question(topic), check_mode(mode)
        with self.slot():
            return build_briefing(self.components(), topic, k, filters, mode)

    def check(self, text: str, k: int | None = None, filters: Filters | None = None) -> CheckReport:
        """Each sentence of ``text`` labelled supported / contradicted / not_found (rag/reports/check.py)."""
        claims_in(text)  # a text without sentences (or too long) fails before the model and the index load
        with self.slot():
            return check_text(self.components(), text, k, filters)

    def follow_ups(self, ans: Answer, filters: Filters | None = None, limit: int = 3) -> list[str]:
        """Up to ``limit`` questions to suggest under ``ans``, built from its cited articles (rag/answer/followups.py)
        and each asked first (extractively; at most FOLLOW_UP_ASKS asks in all): only those answered from one of the
        cited articles, with another answer than ``ans``, are kept, so a suggestion is never refused."""
        from itertools import zip_longest

        from rag.answer.followups import candidates

        if ans.refused or not ans.citations:
            return []
        cited: dict[str, list[tuple[int, int]]] = {}
        for c in ans.citations:
            cited.setdefault(c.source, []).append((c.start, c.end))
        pool = []
        for source, spans in cited.items():
            try:
                pool.append(candidates(self.canonical_text(source), spans, ans.question))
            except (KeyError, NotFound):
                continue  # removed since
        out = []
        for q in [q for group in zip_longest(*pool) for q in group if q][:FOLLOW_UP_ASKS]:
            got = self.ask(q, None, filters, "extractive")
            if not got.refused and got.answer != ans.answer and any(c.source in cited for c in got.citations):
                out.append(q)
        return out[:limit]

    def set_date(self, target: str, value: str | None) -> tuple[str, int]:
        """Date the articles of a folder or a file that have no date of their own (``value`` YYYY-MM-DD; None
        clears it). ``target``: a path, a section (top-level folder of the corpus, as the pickers name it), or a
        document (as ``document`` finds one). Kept in the catalog apart from ingest, so it survives re-ingest.
        Returns the folder or file dated and how many undated articles it covers."""
        from rag.answer.retrieve import check_date
        from rag.paths import sections_of

        value = check_date(value, "the") if value is not None else None
        target = (target or "").strip()
        if not target:
            raise BadInput("name a folder or file to date")
        catalog = self.index().catalog
        path = Path(target).expanduser()
        if target and path.exists():
            where = str(path.resolve())
        else:
            docs = catalog.docs()
            of = sections_of([d.source for d in docs], self.settings.index_dir / "uploads")
            members = [d.source for d in docs if of[d.source] == target]
            if members:
                where = os.path.commonpath([str(Path(m).parent) for m in members])
            elif target in catalog.set_dates():
                where = target  # a folder or file set before and gone since: its date can be cleared
            else:  # a document, or a NotFound naming what matched
                info = catalog.doc(self.document(target)["doc_id"])
                assert info is not None
                where = info.source
        return where, len(catalog.set_date(where, value))

    def canonical_text(self, source: str) -> str:
        """The canonical text of an ingested document, by its shown or absolute path."""
        return self.index().catalog.text(doc_id_for(str(Path(source).resolve())))

    def document(self, source: str) -> dict:
        """A document's canonical text and metadata (what ``rag show`` prints): ``source`` is its path (as shown
        or absolute), its id, or a path fragment or glob that matches exactly one document."""
        if "\0" in source or len(source) > 4096:  # no path holds these; resolving one would fail
            raise NotFound("no ingested document has that name (a NUL character, or over 4096 characters)")
        catalog = self.index().catalog
        info = catalog.doc(doc_id_for(str(Path(source).resolve()))) or catalog.doc(source.strip())
        if info is None:
            found = [d for d in catalog.docs() if source_matches(d.source, source)] if source.strip() else []
            if not found:
                raise NotFound(f"no ingested document matches {source!r}")
            if len(found) > 1:
                names = ", ".join(display_path(d.source) for d in found[:3]) + (", …" if len(found) > 3 else "")
                raise NotFound(f"{source!r} matches {len(found)} documents ({names}): be more specific")
            info = found[0]
        return document_view(info, catalog.text(info.doc_id), display_path(info.source))


def delete_upload(source: Path, uploads: Path) -> bool:
    """Deletes a removed article's file when the app stored it (under ``uploads``), never a corpus file."""
    try:
        source.resolve().relative_to(uploads.resolve())
    except ValueError:
        return False
    source.unlink(missing_ok=True)
    return True


def shown_error(e: BaseException, settings: Settings) -> str:
    """An error as the app shows it: one line; a damaged index file named with its remedy; a bug reported as
    an internal error, its traceback on stderr with ``RAG_DEBUG=1``."""
    e = damaged(e, settings.index_dir) or e
    if settings.debug and not is_users(e):
        traceback.print_exception(e, file=sys.stderr)
    return error_line(e)


class Conversation:
    """A chat: each question is asked with the turns before it (`rag chat`; the app keeps its turns itself and
    passes them to ``Engine.ask_stream`` as the history)."""

    def __init__(self, engine: Engine, mode: str = "auto", strict: bool = False, k: int | None = None,
                 filters: Filters | None = None) -> None:
        self.engine = engine
        self.mode = mode
        self.strict = strict
        self.k = k
        self.filters = filters
        self.history: History = []

    def ask_stream(self, question: str) -> Iterator[Event]:
        for event in self.engine.ask_stream(question, self.k, self.filters, self.mode, list(self.history),
                                            self.strict):
            if event.kind == "answer" and event.answer is not None:
                self.history.append((question, event.answer.answer))
            yield event

    def reset(self) -> None:
        self.history.clear()
