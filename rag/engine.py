"""The one library API that the CLI and the UI are thin shells over."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag import answer as extractive
from rag.documents import doc_id_for
from rag.embed import Embedder, get_embedder
from rag.index import Index, NoIndex
from rag.ingest import IngestReport, Progress, ingest, remove_documents
from rag.judge import Judge, load_judge
from rag.judge_features import answer_features
from rag.paths import display_path
from rag.readers import page_for
from rag.results import REFUSAL, Answer, AnswerSentence, Citation
from rag.retrieve import Filters, Hit, Retriever
from rag.settings import Settings
from rag.verify import Verifier


class EmptyQuestion(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: kind "token" (text) or "answer" (the final, checked answer)."""

    kind: str
    text: str = ""
    answer: Answer | None = None


MAX_QUESTION_CHARS = 2000


class Engine:
    """Loads the model and the index lazily and once; safe to share between threads."""

    def __init__(self, settings: Settings, judge: Judge | None = None) -> None:
        self.settings = settings
        self._judge = judge  # None: the committed one (rag/models), loaded on first use
        self._embedder: Embedder | None = None
        self._index: Index | None = None
        self._lock = threading.Lock()

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
        other = Engine(self.settings, judge)
        other._embedder, other._index = self.embedder, self.index()
        return other

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

    def verifier(self) -> Verifier:
        """The verifier of generated and quoted sentences, with the judge's word on support."""
        return Verifier(self.embedder, self.settings.support_threshold, self.judge, self.index().lexical().idf)

    def retriever(self) -> Retriever:
        return Retriever(self.index(), self.embedder, self.settings)

    # -- commands --------------------------------------------------------------------------------------
    def ingest(self, paths: list[Path], prune: bool = False, progress: Progress | None = None) -> IngestReport:
        return ingest(paths, self.settings, self.embedder, prune=prune, progress=progress,
                      index=self.index(create=True))

    def remove(self, doc_ids: list[str]) -> None:
        remove_documents(self.index(), doc_ids)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               method: str = "hybrid") -> list[Hit]:
        return self.retriever().search(check_question(query), k, filters, method)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None, mode: str = "auto",
            history: list[tuple[str, str]] | None = None, strict: bool = False) -> Answer:
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
                   history: list[tuple[str, str]] | None = None, strict: bool = False) -> Iterator[Event]:
        """Events for a UI: ``token`` events while an answer is generated, then one ``answer`` event.

        A follow-up is first made standalone with ``history``; ``llm`` (or ``auto`` with a model configured)
        streams the model's tokens, then verifies every sentence; any failure answers extractively instead,
        with ``answer.llm.fallback_reason`` saying why."""
        from rag.generate import answer_stream

        for event in answer_stream(self, question, k, filters, mode, history, strict):
            if event.kind == "answer" and event.answer is not None:
                event.answer.warnings = self.warnings()
                event.answer.notes = self.filter_notes(filters)
            yield event

    def warnings(self) -> list[str]:
        """What degrades answers now: vectors missing from the vector store (rag/health.py; counts only)."""
        from rag.health import dense_warning

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

    def _ask_extractive(self, question: str, k: int | None, filters: Filters | None) -> Answer:
        question = check_question(question)
        t0 = time.perf_counter()
        hits = self.retriever().search(question, k, filters)
        t1 = time.perf_counter()
        result = self._extractive(question, hits, k, filters)
        t2 = time.perf_counter()
        result.timings_ms = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        return result

    def _extractive(self, question: str, hits: list[Hit], k: int | None, filters: Filters | None) -> Answer:
        parts = extractive.split_question(question)
        if len(parts) == 1:
            chosen, confidence, related = self._choose(question, hits, self.settings.max_answer_sentences)
        else:
            # A compound question is answered part by part; every part needs its own evidence.
            chosen, confidence, related = [], 1.0, None
            for part in parts:
                found, score, near = self._choose(part, self.retriever().search(part, k, filters), 1)
                confidence = min(confidence, score)
                if not found:
                    chosen, related = [], near
                    break
                chosen += [c for c in found if all((c.hit.doc_id, c.start) != (x.hit.doc_id, x.start)
                                                   for x in chosen)]
        if not chosen:
            near = self.cite(1, related.hit, related.start, related.end) if related else None
            return Answer(question, REFUSAL, "extractive", True, confidence=confidence, related=near)
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        for c in chosen:
            cit = self.cite(len(citations) + 1, c.hit, c.start, c.end)
            citations.append(cit)
            sentences.append(AnswerSentence(c.text, [cit.n], True, 1.0))
        text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
        return Answer(question, text, "extractive", False, citations, sentences, confidence=confidence)

    def _choose(self, question: str, hits: list[Hit], max_sentences: int) -> tuple[list, float, object]:
        """Evidence sentences for one (simple) question, in reading order; the judge's probability that the best
        sentence answers it; and that best sentence (shown as related, not an answer, when it is refused)."""
        lex = self.index().lexical()
        cands = extractive.score_sentences(question, hits, self.embedder, lex, self.stored_sentence_vectors)
        if not cands:
            return [], 0.0, None
        probs = self.judge.answers(answer_features(question, cands, hits, self.index().catalog.text, lex.idf))
        threshold = self.settings.answer_threshold
        threshold = self.judge.answer_threshold if threshold is None else threshold
        # The scorer chooses the sentences, the judge decides whether they answer at all: measured held out, the
        # scorer's choice is right more often, and the judge's probability refuses far more near misses.
        confidence = float(probs.max())
        if confidence < threshold:
            return [], confidence, cands[int(np.argmax(probs))]
        chosen = extractive.select(cands, min(extractive.EXTRA_FLOOR, cands[0].score), max_sentences,
                                   extractive.question_weights(question, lex), self.index().catalog.text)
        return extractive.order_for_reading(chosen), confidence, cands[0]

    def brief(self, topic: str, k: int | None = None, filters: Filters | None = None,  # noqa: ANN201
              mode: str = "auto"):
        """A cited briefing on ``topic`` (rag/brief.py): a ``Briefing`` with sections, citations, Markdown.
        ``mode`` as in ``ask``: with a model, its summary is verified sentence by sentence."""
        from rag.brief import build_briefing

        return build_briefing(self, topic, k, filters, mode)

    def check(self, text: str, k: int | None = None, filters: Filters | None = None):  # noqa: ANN201
        """Each sentence of ``text`` labelled supported / contradicted / not_found (rag/check.py)."""
        from rag.check import check_text

        return check_text(self, text, k, filters)

    def stored_sentence_vectors(self, pids: list[str]) -> dict[str, bytes]:
        """Sentence vectors computed at ingest, for the extractive scorer (see rag.sentence_vectors)."""
        from rag import sentence_vectors

        return self.index().catalog.sentence_vectors(pids, sentence_vectors.VERSION)

    def canonical_text(self, source: str) -> str:
        """The canonical text of an ingested document, by its shown or absolute path."""
        return self.index().catalog.text(doc_id_for(str(Path(source).resolve())))

    def document(self, source: str) -> dict:
        """A document's canonical text and metadata (what ``rag show`` prints): ``source`` is its path (as shown
        or absolute), its id, or a path fragment or glob that matches exactly one document."""
        from rag.readers import document_view

        catalog = self.index().catalog
        info = catalog.doc(doc_id_for(str(Path(source).resolve()))) or catalog.doc(source.strip())
        if info is None:
            from rag.paths import source_matches

            found = [d for d in catalog.docs() if source_matches(d.source, source)] if source.strip() else []
            if not found:
                raise LookupError(f"no ingested document matches {source!r}")
            if len(found) > 1:
                names = ", ".join(display_path(d.source) for d in found[:3]) + (", …" if len(found) > 3 else "")
                raise LookupError(f"{source!r} matches {len(found)} documents ({names}): be more specific")
            info = found[0]
        return document_view(info, catalog.text(info.doc_id), display_path(info.source))

    def cite(self, n: int, hit: Hit, start: int, end: int) -> Citation:
        """A citation whose quote is read back from the canonical text, so the invariant holds by check."""
        text = self.index().catalog.text(hit.doc_id)
        title = hit.shown_title or hit.title  # the title people see, not the context scoring reads
        return Citation(n, display_path(hit.source), title, hit.date, start, end, text[start:end],
                        page_for(hit.source, text, start))


_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")  # colour codes pasted from a terminal


def check_question(question: str) -> str:
    q = _TERMINAL_ESCAPE.sub("", question or "")  # the whole sequence: "[31m" left behind is not a word
    q = " ".join(q.split())
    q = "".join(ch for ch in q if ch.isprintable())
    if not q:
        raise EmptyQuestion("the question is empty")
    return q[:MAX_QUESTION_CHARS]
