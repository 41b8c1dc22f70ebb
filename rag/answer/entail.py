"""The entailment judge: does this evidence entail a claim, contradict it, or neither (not found)?

A cross-encoder fine-tuned from the bundled MiniLM on MultiNLI, Breaking NLI, FRANK and synthetic BBC claims
(rag/evaluation/entail_train.py, ``make judge``), shipped as int8 ONNX (``rag/models/entail-int8.onnx``) and run
with onnxruntime: no torch at answer time. Each pair runs alone, unpadded, so a pair's probabilities never depend
on the pairs scored beside it (int8 activations are quantized per call).

Evidence is scored a window at a time: one sentence, or two adjacent sentences of one passage (a claim may join
what two sentences say); only a claim's best few windows (by shared words) are scored, which bounds the cost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from rag.answer.facts import differing_facts, facts_missing_from, names, numbers
from rag.text import normalize, sentence_spans, terms

ENTAILED, NEUTRAL, CONTRADICTED = 0, 1, 2
MODEL_FILE = "entail-int8.onnx"
WINDOWS_PER_CLAIM = 6  # windows scored for one claim: ~6 ms each on 2 cores, so 10 claims stay under a second


@dataclass(frozen=True)
class Window:
    """A span of one piece of evidence: ``text == evidence[start:end]``; ``source`` says which evidence."""

    start: int
    end: int
    text: str
    source: int = 0
    single: bool = True  # one sentence (False: two adjacent ones)


def windows(text: str, blocked: tuple[tuple[int, int], ...] = (), source: int = 0) -> list[Window]:
    """Each sentence of ``text``, then each two adjacent sentences (adjacent on the page: not across a blocked
    span). The verifier's candidate spans are these too (rag/answer/verify.py)."""
    spans = [(a, b) for a, b in sentence_spans(text) if not any(a < y and x < b for x, y in blocked)]
    out = [Window(a, b, text[a:b], source) for a, b in spans]
    out += [Window(spans[i][0], spans[i + 1][1], text[spans[i][0]:spans[i + 1][1]], source, False)
            for i in range(len(spans) - 1) if spans[i + 1][0] - spans[i][1] <= 3]
    return out


def closest(claim: str, cands: list[Window], n: int = WINDOWS_PER_CLAIM) -> list[int]:
    """Indices of the ``n`` windows sharing the largest share of the claim's words (ties: the shorter)."""
    want = set(terms(claim))
    if not want:
        return list(range(min(n, len(cands))))
    score = [(len(want & set(terms(w.text))) / len(want), -len(w.text)) for w in cands]
    return sorted(range(len(cands)), key=lambda i: score[i], reverse=True)[:n]


class Entailer:
    """Probabilities (entailed, neutral, contradicted) for (evidence, claim) pairs."""

    def __init__(self, model_bytes: bytes, meta: dict) -> None:
        import onnxruntime as ort

        from rag.ingest.onnx_model import load_tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # pairs run two at a time, one thread each (see _pool)
        options.log_severity_level = 3
        self.session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
        self.tok = load_tokenizer(None)
        self.tok.enable_truncation(max_length=int(meta["max_tokens"]))
        self.meta = meta

    def probs(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """(evidence, claim) pairs -> an (n, 3) array of probabilities."""
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        return np.stack(list(_pool().map(self._one, pairs)))

    def _one(self, pair: tuple[str, str]) -> np.ndarray:
        enc = self.tok.encode(pair[0], pair[1])
        feed = {"input_ids": np.asarray([enc.ids], dtype=np.int64),
                "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64)}
        logits = self.session.run(None, feed)[0][0].astype(np.float64)
        e = np.exp(logits - logits.max())
        return (e / e.sum()).astype(np.float32)


@lru_cache(maxsize=1)
def _pool():  # noqa: ANN202 - a ThreadPoolExecutor, shared by the process
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(2, thread_name_prefix="entail")


@lru_cache(maxsize=1)
def load_entailer() -> Entailer | None:
    """The committed entailment model (package data), loaded once per process; None when it is not there."""
    root = resources.files("rag.models")
    model, meta = root / MODEL_FILE, root / "entail.json"
    if not model.is_file() or not meta.is_file():
        return None
    return Entailer(model.read_bytes(), json.loads(meta.read_text(encoding="utf-8")))


# -- the decision: one claim against its evidence ----------------------------------------------------------------
@dataclass(frozen=True)
class Thresholds:
    """Where the model's probabilities become labels (chosen held out by ``make judge``; see entail.json)."""

    entailed: float = 0.5  # a window entails the claim
    contradicted: float = 0.5  # a window about the same thing contradicts it
    same_thing: float = 0.5  # share of the claim's other content words a window must hold to speak of it
    # A window that gives another number or date where the claim has one contradicts it only if the model sees
    # some contradiction too: another number nearby is often about another thing. Names are left to the model
    # (a sentence naming other people or places is rarely a contradiction: "told the conference in Chicago").
    slot_contradicted: float = 0.2


@dataclass(frozen=True)
class Judgement:
    label: str  # "supported", "contradicted" or "not_found"
    window: Window | None  # the deciding evidence (None: nothing close)
    probs: tuple[float, float, float]  # entailed, neutral, contradicted of that window
    reason: str


def same_thing(claim: str, text: str) -> float:
    """Share of the claim's content words, other than its numbers and names, that ``text`` holds."""
    facts = {t for s, _ in numbers(claim) for t in terms(s)} | {t for n in names(claim) for t in terms(n)}
    own = [t for t in dict.fromkeys(terms(claim)) if t not in facts]
    if not own:
        return 1.0
    have = set(terms(text))
    return sum(t in have for t in own) / len(own)


def judge_claim(entailer: Entailer, claim: str, evidence: list[str], th: Thresholds,
                blocked: list[tuple[tuple[int, int], ...]] | None = None) -> Judgement:
    """Supported when a window of the evidence entails the claim and the evidence holds its numbers, dates and
    names (a slot the evidence never fills is not found); contradicted when a window about the same thing
    contradicts it, or fills one of its slots with another value; else not found."""
    cands = [w for i, text in enumerate(evidence) for w in windows(text, (blocked or [()] * len(evidence))[i], i)]
    if not cands:
        return Judgement("not_found", None, (0.0, 1.0, 0.0), "no passage matched")
    said = _flat(claim)  # a quotation of the evidence needs no model (briefings and extractive answers quote)
    for w in cands if len(said.split()) >= 6 else []:
        if said and said in _flat(w.text):
            return Judgement("supported", w, (1.0, 0.0, 0.0), "quoted from the source")
    picked = [cands[i] for i in closest(claim, cands)]
    probs = entailer.probs([(w.text, claim) for w in picked])
    return decide(claim, picked, probs, evidence, th)


def _flat(text: str) -> str:
    return " ".join(re.findall(r"\w+", normalize(text).lower()))


def decide(claim: str, picked: list[Window], probs: np.ndarray, evidence: list[str], th: Thresholds) -> Judgement:
    def judged(label: str, i: int, reason: str) -> Judgement:
        return Judgement(label, picked[i], tuple(round(float(x), 4) for x in probs[i]), reason)

    order = np.argsort(-probs[:, ENTAILED])
    for i in order:
        if probs[i, ENTAILED] < th.entailed:
            break
        missing = facts_missing_from(claim, evidence[picked[i].source])
        if not missing:
            return judged("supported", int(i), f"entailed {probs[i, ENTAILED]:.2f}")
    about = [i for i in range(len(picked)) if same_thing(claim, picked[i].text) >= th.same_thing]
    for i in sorted(about, key=lambda i: -probs[i, CONTRADICTED]):
        p = probs[i, CONTRADICTED]
        diffs = differing_facts(claim, picked[i].text, with_names=False) if p >= th.slot_contradicted else []
        if diffs:
            return judged("contradicted", i, "; ".join(diffs))
        if p >= th.contradicted and p > probs[i, ENTAILED]:
            return judged("contradicted", i, f"the source says otherwise (contradicted {p:.2f})")
    best = int(order[0])
    return judged("not_found", best, f"no passage states it (best entailed {probs[best, ENTAILED]:.2f})")
