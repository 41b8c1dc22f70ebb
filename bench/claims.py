"""The BBC claim set scored by today's `rag check` (issue 24): how many claims get their label, per label and kind.

    python bench/claims.py --index DIR --claims tests/data/bbc_claims.jsonl --out bench/results/claims.json

``--index`` is a BBC index (``rag --index DIR ingest ../shared/corpora/bbc``; opened read-only in spirit, but copy
a shared one first: opening an index takes its lock). Each claim is checked alone through ``Engine.check``, the
call behind ``rag check``, and its label compared with the claim set's. The claim set is checked first: every
article in the held-out fold (``sha1(path) % 10 == 0``, never trained on), every evidence an exact substring of
its article as the ingester decodes it, no not_found claim with evidence. Prints the figures and writes JSON:
accuracy, recall per label, the contradictions labelled contradicted, per kind, the confusion matrix, whether a
supported or contradicted claim's evidence came from its own article, and every claim's result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BBC = ROOT.parent / "shared" / "corpora" / "bbc"
LABELS = ("supported", "contradicted", "not_found")
KINDS = ("paraphrase", "number", "name", "date", "direction", "negation", "absent")


def held_out(doc: str) -> bool:
    """The fold the 3-way judge never trains on (issue 24): a BBC path relative to corpora/bbc."""
    return int(hashlib.sha1(doc.encode()).hexdigest(), 16) % 10 == 0


def load_claims(path: Path, corpus: Path) -> list[dict]:
    """The claim set, checked: a bad line is a one-line error naming it."""
    from rag.ingest.documents import decode_text

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, r in enumerate(rows, 1):
        where = f"{path}:{i}"
        if r["label"] not in LABELS or r["kind"] not in KINDS:
            sys.exit(f"{where}: label {r['label']!r} or kind {r['kind']!r} unknown")
        if not held_out(r["doc"]):
            sys.exit(f"{where}: {r['doc']} is not in the held-out fold (sha1(path) % 10 != 0)")
        text = decode_text((corpus / r["doc"]).read_bytes())[0]
        if (r["label"] == "not_found") != (r["evidence"] == "") or r["evidence"] not in text:
            sys.exit(f"{where}: the evidence is not an exact substring of {r['doc']} (or a not_found claim has one)")
        if r["claim"] in text:
            sys.exit(f"{where}: the claim is copied from {r['doc']}, not reworded")
    return rows


def score(rows: list[dict], got: list[dict]) -> dict:
    def recall(sel: list[int]) -> float | None:
        return round(sum(got[i]["label"] == rows[i]["label"] for i in sel) / len(sel), 3) if sel else None

    by_label = {lab: [i for i, r in enumerate(rows) if r["label"] == lab] for lab in LABELS}
    by_kind = {k: [i for i, r in enumerate(rows) if r["kind"] == k] for k in KINDS}
    recalls = {lab: recall(sel) for lab, sel in by_label.items()}
    contradicted = sum(got[i]["label"] == "contradicted" for i in by_label["contradicted"])
    cited = [i for i, r in enumerate(rows) if r["label"] != "not_found" and got[i]["label"] == r["label"]]
    return {
        "claims": len(rows),
        "accuracy": recall(list(range(len(rows)))),
        "balanced_accuracy": round(sum(v for v in recalls.values() if v is not None) / len(LABELS), 3),
        "recall": recalls,
        "contradictions_labelled_contradicted": f"{contradicted}/{len(by_label['contradicted'])}",
        "by_kind": {k: {"n": len(sel), "right": recall(sel)} for k, sel in by_kind.items() if sel},
        "confusion": {lab: dict(Counter(got[i]["label"] for i in sel)) for lab, sel in by_label.items()},
        "right_label_evidence_from_its_article": f"{sum(got[i]['evidence_doc'] == rows[i]['doc'] for i in cited)}"
                                                 f"/{len(cited)}",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True, help="a BBC index (copy a shared one: opening takes its lock)")
    ap.add_argument("--claims", type=Path, default=ROOT / "tests" / "data" / "bbc_claims.jsonl")
    ap.add_argument("--corpus", type=Path, default=BBC, help="corpora/bbc, to check the evidence strings")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "claims.json")
    ap.add_argument("--checker", default="rag check (entailment judge, rag/answer/entail.py)",
                    help="what is measured, written into the results")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from rag.app.engine import Engine
    from rag.settings import Settings

    rows = load_claims(args.claims, args.corpus)
    engine = Engine(Settings.from_env().with_overrides(index_dir=args.index))
    engine.check("The engine is warmed up before timing.")  # loads the model, the index and the judge
    got, seconds = [], []
    for r in rows:
        t0 = time.perf_counter()
        c = engine.check(r["claim"]).claims[0]
        seconds.append(time.perf_counter() - t0)
        ev = c.evidence
        doc = Path(ev.source).relative_to(args.corpus.resolve()).as_posix() \
            if ev and Path(ev.source).is_relative_to(args.corpus.resolve()) else (ev.source if ev else None)
        got.append({"claim": r["claim"], "expected": r["label"], "kind": r["kind"], "doc": r["doc"],
                    "label": c.label, "reason": c.reason, "evidence_doc": doc, "evidence": ev.quote if ev else None})
    text = " ".join(r["claim"] for r in rows[:10])  # a 10-sentence text, checked warm (the speed target)
    engine.check(text)
    t0 = time.perf_counter()
    engine.check(text)
    ten = time.perf_counter() - t0
    result = {"checker": args.checker, **score(rows, got),
              "seconds_per_claim_median": round(sorted(seconds)[len(seconds) // 2], 3),
              "seconds_ten_sentence_text_warm": round(ten, 3), "results": got}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for k in ("claims", "accuracy", "balanced_accuracy", "recall", "contradictions_labelled_contradicted",
              "by_kind", "confusion", "right_label_evidence_from_its_article", "seconds_per_claim_median",
              "seconds_ten_sentence_text_warm"):
        print(f"{k}: {json.dumps(result[k])}")
    for g in got:
        mark = "ok " if g["label"] == g["expected"] else "BAD"
        print(f"{mark} {g['expected']:>12} -> {g['label']:<12} [{g['kind']}] {g['claim']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
