"""The learned judge: the models every answer, check and briefing rests on.

- ``answers(question, candidate sentences)``: does this sentence (in its passage and article) answer the question?
  A small gradient-boosted model (trained with LightGBM, evaluated by rag/answer/trees.py) over the features of
  rag/answer/judge_features.py, with the reader's probability among them; its threshold was chosen on held-out
  folds for a stated target, not by hand (``judge.json``, written by rag/app/judge_train.py).
- ``entailer``: does this evidence entail a claim, contradict it, or neither? (rag/answer/entail.py: a fine-tuned
  MiniLM as int8 ONNX, ``entail.json``; rag/evaluation/entail_train.py.)

All are trained on CPU by ``make judge`` and committed under ``rag/models/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from rag.answer.entail import Entailer, Thresholds, load_entailer
from rag.answer.judge_features import ANSWER_FEATURES, READER_FEATURES
from rag.answer.trees import TreeModel

MODEL_PACKAGE = "rag.models"


@dataclass(frozen=True)
class Judge:
    answer_model: object  # rag.answer.trees.TreeModel, or a lightgbm.Booster while training (the same predict())
    answer_threshold: float
    meta: dict
    reader_model: object | None = None  # a TreeModel over READER_FEATURES (rag/app/judge_reader.py)
    calibration: tuple[float, float] | None = None  # Platt scaling of the best candidate's probability
    entailer: Entailer | None = None  # supported / contradicted / not found (rag/answer/entail.py)
    entail: Thresholds = Thresholds()

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
    reader = None
    if meta.get("reader_features") is not None:
        if tuple(meta["reader_features"]) != READER_FEATURES:
            raise RuntimeError("rag/models/judge.json was trained on other reader features: run `make judge`")
        reader = booster((root / "judge_reader.txt").read_text(encoding="utf-8"))
    cal = meta.get("calibration")
    entailer = load_entailer()
    entail = Thresholds(**entailer.meta.get("thresholds", {})) if entailer else Thresholds()
    calibration = (float(cal["a"]), float(cal["b"])) if cal else None
    return Judge(answers, float(meta["answer_threshold"]), meta, reader, calibration, entailer, entail)
