"""Predictions of a LightGBM model from its text dump, in numpy: what the judge answers with.

Why not ``lightgbm.Booster.predict``: importing lightgbm imports scikit-learn, scipy and pandas when they are
installed (2.3 s of a cold ``rag ask``, measured with ``python -X importtime``); this reads the same text and gives
the same probabilities (tests/test_trees.py compares them with LightGBM's on real and random rows). Training stays
with LightGBM (rag/app/judge_train.py). Supported: numerical splits of a binary model, as ``make judge`` trains them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_DEFAULT_LEFT = 2  # decision_type bits: 1 categorical, 2 default left, 12 missing type (0 none, 4 zero, 8 NaN)


@dataclass(frozen=True)
class Tree:
    feature: np.ndarray
    threshold: np.ndarray
    decision: np.ndarray
    left: np.ndarray  # child index; ~leaf for a leaf
    right: np.ndarray
    leaf_value: np.ndarray

    def raw(self, X: np.ndarray) -> np.ndarray:
        if len(self.feature) == 0:  # a single leaf
            return np.full(len(X), self.leaf_value[0])
        node = np.zeros(len(X), dtype=np.int64)
        rows = np.arange(len(X))
        while (internal := node >= 0).any():
            n = node[internal]
            x = X[rows[internal], self.feature[n]]
            missing_type = (self.decision[n] >> 2) & 3
            nan = np.isnan(x)
            x = np.where(nan & (missing_type != 2), 0.0, x)  # LightGBM reads NaN as 0 unless NaN is "missing"
            go_left = x <= self.threshold[n]
            is_missing = ((missing_type == 2) & nan) | ((missing_type == 1) & (np.abs(x) <= 1e-35))
            go_left = np.where(is_missing, (self.decision[n] & _DEFAULT_LEFT) > 0, go_left)
            node[internal] = np.where(go_left, self.left[n], self.right[n])
        return self.leaf_value[~node]


class TreeModel:
    """A binary LightGBM model: ``predict`` gives the probability of the positive class, as LightGBM's does.

    Every tree is walked at once (one numpy step per level, not per tree): the trees' nodes are packed into flat
    arrays, a child that is a leaf encoded as ``~(global leaf index)``."""

    def __init__(self, trees: list[Tree], sigmoid: float = 1.0) -> None:
        self.trees = trees
        self.sigmoid = sigmoid
        self.constant = sum(float(t.leaf_value[0]) for t in trees if len(t.feature) == 0)
        deep = [t for t in trees if len(t.feature)]
        node_off = np.cumsum([0] + [len(t.feature) for t in deep])
        leaf_off = np.cumsum([0] + [len(t.leaf_value) for t in deep])

        def packed(child: np.ndarray, i: int) -> np.ndarray:
            return np.where(child >= 0, child + node_off[i], ~(~child + leaf_off[i]))

        def cat(xs: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype=dtype)

        self.roots = node_off[:-1].astype(np.int64)
        self.feature = cat([t.feature for t in deep], np.int64)
        self.threshold = cat([t.threshold for t in deep], float)
        self.decision = cat([t.decision for t in deep], np.int64)
        self.left = cat([packed(t.left, i) for i, t in enumerate(deep)], np.int64)
        self.right = cat([packed(t.right, i) for i, t in enumerate(deep)], np.int64)
        self.leaf_value = cat([t.leaf_value for t in deep], float)

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The sum of the trees' outputs (before the sigmoid) for each row."""
        n = len(X)
        if not len(self.roots):
            return np.full(n, self.constant)
        node = np.tile(self.roots, (n, 1))
        rows = np.repeat(np.arange(n), len(self.roots)).reshape(n, -1)
        while (internal := node >= 0).any():
            nd = node[internal]
            x = X[rows[internal], self.feature[nd]]
            dec = self.decision[nd]
            missing_type = (dec >> 2) & 3
            nan = np.isnan(x)
            x = np.where(nan & (missing_type != 2), 0.0, x)  # LightGBM reads NaN as 0 unless NaN is "missing"
            go_left = x <= self.threshold[nd]
            is_missing = ((missing_type == 2) & nan) | ((missing_type == 1) & (np.abs(x) <= 1e-35))
            go_left = np.where(is_missing, (dec & _DEFAULT_LEFT) > 0, go_left)
            node[internal] = np.where(go_left, self.left[nd], self.right[nd])
        return self.leaf_value[~node].sum(axis=1) + self.constant

    @classmethod
    def from_text(cls, text: str) -> TreeModel:
        header, *blocks = text.split("\nTree=")
        objective = dict(_pairs(header)).get("objective", "")
        if not objective.startswith("binary"):
            raise ValueError(f"only binary LightGBM models are supported, not {objective!r}")
        sigmoid = float(objective.split("sigmoid:")[1].split()[0]) if "sigmoid:" in objective else 1.0
        trees = []
        for block in blocks:
            kv = dict(_pairs(block.split("\nend of trees")[0]))
            if int(kv.get("num_cat", "0")):
                raise ValueError("categorical splits are not supported")
            ints = {k: np.array(kv.get(k, "").split(), dtype=np.int64)
                    for k in ("split_feature", "decision_type", "left_child", "right_child")}
            trees.append(Tree(ints["split_feature"], np.array(kv.get("threshold", "").split(), dtype=float),
                              ints["decision_type"], ints["left_child"], ints["right_child"],
                              np.array(kv["leaf_value"].split(), dtype=float)))
        return cls(trees, sigmoid)

    def predict(self, X: np.ndarray, num_threads: int | None = None) -> np.ndarray:  # noqa: ARG002 - Booster's API
        X = np.asarray(X, dtype=float)
        return 1.0 / (1.0 + np.exp(-self.sigmoid * self.raw(X)))


def _pairs(block: str) -> list[tuple[str, str]]:
    return [tuple(line.split("=", 1)) for line in block.splitlines() if "=" in line]  # type: ignore[misc]
