"""The judge's reader, trained on people's questions elsewhere: does this sentence hold the answer to this question?

Rows are (question, sentence) pairs from ``../shared/training``: every sentence of a SQuAD 2.0 dev paragraph
against each question on it (1 when the sentence holds one of the answers; every sentence of an unanswerable
question, written by people to look answerable from that paragraph, is 0) and QNLI's pairs (1 = entailment: the
sentence holds the answer). Features are rag/answer/judge_features.py's ``READER_FEATURES`` (what was asked and
the typed spans, coverage; no retrieval), so the same model reads BBC candidates at answer time, where its
probability is one feature of the answer model. Groups are SQuAD articles (QNLI rows asking a SQuAD question, or
quoting one of its paragraphs' sentences, join that article): cross-validation never scores an article it saw.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.answer.judge_features import reader_features
from rag.text import normalize, sentence_spans, terms

READER_PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 50,
                 "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
                 "seed": 7, "deterministic": True, "force_row_wise": True, "num_threads": 1, "verbose": -1}
READER_ROUNDS = 300


@dataclass
class PairRows:
    """Every pair as a matrix, with its question (an index into ``questions``), label and article."""

    X: np.ndarray
    y: np.ndarray
    question: np.ndarray  # row -> question number
    group: list[str]  # question number -> article
    answerable: np.ndarray  # question number -> the question has an answer in its paragraph (SQuAD) / pair (QNLI)
    source: list[str]  # question number -> "squad" | "qnli"


def _load(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


class Idf:
    """Inverse document frequency over the training paragraphs, as rag/store/lexical.py computes it over
    passages."""

    def __init__(self, docs: list[str]) -> None:
        self.n = len(docs)
        self.df = Counter(t for d in docs for t in set(terms(d)))

    def __call__(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def pair_rows(training: Path, limit: int | None = None) -> PairRows:
    """Rows of SQuAD 2.0 dev and QNLI dev (``limit``: the first questions of each, for tests)."""
    squad = _load(training / "squad2_dev.jsonl")[:limit]
    qnli = _load(training / "qnli_dev.jsonl")[:limit]
    contexts = sorted({r["context"] for r in squad})
    idf = Idf(contexts + [r["premise"] for r in qnli])
    title_of_q = {normalize(r["question"]).lower(): r["title"] for r in squad}
    title_of_sent = {normalize(s).lower(): r["title"] for r in squad for s in _sentences(r["context"])}
    sents = {c: _sentences(c) for c in contexts}
    X, y, qn, group, answerable, source = [], [], [], [], [], []
    for r in squad:
        answers = [normalize(a).lower() for a in r.get("answers", []) if a.strip()]
        k = len(group)
        group.append(r["title"])
        answerable.append(bool(r["answerable"]))
        source.append("squad")
        for s in sents[r["context"]]:
            X.append(reader_features(r["question"], s, r["context"], idf))
            y.append(int(bool(r["answerable"]) and any(a in normalize(s).lower() for a in answers)))
            qn.append(k)
    for r in qnli:
        q, s = r["hypothesis"], r["premise"]
        title = title_of_q.get(normalize(q).lower()) or title_of_sent.get(normalize(s).lower())
        k = len(group)
        group.append(title or "qnli:" + hashlib.sha1(s.encode()).hexdigest()[:12])
        answerable.append(r["label"] == "entailment")
        source.append("qnli")
        X.append(reader_features(q, s, s, idf))
        y.append(int(r["label"] == "entailment"))
        qn.append(k)
    return PairRows(np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.float32), np.asarray(qn),
                    group, np.asarray(answerable), source)


def fit_reader(X: np.ndarray, y: np.ndarray, rounds: int = READER_ROUNDS):  # noqa: ANN201
    import lightgbm

    return lightgbm.train(READER_PARAMS, lightgbm.Dataset(X, label=y), num_boost_round=rounds)


def fold_of(group: str, k: int = 5) -> int:
    return int(hashlib.sha1(group.encode()).hexdigest(), 16) % k


def reader_out_of_fold(rows: PairRows, k: int = 5) -> np.ndarray:
    """Each pair's probability from a reader trained without its article."""
    qfold = np.asarray([fold_of(g, k) for g in rows.group])
    rfold = qfold[rows.question]
    preds = np.zeros(len(rows.y))
    for f in range(k):
        model = fit_reader(rows.X[rfold != f], rows.y[rfold != f])
        preds[rfold == f] = model.predict(rows.X[rfold == f], num_threads=1)
    return preds


def squad_answerability(rows: PairRows, preds: np.ndarray, k: int = 5) -> dict[str, float]:
    """SQuAD questions: answerable vs unanswerable accuracy of 'the best sentence's probability >= t', with each
    fold's t chosen on the other folds; and how often the best sentence of an answerable question holds it."""
    nq = len(rows.group)
    best = np.zeros(nq)
    best_right = np.zeros(nq, dtype=bool)
    order = np.argsort(rows.question, kind="stable")
    qs, starts = np.unique(rows.question[order], return_index=True)
    for q, a, b in zip(qs, starts, list(starts[1:]) + [len(order)], strict=True):
        idx = order[a:b]
        j = idx[int(np.argmax(preds[idx]))]
        best[q], best_right[q] = preds[j], rows.y[j] == 1
    squad = np.asarray([s == "squad" for s in rows.source])
    qfold = np.asarray([fold_of(g, k) for g in rows.group])
    grid = np.round(np.arange(0.02, 0.98, 0.01), 2)
    right = np.zeros(nq, dtype=bool)
    for f in range(k):
        train = squad & (qfold != f)
        t = max(grid, key=lambda t: float(np.mean((best[train] >= t) == rows.answerable[train])))
        test = squad & (qfold == f)
        right[test] = (best[test] >= t) == rows.answerable[test]
    ans = squad & rows.answerable
    return {"accuracy": float(right[squad].mean()), "questions": int(squad.sum()),
            "answerable_best_sentence_right": float(best_right[ans].mean()),
            "auc": _auc(best[squad], rows.answerable[squad])}


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels.astype(bool)
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)) if n1 and n0 else 0.5


def train_reader(training: Path, cv: bool = True):  # noqa: ANN201
    """The reader fitted on every pair, and its cross-validated figures on SQuAD (5 folds by article)."""
    rows = pair_rows(training)
    report: dict = {"pairs": len(rows.y), "questions": len(rows.group)}
    if cv:
        report["squad_oof"] = squad_answerability(rows, reader_out_of_fold(rows))
    return fit_reader(rows.X, rows.y), report


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    ap = argparse.ArgumentParser(prog="python -m rag.app.judge_reader", description="Cross-validate the reader.")
    ap.add_argument("--training", type=Path, default=Path("../shared/training"))
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    t0 = time.time()
    rows = pair_rows(args.training, args.limit)
    print(f"{len(rows.y)} pairs, {len(rows.group)} questions ({time.time() - t0:.0f}s)", flush=True)
    preds = reader_out_of_fold(rows)
    print(json.dumps(squad_answerability(rows, preds), indent=2), f"({time.time() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
