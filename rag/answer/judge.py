"""The learned judge: two calibrated probabilities that every answer, check and briefing rests on.

- ``answers(question, candidate sentences)``: does this sentence (in its passage and article) answer the question?
- ``supports(claim, evidence)``: does this evidence span state the claim?

``answers`` is a small gradient-boosted model (trained with LightGBM, evaluated by rag/answer/trees.py) over the
features of rag/answer/judge_features.py; ``supports`` a logistic regression over the article-level ones. Both are
trained here on CPU by ``make judge`` (rag/app/judge_train.py) and committed as text under ``rag/models/``; their
thresholds were chosen on held-out folds for a stated target, not by hand (see ``judge.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from rag.answer.judge_features import ANSWER_FEATURES, READER_FEATURES, SUPPORT_FEATURES
from rag.answer.trees import TreeModel

MODEL_PACKAGE = "rag.models"


@dataclass(frozen=True)
class Judge:
    answer_model: object  # rag.answer.trees.TreeModel, or a lightgbm.Booster while training (the same predict())
    support_model: dict | None  # a logistic regression as plain numbers
    answer_threshold: float
    support_threshold: float
    meta: dict
    reader_model: object | None = None  # a TreeModel over READER_FEATURES (rag/app/judge_reader.py)
    calibration: tuple[float, float] | None = None  # Platt scaling of the best candidate's probability

    def confidence(self, p: float) -> float:
        """The probability that an answer whose best candidate scored ``p`` is right, as measured held out
        (question level: the answer shown holds the expected answer); ``p`` itself without a calibration."""
        if self.calibration is None:
            return float(p)
        a, b = self.calibration
        z = np.log(max(p, 1e-6) / max(1 - p, 1e-6))
        return float(1.0 / (1.0 + np.exp(-(a * z + b))))

    def reads(self, X: np.ndarray) -> np.ndarray:
        """Rows of READER_FEATURES (a sentence read alone against the question) -> probability it answers."""
        if self.reader_model is None or len(X) == 0:
            return np.full(len(X), -1.0)
        return np.asarray(self.reader_model.predict(X, num_threads=1), dtype=float)

    def answers(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0)
        return np.asarray(self.answer_model.predict(X, num_threads=1), dtype=float)

    def supports(self, X: np.ndarray) -> np.ndarray:
        """Rows of SUPPORT_FEATURES (a claim against one passage of an article) -> probability it is stated."""
        if len(X) == 0 or self.support_model is None:
            return np.zeros(len(X))
        return logistic(self.support_model, X)


def logistic(model: dict, X: np.ndarray) -> np.ndarray:
    """A logistic regression kept as plain numbers (see rag/app/judge_train.py: fit_supports)."""
    idx = [SUPPORT_FEATURES.index(f) for f in model["features"]]
    z = (np.asarray(X, dtype=float)[:, idx] - model["mean"]) / model["scale"]
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(model["coef"]) + model["intercept"])))


def booster(model_text: str) -> TreeModel:
    """The answer model from LightGBM's text dump, evaluated without importing LightGBM (see rag/answer/trees.py)."""
    return TreeModel.from_text(model_text)


@lru_cache(maxsize=1)
def load_judge() -> Judge:
    """The committed judge (package data), loaded once per process."""
    root = resources.files(MODEL_PACKAGE)
    meta = json.loads((root / "judge.json").read_text(encoding="utf-8"))
    if tuple(meta["answer_features"]) != ANSWER_FEATURES:
        raise RuntimeError("rag/models/judge.json was trained on other answer features: run `make judge`")
    answers = booster((root / "judge_answers.txt").read_text(encoding="utf-8"))
    if tuple(meta["support_features"]) != SUPPORT_FEATURES:
        raise RuntimeError("rag/models/judge.json was trained on other support features: run `make judge`")
    support = json.loads((root / "judge_supports.json").read_text(encoding="utf-8"))
    reader = None
    if meta.get("reader_features") is not None:
        if tuple(meta["reader_features"]) != READER_FEATURES:
            raise RuntimeError("rag/models/judge.json was trained on other reader features: run `make judge`")
        reader = booster((root / "judge_reader.txt").read_text(encoding="utf-8"))
    cal = meta.get("calibration")
    return Judge(answers, support, float(meta["answer_threshold"]), float(meta.get("support_threshold", 0.5)), meta,
                 reader, (float(cal["a"]), float(cal["b"])) if cal else None)
