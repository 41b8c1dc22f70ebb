"""The judge's reader (rag/app/judge_reader.py): pairs from SQuAD 2.0 and QNLI labelled and grouped by article,
and a reader trained on some articles ranks the answer sentences of others above the rest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.answer.judge_features import READER_FEATURES, reader_features
from rag.app.judge_reader import _auc, fit_reader, fold_of, pair_rows

TRAINING = Path(__file__).resolve().parents[1].parent / "shared" / "training"


@pytest.fixture(scope="module")
def rows():
    if not (TRAINING / "squad2_dev.jsonl").is_file():
        pytest.fail(f"missing {TRAINING}: the team's shared data sits beside the project")
    return pair_rows(TRAINING, limit=1500)


def test_pairs_are_labelled_and_grouped_by_article(rows):  # noqa: ANN001
    assert rows.X.shape[1] == len(READER_FEATURES) and len(rows.X) == len(rows.y)
    squad = [q for q, s in enumerate(rows.source) if s == "squad"]
    # An answerable question has a sentence that holds its answer; an unanswerable one has none.
    found = [rows.y[rows.question == q].max() == 1 for q in squad if rows.answerable[q]]
    assert np.mean(found) >= 0.9  # (an answer split across two sentences is in neither)
    assert not any(rows.y[rows.question == q].max() for q in squad if not rows.answerable[q])
    # QNLI rows that ask a SQuAD question join that question's article (never split across folds).
    qnli_groups = {rows.group[q] for q, s in enumerate(rows.source) if s == "qnli"}
    assert qnli_groups & {rows.group[q] for q in squad}


def test_reader_ranks_answers_of_unseen_articles(rows):  # noqa: ANN001
    fold = np.asarray([fold_of(rows.group[q]) for q in rows.question])
    model = fit_reader(rows.X[fold != 0], rows.y[fold != 0], rounds=80)
    p = model.predict(rows.X[fold == 0], num_threads=1)
    assert _auc(p, rows.y[fold == 0]) >= 0.75


def test_reader_features_see_the_asked_type():
    def row(q: str, s: str) -> dict:
        return dict(zip(READER_FEATURES, reader_features(q, s, s, lambda t: 1.0), strict=True))

    q = "How much did the club pay for the striker?"
    assert row(q, "The club paid £7m for the striker.")["span_new"] == 1
    assert row(q, "The club signed the striker on Monday.")["span_new"] == 0
