"""The learned judge: training on a small fixture separates held-out answers from near misses; the committed
model loads, is small, and matches the features the code computes."""

from __future__ import annotations

import time
from importlib import resources

import numpy as np
import pytest
from conftest import EVAL, load_jsonl

from rag.answer.judge import load_judge
from rag.answer.judge_features import ANSWER_FEATURES
from rag.app.judge_train import (
    choose_answer_threshold,
    collect,
    copies,
    fit,
    folds,
    holds_answer,
    question_outcomes,
    stack,
)


@pytest.fixture(scope="module")
def seed_rows(seeds_engine):  # noqa: ANN001
    return collect(seeds_engine, load_jsonl(EVAL / "seeds_dev.jsonl"), "seeds_dev", "seeds")


@pytest.fixture(scope="module")
def served_rows(seeds_engine):  # noqa: ANN001
    """The rows as the answerer builds them at question time: with the committed judge's reader feature."""
    return collect(seeds_engine, load_jsonl(EVAL / "seeds_dev.jsonl"), "seeds_dev", "seeds", load_judge().reads)


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    pos, neg = scores[labels == 1], scores[labels == 0]
    return float(np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg]))


def test_training_separates_held_out_answers_from_near_misses(seed_rows):  # noqa: ANN001
    asked = [r for r in seed_rows if r.variant == "asked" and not r.negative]
    assert len(asked) == 8 and all((r.y == 1).any() for r in asked)  # every answer was retrieved and labelled
    deleted = [r for r in seed_rows if r.variant == "deleted"]
    assert deleted and all((r.y == 0).all() for r in deleted)
    held = {r.qid for r in asked[::2]}  # every other question held out, with its deletion twin
    train = [r for r in seed_rows if r.qid not in held]
    test = [r for r in seed_rows if r.qid in held]
    model = fit(*stack(train), rounds=60, params={"min_data_in_leaf": 5})
    X, y = stack(test)
    assert _auc(model.predict(X), y) >= 0.8
    # Question level: the held-out answerable questions score above their own deletion twins.
    best = {(r.qid, r.variant): float(model.predict(r.X).max()) if len(r.y) else 0.0 for r in test}
    wins = [best[(q, "asked")] > best.get((q, "deleted"), 0.0) for q in held]
    assert sum(wins) >= len(wins) - 1, best


def test_threshold_meets_the_stated_false_refusal_target(seed_rows):  # noqa: ANN001
    preds = [np.where(r.y == 1, 0.9, 0.1) if not r.negative else np.full(len(r.y), 0.2) for r in seed_rows]
    t = choose_answer_threshold(seed_rows, preds, 0.10)
    outcome = question_outcomes(seed_rows, preds, t)
    assert outcome["false_refusal"] <= 0.10 and outcome["refused_deletion"] == 1.0 and 0.2 < t <= 0.9


def test_folds_keep_groups_whole():
    groups = ["a", "b", "a", "c", "b", "d"] * 3
    f = folds(groups, 3)
    assert all(f[i] == f[j] for i in range(len(groups)) for j in range(len(groups)) if groups[i] == groups[j])


def test_labels_and_copies(seeds_engine):  # noqa: ANN001
    q = {"q": "x", "expect_any": ["pro-Ukraine"]}
    assert holds_answer("“Obviously, we are pro‑Ukraine”", q) or holds_answer("we are pro-Ukraine.", q)
    assert not holds_answer("we are neutral.", q)
    dup = copies(seeds_engine.index().catalog)
    assert all(d in group for d, group in dup.items())


def test_committed_judge_accepts_the_seeds_answers_and_refuses_their_deletion_twins(seeds_engine, served_rows):  # noqa: ANN001, E501
    """The committed judge (package data) decides as the answerer does (its best candidate's probability against
    its threshold): at least 7 of the 8 answerable seeds questions accepted, and every one asked again with its
    source article(s) removed from retrieval refused. A judge that always answers, or always refuses, fails."""
    judge = load_judge()
    t = judge.answer_threshold

    def best(r) -> float:  # noqa: ANN001
        return float(judge.answers(r.X).max()) if len(r.y) else 0.0

    asked = {r.qid: best(r) for r in served_rows if r.variant == "asked" and not r.negative}
    deleted = {r.qid: best(r) for r in served_rows if r.variant == "deleted"}
    print(f"threshold {t}: asked {asked}; deleted {deleted}")
    assert len(asked) == len(deleted) == 8  # a twin is kept only when nothing left holds the answer
    assert sum(p >= t for p in asked.values()) >= 7, asked
    assert all(p < t for p in deleted.values()), deleted
    # The product's own path decides the same: the accepted questions are answered, not refused, and the
    # confidence shown is the judge's calibration of that probability.
    for q in load_jsonl(EVAL / "seeds_dev.jsonl")[:2]:
        ans = seeds_engine.ask(q["q"], mode="extractive")
        p = asked[f"seeds_dev:{q['id']}"]
        assert (not ans.refused) == (p >= t) and ans.confidence == pytest.approx(judge.confidence(p))


def test_committed_judge_is_small_loads_fast_and_matches_the_features():
    root = resources.files("rag.models")
    size = sum((root / n).stat().st_size for n in ("judge_answers.txt", "judge_reader.txt", "judge.json"))
    assert size < 2 * 2**20
    load_judge.cache_clear()
    t0 = time.perf_counter()
    judge = load_judge()
    assert time.perf_counter() - t0 < 1.0
    assert judge.meta["answer_features"] == list(ANSWER_FEATURES)
    assert 0.0 < judge.answer_threshold < 1.0
    p = judge.answers(np.zeros((3, len(ANSWER_FEATURES)), dtype=np.float32))
    assert p.shape == (3,) and ((p >= 0) & (p <= 1)).all()


def test_committed_judge_reads_and_its_confidence_is_calibrated():
    judge = load_judge()
    assert judge.reader_model is not None and judge.calibration is not None
    conf = [judge.confidence(p) for p in (0.01, 0.1, judge.answer_threshold, 0.5, 0.9)]
    assert conf == sorted(conf) and all(0.0 < c < 1.0 for c in conf)
    # The reader (trained on SQuAD 2.0 and QNLI, never on these sentences) prefers the sentence with the asked value.
    from rag.answer.judge_features import reader_features

    q = "How much did the club pay for the striker?"
    rows = [reader_features(q, s, s, lambda t: 1.0) for s in
            ("The club paid £7m for the striker in January.", "The club signed the striker in January.")]
    p = judge.reads(np.asarray(rows, dtype=np.float32))
    assert p[0] > p[1]
