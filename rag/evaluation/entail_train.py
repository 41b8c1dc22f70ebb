"""Fine-tune the bundled MiniLM into the three-way entailment judge and ship it as int8 ONNX (``make judge``).

Deterministic on CPU (fixed seeds, one thread order): the pairs of rag/evaluation/entail_data.py, 5% of their
groups (articles, NLI pair ids) kept out to report dev accuracy; several epochs of AdamW on length-bucketed batches
(the pairs are short: padding each batch to its longest pair is ~2x faster than padding to 128). Needs the
``train`` extra (torch, transformers, onnx).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

from rag.evaluation.entail_data import LABELS, Pair, all_pairs

MAX_TOKENS = 128
MODELS = Path(__file__).resolve().parents[1] / "models"


def is_dev(p: Pair) -> bool:
    return int(hashlib.sha1(p.group.encode()).hexdigest(), 16) % 20 == 0


def batches(lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Indices in batches of similar length, the batches in random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = size * 50
    out = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda i: lengths[i])
        out += [part[i:i + size] for i in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def encode(tok, pairs: list[Pair]) -> dict:  # noqa: ANN001 - a transformers tokenizer
    return tok([p.premise for p in pairs], [p.hypothesis for p in pairs], truncation="longest_first",
               max_length=MAX_TOKENS)


def padded(enc: dict, idx: list[int]):  # noqa: ANN201 - a dict of torch tensors
    import torch

    n = max(len(enc["input_ids"][i]) for i in idx)
    out = {}
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        out[key] = torch.tensor([enc[key][i] + [0] * (n - len(enc[key][i])) for i in idx])
    return out


def train(pairs: list[Pair], epochs: int, work: Path, seed: int = 13, batch: int = 16, lr: float = 5e-5):  # noqa: ANN201
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from rag.ingest.onnx_model import model_dir

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(str(model_dir()))
    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir()), num_labels=len(LABELS))
    enc = encode(tok, pairs)
    labels = torch.tensor([p.label for p in pairs])
    rng = random.Random(seed)
    plan = [batches([len(x) for x in enc["input_ids"]], batch, rng) for _ in range(epochs)]
    steps = sum(len(b) for b in plan)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * steps), steps)
    model.train()
    t0, done = time.time(), 0
    for e, epoch in enumerate(plan):
        for step, idx in enumerate(epoch):
            out = model(**padded(enc, idx), labels=labels[idx])
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            done += len(idx)
            if step % 200 == 0:
                print(f"epoch {e} step {step}/{len(epoch)} loss {out.loss.item():.3f} "
                      f"{done / (time.time() - t0):.1f} pairs/s", flush=True)
        model.save_pretrained(work / "checkpoint")
        tok.save_pretrained(work / "checkpoint")
    return model.eval(), tok


def predict(model, tok, pairs: list[Pair], batch: int = 64) -> np.ndarray:  # noqa: ANN001
    import torch

    enc = encode(tok, pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(enc["input_ids"][i]))
    out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
    with torch.no_grad():
        for c in range(0, len(order), batch):
            idx = order[c:c + batch]
            out[idx] = torch.softmax(model(**padded(enc, idx)).logits, -1).numpy()
    return out


def accuracy_by_source(pairs: list[Pair], probs: np.ndarray) -> dict[str, float]:
    right: Counter = Counter()
    seen: Counter = Counter()
    for p, pr in zip(pairs, probs, strict=True):
        seen[p.source] += 1
        right[p.source] += int(np.argmax(pr) == p.label)
    return {s: round(right[s] / seen[s], 3) for s in sorted(seen)} | {"n": dict(seen)}


def balanced_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The cut-off on ``p`` with the best balanced accuracy for the binary labels ``y``."""
    best, at = -1.0, 0.5
    for t in np.round(np.arange(0.2, 0.81, 0.02), 2):
        pos, neg = p[y] >= t, p[~y] < t
        score = (pos.mean() if len(pos) else 0) + (neg.mean() if len(neg) else 0)
        if score > best:
            best, at = score, float(t)
    return at


def thresholds(dev: list[Pair], probs: np.ndarray) -> dict[str, float]:
    """Entailed-vs-rest and contradicted-vs-rest cut-offs, chosen on the dev pairs (never on a reported set)."""
    y = np.asarray([p.label for p in dev])
    return {"entailed": balanced_threshold(probs[:, 0], y == 0),
            "contradicted": balanced_threshold(probs[:, 2], y == 2)}


def export(model, dst: Path) -> None:  # noqa: ANN001
    """Logits of (input_ids, attention_mask, token_type_ids) to int8 ONNX: the embedder's quantization (weights of
    every MatMul, per channel) plus the word embeddings (Gather), which hold 11.7M of the 22.7M weights: 23 MB
    instead of 59 MB in the repository."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag.ingest.onnx_model import INPUTS

    class Logits(torch.nn.Module):
        def __init__(self, m: torch.nn.Module) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    fp32 = dst.with_name(dst.stem + "-fp32.onnx")
    sample = tuple(torch.ones((1, 8), dtype=torch.int64) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"logits": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(Logits(model.eval()), sample, str(fp32), input_names=list(INPUTS), output_names=["logits"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(dst), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Gather"], extra_options={"MatMulConstBOnly": True})
    fp32.unlink()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--training", type=Path, default=Path("../shared/training"))
    ap.add_argument("--corpus", type=Path, default=Path("../shared/corpora/bbc"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/citable-judge/entail"))
    ap.add_argument("--out", type=Path, default=MODELS)
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    pairs = all_pairs(args.training, args.corpus)
    fit = [p for p in pairs if not is_dev(p)]
    dev = [p for p in pairs if is_dev(p)]
    print(f"{len(fit)} training pairs, {len(dev)} dev: {Counter(p.source for p in fit)}", flush=True)
    model, tok = train(fit, args.epochs, args.work)
    dev_probs = predict(model, tok, dev)
    report = {"dev_accuracy": accuracy_by_source(dev, dev_probs), "thresholds": thresholds(dev, dev_probs),
              "epochs": args.epochs,
              "pairs": dict(Counter(f"{p.source}:{LABELS[p.label]}" for p in fit))}
    print(json.dumps(report["dev_accuracy"]), flush=True)
    export(model, args.out / "entail-int8.onnx")
    (args.out / "entail.json").write_text(json.dumps({"labels": LABELS, "max_tokens": MAX_TOKENS} | report,
                                                     indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
