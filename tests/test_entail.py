"""The entailment judge (rag/answer/entail.py): windows, the decision rules over given probabilities, and the
committed model on pairs it was never trained on."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from rag.answer.entail import CONTRADICTED, ENTAILED, Thresholds, Window, decide, judge_claim, load_entailer, windows

TEXT = "Shares rose 5% on Monday. The firm said its annual profits had doubled. Analysts were surprised."
MIDDLE = "The firm said its annual profits had doubled."


def test_windows_are_sentences_and_adjacent_pairs_with_exact_offsets():
    ws = windows(TEXT)
    assert [w.text for w in ws][:3] == ["Shares rose 5% on Monday.", MIDDLE, "Analysts were surprised."]
    assert f"Shares rose 5% on Monday. {MIDDLE}" in [w.text for w in ws]
    assert all(TEXT[w.start:w.end] == w.text for w in ws)
    middle = (TEXT.index(MIDDLE), TEXT.index(MIDDLE) + len(MIDDLE))
    blocked = windows(TEXT, (middle,))  # the middle sentence may never support anything
    assert all("profits" not in w.text for w in blocked)


def _probs(*rows: tuple[float, float, float]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float32)


def test_entailed_needs_the_claims_numbers_names_and_dates_in_the_evidence():
    w = [Window(0, 25, "Shares rose 5% on Monday.")]
    ok = decide("Shares rose 5% on Monday.", w, _probs((0.9, 0.05, 0.05)), [TEXT], Thresholds())
    assert ok.label == "supported"
    # A slot the evidence never fills is not found, however sure the model is.
    missing = decide("Shares rose 5% on Monday in Paris.", w, _probs((0.9, 0.05, 0.05)), [TEXT], Thresholds())
    assert missing.label == "not_found"


def test_another_value_in_the_same_slot_contradicts_only_when_the_model_sees_some_contradiction():
    w = [Window(0, 25, "Shares rose 5% on Monday.")]
    said = decide("Shares rose 7% on Monday.", w, _probs((0.1, 0.5, 0.4)), [TEXT], Thresholds())
    assert said.label == "contradicted" and "'5', not '7'" in said.reason
    # Another number about another thing (the model sees no contradiction) is not a contradiction.
    other = decide("Shares rose 7% on Monday.", w, _probs((0.1, 0.85, 0.05)), [TEXT], Thresholds())
    assert other.label == "not_found"


def test_contradiction_needs_a_window_about_the_same_thing():
    w = [Window(0, 24, "Analysts were surprised.")]
    far = decide("The weather in Leeds was cold.", w, _probs((0.0, 0.1, 0.9)), [TEXT], Thresholds())
    assert far.label == "not_found"


def test_a_quotation_of_the_evidence_is_supported_without_the_model():
    j = judge_claim(None, "The firm said its annual profits had doubled.", [TEXT], Thresholds())  # type: ignore[arg-type]
    assert j.label == "supported" and j.window is not None and TEXT[j.window.start:j.window.end].startswith("The")


def test_the_committed_model_is_small_with_dev_thresholds():
    root = resources.files("rag.models")
    assert 10_000_000 < Path(str(root / "entail-int8.onnx")).stat().st_size < 30_000_000  # int8, not fp32 (90 MB)
    meta = json.loads((root / "entail.json").read_text())
    assert meta["labels"] == ["entailed", "neutral", "contradicted"]
    assert 0.2 <= meta["thresholds"]["entailed"] <= 0.8 and 0.2 <= meta["thresholds"]["contradicted"] <= 0.8


EVIDENCE = ("Pre-tax profits at the bank rose to £86.4m in the year to March, from £71.9m a year earlier. "
            "The chief executive, Anna Berg, said the results showed the strategy was working.")


@pytest.mark.parametrize(("claim", "label"), [
    ("The bank's profit before tax increased to £86.4m.", "supported"),
    ("Anna Berg, the bank's boss, said its strategy was working.", "supported"),
    pytest.param("Pre-tax profits at the bank fell to £86.4m in the year to March.", "contradicted",
                 marks=pytest.mark.xfail(strict=True, reason="a reversed direction with every figure kept: the model's "
                                         "weak point (the BBC claim set's direction swaps: 1 of 3 caught)")),
    ("The chief executive said the results showed the strategy was not working.", "contradicted"),
    ("The bank plans to open twenty new branches in Scotland next year.", "not_found"),
])
def test_the_committed_model_tells_the_three_labels_apart(claim: str, label: str):
    entailer = load_entailer()
    assert entailer is not None
    j = judge_claim(entailer, claim, [EVIDENCE], Thresholds(**entailer.meta["thresholds"]))
    assert j.label == label, (j.reason, j.probs)
    assert j.probs[ENTAILED if label == "supported" else CONTRADICTED] >= 0.0


def test_training_pairs_keep_the_held_out_fold_out(tmp_path):  # noqa: ANN001
    """Synthetic BBC pairs never come from the claim set's fold, nor from a copy of one of its articles."""
    from rag.evaluation.entail_data import bbc_pairs, held_out, trainable

    story = "Shares in Acme rose 5% on Monday after strong sales. The firm said profits had doubled to £20m."
    texts = {"business/a.txt": "Acme profits double\n\n" + story, "business/b.txt": "Acme sales strong\n\n" + story}
    held = next(f"business/{i:03d}.txt" for i in range(1000) if held_out(f"business/{i:03d}.txt"))
    texts[held] = "Acme profits double\n\n" + story  # a copy of a held-out article is held out too
    assert trainable(texts) == []
    free = [f"business/{i:03d}.txt" for i in range(1000) if not held_out(f"business/{i:03d}.txt")][:3]
    for i, name in enumerate(free):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"Story {i} headline here\n\nThe council in Leeds said {i + 3} new "
                                     f"schools would open in May. Parents welcomed the plan on Tuesday. "
                                     f"Critics said the cost of £{i + 9}m was too high for the city.")
    import random

    pairs = bbc_pairs(tmp_path, random.Random(1), share=1.0)
    assert pairs and {p.group for p in pairs} <= set(free)
    assert {p.label for p in pairs} <= {0, 1, 2}
