"""Features of the learned judge (rag/answer/judge.py): plain numbers that describe how a sentence relates to a question
(does it answer it?) or to a claim (does it state it?).

Both sets are built from the same primitives: IDF-weighted coverage of the question's / claim's terms by the
sentence, its passage and its whole article; what the asked-for terms are that no evidence holds (the near-miss
signal: "How much profit did Yukos make?" beside an article on Yukos that gives no profit); names, numbers and
dates present or absent; negation; the kind of value asked for; retrieval ranks; and the margin to the other
candidates. They are computed the same way at training time (rag/app/judge_train.py) and at question time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag.answer.asked import ACCEPTS, TYPE_FEATURES, asked, new_spans, type_features
from rag.answer.facts import names, negation_scopes, numbers
from rag.answer.question_kinds import answer_type
from rag.text import sentence_spans, terms

KINDS = (None, "money", "number", "year", "date", "name")

ANSWER_FEATURES = (
    "dense", "cov_sent", "cov_ctx", "novelty", "type_ok", "kind",
    "cov_doc", "cov_title", "miss_max_ctx", "miss_max_doc", "miss_n_doc", "miss_n_ctx",
    "rel_cov_sent", "rel_cov_ctx", "rel_cov_doc", "rel_miss_max_doc",
    "names_sent", "names_doc", "names_miss_doc", "nums_doc",
    "rank", "hit_dense", "hit_bm25_rel", "sent_pos", "sent_len", "q_len",
    "dense_gap", "cov_gap", "base_gap", "base_rank", "docs_top5", "same_doc_best",
    *TYPE_FEATURES, "span_next", "span_top5", "span_rank", "reader",
)
READ_TOP = 30  # the reader reads the scorer's best candidates only (its features cost ~1 ms a sentence)
# Aligning the question's words with the best candidates' by contextual vectors (as claims are, below) was tried:
# it moved no held-out figure and cost ~50 ms a question, so answers use lexical coverage only.

def _share(weights: dict[str, float], have: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in have) / total if total else 1.0


def _miss_max(weights: dict[str, float], have: set[str]) -> float:
    """The weight of the most specific asked-for term that ``have`` lacks, relative to the most specific term."""
    top = max(weights.values(), default=0.0) or 1.0
    return max((w for t, w in weights.items() if t not in have), default=0.0) / top


def _name_terms(text: str) -> set[str]:
    return {t for n in names(text) for t in terms(n)}


@dataclass(frozen=True)
class QuestionInfo:
    """What the answer features need to know about the question, computed once."""

    weights: dict[str, float]  # term -> IDF
    relation: dict[str, float]  # the terms that are not names: what is asked about them ("profit", "paid")
    name_terms: set[str]
    number_values: list[float]
    kind: str | None

    @classmethod
    def of(cls, question: str, idf: Callable[[str], float]) -> QuestionInfo:
        weights = {t: idf(t) for t in set(terms(question))}
        name_terms = _name_terms(question) & set(weights)
        relation = {t: w for t, w in weights.items() if t not in name_terms}
        values = [v for _, v in numbers(question) if v != 1.0]
        return cls(weights, relation, name_terms, values, answer_type(question))


def answer_features(question: str, cands: Sequence, hits: Sequence, doc_text: Callable[[str], str],
                    idf: Callable[[str], float],
                    reader: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """One row per candidate sentence (rag.answer.extractive.Candidate, in the scorer's order) of
    ``ANSWER_FEATURES``. ``reader``: rows of READER_FEATURES -> probability (the judge's reader); the scorer's
    first READ_TOP candidates are read, the others get -1."""
    if not cands:
        return np.zeros((0, len(ANSWER_FEATURES)), dtype=np.float32)
    qi = QuestionInfo.of(question, idf)
    rank = {h.pid: i for i, h in enumerate(hits)}
    top_bm25 = max((h.bm25 or 0.0 for h in hits), default=0.0) or 1.0
    doc_terms: dict[str, set[str]] = {}
    doc_vals: dict[str, list[float]] = {}
    for c in cands:
        d = c.hit.doc_id
        if d not in doc_terms:
            doc_terms[d], doc_vals[d] = article_facts(c.hit.title or "", doc_text(d))
    best_dense = max(c.features[0] for c in cands)
    best_cov = max(c.features[1] for c in cands)
    best_base = cands[0].score
    top_docs = {c.hit.doc_id for c in cands[:5]}
    # What was asked: the typed spans of each candidate (rag/answer/asked.py), and of the sentence after it in
    # its passage (answers often continue there).
    a = asked(question)
    typed = [type_features(a, c.text) for c in cands]
    has = [t[1] > 0 for t in typed]
    first_typed = next((i for i, h in enumerate(has) if h), len(cands))
    top5_typed = sum(has[:5])
    read = np.full(len(cands), -1.0)
    if reader is not None:
        top = cands[:READ_TOP]
        read[:len(top)] = reader(np.asarray([reader_features(question, c.text, c.hit.text, idf) for c in top],
                                            dtype=np.float32))
    rows = []
    for i, c in enumerate(cands):
        dense, cov_s, cov_c, novelty, type_ok = c.features
        st = set(terms(c.text))
        ctx = st | set(terms(f"{c.hit.title or ''} {c.hit.text}"))
        dt = doc_terms[c.hit.doc_id]
        title = set(terms(c.hit.title or ""))
        nq = len(qi.name_terms)
        rows.append((
            dense, cov_s, cov_c, novelty, type_ok, KINDS.index(qi.kind),
            _share(qi.weights, dt), _share(qi.weights, title),
            _miss_max(qi.weights, ctx), _miss_max(qi.weights, dt),
            sum(t not in dt for t in qi.weights), sum(t not in ctx for t in qi.weights),
            _share(qi.relation, st), _share(qi.relation, ctx), _share(qi.relation, dt), _miss_max(qi.relation, dt),
            len(qi.name_terms & st) / nq if nq else 1.0, len(qi.name_terms & dt) / nq if nq else 1.0,
            sum(t not in dt for t in qi.name_terms),
            _values_share(qi.number_values, doc_vals[c.hit.doc_id]),
            rank.get(c.hit.pid, len(hits)), c.hit.dense or 0.0, (c.hit.bm25 or 0.0) / top_bm25,
            min(c.start / 1000.0, 5.0), math.log1p(len(st)), math.log1p(len(qi.weights)),
            dense - best_dense, cov_s - best_cov, c.score - best_base, min(i, 30), len(top_docs),
            float(c.hit.doc_id == cands[0].hit.doc_id),
            *typed[i], _next_has_span(a, c), top5_typed, min(first_typed, 30), read[i],
        ))
    return np.asarray(rows, dtype=np.float32)


def _next_has_span(a, c) -> float:  # noqa: ANN001 - an Asked and a Candidate
    """-1 when no type is asked; else whether the sentence after ``c`` in its passage holds a new span of the
    asked type."""
    if a.kind not in ACCEPTS:
        return -1.0
    rest = c.hit.text[max(0, c.end - c.hit.start):]
    spans = sentence_spans(rest)
    return float(bool(spans) and bool(new_spans(a, rest[spans[0][0]:spans[0][1]])))


@lru_cache(maxsize=1024)
def article_facts(title: str, text: str) -> tuple[frozenset[str], tuple[float, ...]]:
    """An article's terms and number values (cached: the same articles come back question after question)."""
    return frozenset(terms(f"{title} {text}")), tuple(v for _, v in numbers(text))


def _values_share(asked: list[float], have: list[float]) -> float:
    if not asked:
        return 1.0
    return sum(any(abs(v - x) <= 1e-9 * max(1.0, abs(x)) for x in have) for v in asked) / len(asked)


# -- the reader: does this sentence answer this question, read alone? ----------------------------------------------
# Pair features that need no retrieval, so that a model of them can learn from people's questions elsewhere
# (SQuAD 2.0, QNLI: rag/app/judge_reader.py) and its probability becomes one answer feature ("reader").
READER_FEATURES = (
    *TYPE_FEATURES, "cov_sent", "cov_ctx", "miss_max_sent", "miss_n_sent", "rel_cov_sent", "names_sent",
    "names_miss_sent", "bigrams_sent", "novelty", "neg_mismatch", "nums_q_sent", "sent_len", "q_len",
    "ctx_cov_rest", "miss_max_ctx", "miss_n_ctx", "names_miss_ctx", "nums_q_ctx",
)


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


def reader_features(question: str, sentence: str, context: str, idf: Callable[[str], float]) -> list[float]:
    """One row of ``READER_FEATURES``: ``sentence`` (inside ``context``, its passage or paragraph) against the
    question."""
    a = asked(question)
    qt = _terms(question)
    weights = {t: idf(t) for t in set(qt)}
    st_list = _terms(sentence)
    st, ct = set(st_list), set(_terms(context))
    name_t = _question_names(question) & set(weights)
    relation = {t: w for t, w in weights.items() if t not in name_t}
    qv = _question_values(question)
    total = sum(weights.values()) or 1.0
    qb = _bigrams(qt)
    rest = ct - st
    return [
        *type_features(a, sentence), _share(weights, st), _share(weights, st | ct), _miss_max(weights, st),
        float(sum(t not in st for t in weights)), _share(relation, st),
        len(name_t & st) / len(name_t) if name_t else 1.0, float(sum(t not in st for t in name_t)),
        len(qb & _bigrams(st_list)) / len(qb) if qb else 0.0,
        sum(idf(t) for t in st if t not in weights) / (sum(idf(t) for t in st) or 1.0),
        float(bool(negation_scopes(question)) != bool(negation_scopes(sentence))),
        _values_share(qv, _values(sentence)), math.log1p(len(st)), math.log1p(len(weights)),
        sum(w for t, w in weights.items() if t in rest and t not in st) / total,
        # What the whole passage lacks (SQuAD's unanswerable questions swap in a name or a detail it never gives)
        _miss_max(weights, st | ct), float(sum(t not in st | ct for t in weights)),
        float(sum(t not in st | ct for t in name_t)), _values_share(qv, _values(context)),
    ]


# Cached per text: a question's candidates share passages, and the question itself is read once per candidate.
@lru_cache(maxsize=4096)
def _terms(text: str) -> tuple[str, ...]:
    return tuple(terms(text))


@lru_cache(maxsize=256)
def _question_names(question: str) -> frozenset[str]:
    return frozenset(_name_terms(question))


@lru_cache(maxsize=256)
def _question_values(question: str) -> list[float]:
    return [v for _, v in numbers(question) if v != 1.0]


@lru_cache(maxsize=4096)
def _values(text: str) -> list[float]:
    return [v for _, v in numbers(text)]
