"""The extractive answerer: picks the retrieved sentences that answer the question and quotes them verbatim.

Each candidate sentence gets one score (weights calibrated on the dev sets, see the README):
  0.30 * similarity of the question and "title. sentence" (the bundled embedding model)
+ 0.35 * IDF-weighted share of the question's terms that the sentence contains
+ 0.15 * the same share over the sentence's passage and article title (the context it relies on)
+ 0.45 * IDF-weighted share of the sentence's own terms that the question lacks (what it adds: a lead that
         only restates the question scores low, the sentence with the answer high),
halved when the question asks for a kind of value (an amount, a year, a name) that the sentence does not give.
The learned judge (rag/answer/judge.py) decides whether the best sentences answer at all (this answerer refuses when
its probability is below the threshold); this score chooses them. The answer is the best sentence, the sentence after
it, and up to two more that score nearly as well or cover question terms not yet covered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.answer.components import Components
from rag.answer.injection import clear_of, instruction_spans, is_instruction
from rag.answer.judge_features import answer_features
from rag.answer.question_kinds import answer_type, has_answer_of_type
from rag.answer.questions import check_question
from rag.answer.results import REFUSAL, Answer, AnswerSentence, Citation
from rag.answer.retrieve import Filters, Hit
from rag.ingest import sentence_vectors
from rag.ingest.embed import Embedder
from rag.store.lexical import Lexical
from rag.text import normalize, sentence_spans, terms

W_DENSE, W_SENT, W_CTX, W_NOV = 0.30, 0.35, 0.15, 0.45
TYPE_MISS = 0.5
MIN_WORDS = 4
MIN_NEW_COVERAGE = 0.12
NEAR_BEST = 0.05
EXTRA_FLOOR = 0.70  # further sentences must score at least this (the hand-set scale of ``combine``)
TERMINAL = set('.!?"”’)')


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    start: int  # offsets into the canonical text of hit's document
    end: int
    text: str
    score: float
    covered: frozenset[str]
    features: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 1.0)  # dense, cov_s, cov_c, novelty, type_ok


StoredVectors = Callable[[list[str]], dict[str, bytes]]


def score_sentences(question: str, hits: list[Hit], embedder: Embedder, lex: Lexical,
                    stored: StoredVectors | None = None) -> list[Candidate]:
    """Every sentence of the retrieved passages, scored, best first. ``stored``: pids -> sentence vectors
    computed at ingest (see :mod:`rag.ingest.sentence_vectors`); sentences without them are embedded now."""
    q_terms = set(terms(question))
    weights = {t: lex.idf(t) for t in q_terms}
    total = sum(weights.values()) or 1.0
    kind = answer_type(question)
    spans = []
    seen: set[str] = set()
    for h in hits:
        ctx = set(terms(f"{h.title or ''} {h.text}"))
        blocked = instruction_spans(h.text)  # the passage as a whole: what an instruction's colon introduces
        for i, (a, b) in enumerate(sentence_spans(h.text)):
            s = h.text[a:b]
            key = normalize(s)
            if is_statement(s) and clear_of(blocked, a, b) and key not in seen:
                seen.add(key)
                spans.append((h, h.start + a, h.start + b, s, ctx, i))
    if not spans:
        return []
    sims = _similarities(embedder.embed_query(question), spans, embedder, stored)
    out = []
    for (h, a, b, s, ctx, _), sim in zip(spans, sims, strict=True):
        st = set(terms(s))
        covered = frozenset(q_terms & st)
        cov_s = sum(weights[t] for t in covered) / total
        cov_c = sum(weights[t] for t in q_terms & (st | ctx)) / total
        novelty = _novelty(st, q_terms, lex)
        features = (max(0.0, float(sim)), cov_s, cov_c, novelty, float(has_answer_of_type(s, kind, question)))
        out.append(Candidate(h, a, b, s, combine(features), covered, features))
    out.sort(key=lambda c: -c.score)
    return out


def _similarities(q_vec: np.ndarray, spans: list[tuple], embedder: Embedder,
                  stored: StoredVectors | None) -> np.ndarray:
    """Cosine of the question and each sentence read in its passage, after the title (many answers, "It was
    developed by Intel.", need the subject): from the stored vectors where they match the passage, else computed
    now (see rag.ingest.sentence_vectors)."""
    blobs = stored(sorted({h.pid for h, *_ in spans})) if stored else {}
    hits = {h.pid: h for h, *_ in spans}
    # Stored vectors count only when they align with the passage's sentences (a stale row never misleads).
    vecs = {pid: v for pid, blob in blobs.items()
            if len(v := sentence_vectors.decode(blob, embedder.dim)) == len(sentence_spans(hits[pid].text))}
    sims = np.zeros(len(spans), dtype=np.float32)
    missing = []
    for j, (h, *_, i) in enumerate(spans):
        if h.pid in vecs:
            sims[j] = float(vecs[h.pid][i] @ q_vec)
        else:
            missing.append(j)
    if missing:  # computed now as ingest stores them: from one pass over each passage
        todo = {spans[j][0].pid: spans[j][0] for j in missing}
        blobs = sentence_vectors.compute(embedder, [(pid, h.title, h.text) for pid, h in todo.items()])
        fresh = {pid: sentence_vectors.decode(blob, embedder.dim) for pid, blob in blobs.items()}
        for j in missing:
            sims[j] = float(fresh[spans[j][0].pid][spans[j][-1]] @ q_vec)
    return sims


def _novelty(sentence_terms: set[str], q_terms: set[str], lex: Lexical) -> float:
    """IDF-weighted share of the sentence's terms that the question does not contain: what it adds.

    A sentence that only restates the question (a lead, a headline) scores low; the answer scores high.
    """
    w = {t: lex.idf(t) for t in sentence_terms}
    total = sum(w.values())
    return sum(v for t, v in w.items() if t not in q_terms) / total if total else 0.0


def combine(features: tuple[float, ...]) -> float:
    dense, cov_s, cov_c, novelty, type_ok = features
    score = W_DENSE * dense + W_SENT * cov_s + W_CTX * cov_c + W_NOV * novelty
    return score if type_ok else score * TYPE_MISS


def is_statement(sentence: str) -> bool:
    """A full sentence, not a headline or section heading (those carry no terminal punctuation), and not text
    addressed to an AI assistant (never evidence: neither answers nor briefings may quote it)."""
    return len(sentence.split()) >= MIN_WORDS and sentence.rstrip()[-1] in TERMINAL and not is_instruction(sentence)


def next_sentence(c: Candidate, doc_text: str) -> Candidate | None:
    """The sentence after ``c`` in its article: answers often continue there ("This was reported by ...")."""
    # Its paragraph (at most 2,000 characters back): an instruction before it may introduce the next sentence.
    lo = max(doc_text.rfind("\n\n", 0, c.start) + 1, c.start - 2000, 0)
    blocked = tuple((lo + x, lo + y) for x, y in instruction_spans(doc_text[lo:min(len(doc_text), c.end + 1000)]))
    for na, nb in sentence_spans(doc_text, c.end, min(len(doc_text), c.end + 1000))[:2]:
        text = doc_text[na:nb]
        if is_statement(text) and clear_of(blocked, na, nb):
            return Candidate(c.hit, na, nb, text, c.score, frozenset())
    return None


def select(cands: list[Candidate], threshold: float, max_sentences: int, weights: dict[str, float],
           doc_text: Callable[[str], str]) -> list[Candidate]:
    """The best sentence and the one after it (answers often continue there), then further sentences that
    score nearly as well as the best or that cover question terms the answer does not yet cover."""
    if not cands or cands[0].score < threshold:
        return []
    best = cands[0]
    chosen = [best]
    follow = next_sentence(best, doc_text(best.hit.doc_id))
    if follow is not None:
        chosen.append(follow)
    covered = set(best.covered)
    total = sum(weights.values()) or 1.0
    extra = 0
    for c in cands[1:]:
        if extra >= max_sentences - 1:
            break
        if c.score < threshold:
            continue
        if any(c.start == x.start and c.hit.doc_id == x.hit.doc_id for x in chosen):
            continue
        gain = sum(weights.get(t, 0.0) for t in c.covered - covered) / total
        if c.score >= best.score - NEAR_BEST or gain >= MIN_NEW_COVERAGE:
            chosen.append(c)
            covered |= c.covered
            extra += 1
    return chosen


def question_weights(question: str, lex: Lexical) -> dict[str, float]:
    return {t: lex.idf(t) for t in set(terms(question))}


def order_for_reading(chosen: list[Candidate]) -> list[Candidate]:
    """Keep the best sentence and its follower first; further evidence after, grouped by article."""
    return chosen[:2] + sorted(chosen[2:], key=lambda c: (c.hit.source, c.start))




_SPLITTERS = (", and ", " compare with ", " compared with ", ", or ")  # between clauses
_ALTERNATIVES = (", or ", " or ", ", and ", " and ")  # between the items after "Which is bigger:"
MIN_PART_TERMS = 3


def split_question(question: str) -> list[str]:
    """Parts of a compound question, each answerable on its own ("How much was A, and what did B cost?",
    "Which is bigger: A or B?"); a simple question is returned whole. Instructions without content
    ("Give both numbers.") are dropped. A split is kept only when every part has enough content terms."""
    sentences = [question[a:b] for a, b in sentence_spans(question)]
    kept = [s for s in sentences if len(set(terms(s))) >= MIN_PART_TERMS] or [question]
    q = " ".join(kept)
    head, sep, tail = q.partition(":")
    if sep and terms(head):
        alts = _split_once(tail.strip(" ?."), 2, _ALTERNATIVES)
        if len(alts) > 1:
            return [f"{head}: {a.strip()}" for a in alts]
    parts = _split_once(q, MIN_PART_TERMS, _SPLITTERS)
    return parts if len(parts) > 1 else [q]


def _split_once(text: str, min_terms: int, separators: tuple[str, ...]) -> list[str]:
    for sep in separators:
        if sep in text:
            parts = [p.strip(" ,?") for p in text.split(sep)]
            if len(parts) > 1 and all(len(set(terms(p))) >= min_terms for p in parts):
                return parts
    return [text]


# -- the extractive answer ---------------------------------------------------------------------------------------
def extractive_answer(c: Components, question: str, k: int | None, filters: Filters | None) -> Answer:
    """Retrieve, then quote the sentences that answer ``question`` (or refuse, with the nearest sentence)."""
    question = check_question(question)
    t0 = time.perf_counter()
    hits = c.retriever.search(question, k, filters)
    t1 = time.perf_counter()
    result = _answer(c, question, hits, k, filters)
    t2 = time.perf_counter()
    result.timings_ms = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
    return result


def _answer(c: Components, question: str, hits: list[Hit], k: int | None, filters: Filters | None) -> Answer:
    parts = split_question(question)
    if len(parts) == 1:
        chosen, confidence, related = choose(c, question, hits, c.settings.max_answer_sentences)
    else:
        # A compound question is answered part by part; every part needs its own evidence.
        chosen, confidence, related = [], 1.0, None
        for part in parts:
            found, score, near = choose(c, part, c.retriever.search(part, k, filters), 1)
            confidence = min(confidence, score)
            if not found:
                chosen, related = [], near
                break
            chosen += [x for x in found if all((x.hit.doc_id, x.start) != (y.hit.doc_id, y.start) for y in chosen)]
    if not chosen:
        near = c.cite(1, related.hit, related.start, related.end) if related else None
        return Answer(question, REFUSAL, "extractive", True, confidence=confidence, related=near)
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    for x in chosen:
        cit = c.cite(len(citations) + 1, x.hit, x.start, x.end)
        citations.append(cit)
        sentences.append(AnswerSentence(x.text, [cit.n], True, 1.0))
    text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
    return Answer(question, text, "extractive", False, citations, sentences, confidence=confidence)


def stored_vectors(c: Components) -> StoredVectors:
    """Sentence vectors computed at ingest, for the scorer (see rag.ingest.sentence_vectors)."""
    return lambda pids: c.catalog.sentence_vectors(pids, sentence_vectors.VERSION)


def choose(c: Components, question: str, hits: list[Hit], max_sentences: int) -> tuple[list, float, object]:
    """Evidence sentences for one (simple) question, in reading order; the judge's probability that the best
    sentence answers it; and that best sentence (shown as related, not an answer, when it is refused)."""
    lex = c.lexical
    cands = score_sentences(question, hits, c.embedder, lex, stored_vectors(c))
    if not cands:
        return [], 0.0, None
    probs = c.judge.answers(answer_features(question, cands, hits, c.catalog.text, lex.idf, c.judge.reads))
    threshold = c.settings.answer_threshold
    threshold = c.judge.answer_threshold if threshold is None else threshold
    # The judge decides whether the best sentence answers and picks it (held out it picks the sentence that holds
    # the answer more often than the scorer: 0.62 vs 0.49 on the dev sets); further sentences come in the scorer's
    # order, and only those the judge also accepts.
    # The decision compares the judge's probability with its threshold; the confidence shown is that probability
    # calibrated on held-out questions into "this answer is right" (rag/answer/judge.py: Judge.confidence).
    best = float(probs.max())
    confidence = c.judge.confidence(best)
    if best < threshold:
        return [], confidence, cands[int(np.argmax(probs))]
    top = int(np.argmax(probs))
    ranked = [cands[top]] + [x for i, (x, p) in enumerate(zip(cands, probs, strict=True))
                             if i != top and p >= threshold]
    chosen = select(ranked, min(EXTRA_FLOOR, ranked[0].score), max_sentences, question_weights(question, lex),
                    c.catalog.text)
    return order_for_reading(chosen), confidence, ranked[0]
