"""`rag check` on the FRANK test set (shared/training/frank_test.jsonl), at summary level.

Each distinct article is written once to ``WORK/articles/<sha1 of the article>.txt`` (the text as it is, as
rag/app/judge_train.py writes QAGS articles) and ingested into ``WORK/index`` (reused when it exists). Each summary
is then checked with ``Engine.check(summary, filters=Filters(source="<sha1>.txt"))``, i.e. against its own article
only, with the committed judge. A summary is predicted consistent when every checked claim is "supported"; a summary
with no sentence to check counts as consistent (and is counted). Balanced accuracy is the mean of the recall on
consistent and on inconsistent summaries, overall and by dataset (cnndm / bbc).

    PYTHONPATH=. python bench/frank.py [--work /tmp/frank-work] [--out FILE] [--limit N] [--every N] [--index-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

DATA = Path("/work/shared/training/frank_test.jsonl")


def article_name(article: str) -> str:
    return hashlib.sha1(article.encode("utf-8")).hexdigest() + ".txt"


def write_articles(rows: list[dict], folder: Path) -> int:
    """Each distinct article once, rewritten only when missing or different; the number of distinct articles."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for r in rows:
        names.setdefault(article_name(r["article"]), r["article"])
    for name, text in names.items():
        p = folder / name
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
    return len(names)


def engine_for(index: Path, corpus: Path):  # noqa: ANN201
    """The committed judge (rag/models) over an index of ``corpus``, ingested once."""
    from rag.app.engine import Engine
    from rag.settings import Settings

    engine = Engine(Settings.from_env().with_overrides(index_dir=index))
    if not (index / "catalog.sqlite").is_file():
        print(f"ingesting {corpus} into {index} (once)", flush=True)
        t = time.time()
        rep = engine.ingest([corpus])
        print(f"ingested in {time.time() - t:.0f}s: {rep}", flush=True)
    return engine


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def scores(results: list[dict]) -> dict:
    cons = [r["predicted"] == "consistent" for r in results if r["label"] == "consistent"]
    inc = [r["predicted"] == "inconsistent" for r in results if r["label"] == "inconsistent"]
    rc, ri = _ratio(sum(cons), len(cons)), _ratio(sum(inc), len(inc))
    return {"n": len(results), "consistent": len(cons), "inconsistent": len(inc),
            "balanced_accuracy": round((rc + ri) / 2, 4) if rc is not None and ri is not None else None,
            "recall_consistent": rc, "recall_inconsistent": ri,
            "accuracy": _ratio(sum(r["predicted"] == r["label"] for r in results), len(results)),
            "predicted_consistent": sum(r["predicted"] == "consistent" for r in results),
            "claims_checked": sum(len(r["claims"]) for r in results),
            "no_claims": sum(not r["claims"] for r in results)}


def main(argv: list[str] | None = None) -> int:
    from rag.answer.retrieve import Filters
    from rag.errors import BadInput

    ap = argparse.ArgumentParser(prog="bench/frank.py", description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--work", type=Path, default=Path("/tmp/frank-work"), help="articles and index")
    ap.add_argument("--out", type=Path, default=None, help="write the figures (and each row's result) as JSON")
    ap.add_argument("--limit", type=int, default=None, help="only the first N rows (after --every)")
    ap.add_argument("--every", type=int, default=1, help="only every N-th row (rows 0, N, 2N, ...)")
    ap.add_argument("--index-only", action="store_true", help="write the articles and build the index, then stop")
    args = ap.parse_args(argv)
    t0 = time.time()
    rows = [json.loads(x) for x in args.data.read_text(encoding="utf-8").splitlines() if x.strip()]
    n_articles = write_articles(rows, args.work / "articles")
    engine = engine_for(args.work / "index", args.work / "articles")
    catalog = engine.index().catalog
    print(f"{len(rows)} rows, {n_articles} articles, index {catalog.count()} ({time.time() - t0:.0f}s)", flush=True)
    if args.index_only:
        return 0
    chosen = rows[::args.every][:args.limit]
    t1 = time.time()
    results, checked_filters = [], set()
    for i, r in enumerate(chosen):
        name = article_name(r["article"])
        if name not in checked_filters:  # the filter must keep exactly this article
            kept = catalog.doc_ids_matching(None, None, name)
            if len(kept) != 1:
                print(f"source filter {name} keeps {len(kept)} documents, not 1", file=sys.stderr)
                return 1
            checked_filters.add(name)
        try:
            rep = engine.check(r["summary"], filters=Filters(source=name))
            claims = [{"claim": c.text, "label": c.label, "reason": c.reason} for c in rep.claims]
            passed = rep.passed
        except BadInput:
            claims, passed = [], True
        results.append({"id": r["id"], "dataset": r["dataset"], "model": r["model"], "label": r["label"],
                        "predicted": "consistent" if passed else "inconsistent", "claims": claims})
        if (i + 1) % 25 == 0 or i + 1 == len(chosen):
            report = make_report(args, rows, chosen, results, t0, t1)
            print(f"{i + 1}/{len(chosen)}  bal.acc {report['balanced_accuracy']}  ({report['seconds_check']:.0f}s, "
                  f"{report['seconds_per_summary']:.2f}s/summary)", flush=True)
            if args.out:  # written as it goes: "complete" says whether every chosen row is in
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps({**report, "results": results}, indent=1) + "\n", encoding="utf-8")
    report = make_report(args, rows, chosen, results, t0, t1)
    print(json.dumps({k: v for k, v in report.items() if k != "by_model"}, indent=1))
    return 0


def make_report(args: argparse.Namespace, rows: list[dict], chosen: list[dict], results: list[dict], t0: float,
                t1: float) -> dict:
    seconds = round(time.time() - t1, 1)
    by_model = defaultdict(list)
    for r in results:
        by_model[r["model"]].append(r)
    return {"data": str(args.data), "rows": len(rows), "every": args.every, "limit": args.limit,
            "chosen": len(chosen), "complete": len(results) == len(chosen),
            **scores(results),
            "by_dataset": {d: scores([r for r in results if r["dataset"] == d]) for d in ("cnndm", "bbc")},
            "by_model": {m: scores(v) for m, v in sorted(by_model.items())},
            "claim_labels": dict(Counter(c["label"] for r in results for c in r["claims"])),
            "seconds_check": seconds, "seconds_total": round(time.time() - t0, 1),
            "seconds_per_summary": round(seconds / len(results), 3) if results else None}


if __name__ == "__main__":
    sys.exit(main())
