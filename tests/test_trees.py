"""rag/answer/trees.py against the reference implementation: LightGBM's own predictions of the same model text."""

from __future__ import annotations

from importlib import resources

import lightgbm
import numpy as np
import pytest

from rag.answer.trees import TreeModel


def _reference_and_ours(text: str) -> tuple[lightgbm.Booster, TreeModel]:
    return lightgbm.Booster(model_str=text), TreeModel.from_text(text)


def test_the_committed_answer_model_predicts_as_lightgbm_does():
    text = (resources.files("rag.models") / "judge_answers.txt").read_text(encoding="utf-8")
    ref, ours = _reference_and_ours(text)
    rng = np.random.default_rng(0)
    n_features = ref.num_feature()
    # Random rows over each feature's range, exact thresholds (ties go left) and rows with NaN.
    X = rng.uniform(-0.5, 1.5, size=(500, n_features)) * rng.choice([1, 5, 30], size=(1, n_features))
    dump = ref.dump_model()["tree_info"][0]["tree_structure"]
    X[0, dump["split_feature"]] = dump["threshold"]
    X[1, :] = np.nan
    X[2, ::3] = np.nan
    np.testing.assert_allclose(ours.predict(X), ref.predict(X, num_threads=1), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("missing", [False, True])
def test_a_freshly_trained_model_with_missing_values_predicts_as_lightgbm_does(missing: bool):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 + rng.normal(scale=0.5, size=400) > 0.5).astype(int)
    if missing:
        X[rng.random(X.shape) < 0.1] = np.nan  # LightGBM then learns NaN branches (missing type NaN)
    booster = lightgbm.train({"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1,
                              "min_data_in_leaf": 5}, lightgbm.Dataset(X, label=y), num_boost_round=30)
    ref, ours = _reference_and_ours(booster.model_to_string())
    X_test = rng.normal(size=(300, 6))
    X_test[rng.random(X_test.shape) < 0.15] = np.nan
    np.testing.assert_allclose(ours.predict(X_test), ref.predict(X_test, num_threads=1), rtol=1e-9, atol=1e-12)


def test_other_objectives_are_refused():
    with pytest.raises(ValueError, match="only binary"):
        TreeModel.from_text("tree\nobjective=regression\n\nTree=0\nnum_leaves=1\nleaf_value=1\n")
