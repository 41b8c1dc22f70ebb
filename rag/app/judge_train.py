"""Training data and training of the learned judge (``make judge``): deterministic, CPU only, no download.

answers(question, sentence): rows from the question sets in ``../shared/eval`` over their corpora. Each
retrieved sentence is labelled by whether it holds the expected strings in the expected article (or an exact
copy of it). Every answerable question is asked a second time with its article(s) and their copies removed: a
free near-miss negative (kept only when no remaining retrieved sentence holds the expected strings).
Questions are grouped by article (connected: questions that share an article, or whose best retrieved article
is the same) so that cross-validation never scores an article seen in training.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.answer import extractive
from rag.answer.judge import booster
from rag.answer.judge_features import answer_features
from rag.text import normalize


@dataclass
class QuestionRows:
    qid: str
    question: str
    variant: str  # "asked" | "deleted"
    negative: bool
    kind: str  # question type, or the negative's kind
    group: str
    X: np.ndarray
    y: np.ndarray  # 1 answers, 0 does not, -1 unknown (the strings in another article): left out of training
    texts: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)


def _norm(s: str) -> str:
    return normalize(s).lower()


def expected_strings(q: dict) -> tuple[list[str], list[str]]:
    return [_norm(s) for s in q.get("expect_all", [])], [_norm(s) for s in q.get("expect_any", [])]


def holds_answer(text: str, q: dict) -> bool:
    """The sentence holds (part of) the expected answer: one of the expected strings."""
    t = _norm(text)
    every, anyof = expected_strings(q)
    return any(s in t for s in every + anyof)


def copies(catalog) -> dict[str, set[str]]:  # noqa: ANN001
    """doc_id -> the ids of the documents with the same title or the same text (BBC repeats stories)."""
    by_key: dict[str, set[str]] = defaultdict(set)
    keys = {}
    for d in catalog.docs():
        text = catalog.text(d.doc_id)
        k1 = "t:" + re.sub(r"\W+", " ", (d.title or "").lower()).strip()
        k2 = "x:" + re.sub(r"\W+", " ", text.lower())[:400]
        keys[d.doc_id] = (k1, k2)
        by_key[k1].add(d.doc_id)
        by_key[k2].add(d.doc_id)
    return {d: by_key[k1] | by_key[k2] for d, (k1, k2) in keys.items()}


def source_docs(q: dict, catalog) -> set[str]:  # noqa: ANN001
    wanted = q.get("sources") or ([q["source"]] if q.get("source") else [])
    out = set()
    for d in catalog.docs():
        path = d.source.replace("\\", "/")
        if any(path.endswith("/" + w.lstrip("./")) or path == w for w in wanted):
            out.add(d.doc_id)
    return out


def rows_for(engine, q: dict, exclude: set[str] | None, expected: set[str], reader=None) -> tuple:  # noqa: ANN001
    """Candidates of one question (as the answerer scores them), their features and labels. ``reader``: the
    judge's reader (rows of READER_FEATURES -> probability), or None (its feature is then -1)."""
    parts = engine.components()
    hits = parts.retriever.search(q["q"], exclude=exclude)
    lex = parts.lexical
    cands = extractive.score_sentences(q["q"], hits, parts.embedder, lex, extractive.stored_vectors(parts))
    X = answer_features(q["q"], cands, hits, parts.catalog.text, lex.idf, reader)
    y = []
    for c in cands:
        if q.get("negative") or not holds_answer(c.text, q):
            y.append(0)
        else:
            y.append(1 if c.hit.doc_id in expected else -1)
    return cands, X, np.asarray(y, dtype=np.int8)


def collect(engine, questions: list[dict], prefix: str, corpus: str, reader=None) -> list[QuestionRows]:  # noqa: ANN001
    """Rows of every question, asked as is and (answerable ones) with their articles deleted. Groups are named
    by ``corpus`` and article, so that two question sets over one corpus share them."""
    catalog = engine.index().catalog
    dup = copies(catalog)
    out: list[QuestionRows] = []
    for q in questions:
        qid = f"{prefix}:{q.get('id', q['q'][:40])}"
        src = source_docs(q, catalog)
        expected = set().union(*(dup.get(d, {d}) for d in src)) if src else set()
        cands, X, y = rows_for(engine, q, None, expected, reader)
        anchor = src or ({cands[0].hit.doc_id} if cands else set())
        group = corpus + ":" + min(min(dup.get(d, {d})) for d in anchor) if anchor else qid
        kind = q.get("kind") or q.get("type", "")
        out.append(QuestionRows(qid, q["q"], "asked", bool(q.get("negative")), kind, group, X, y,
                                [c.text for c in cands], [c.hit.doc_id for c in cands]))
        if q.get("negative") or not expected:
            continue
        cands, X, _ = rows_for(engine, q, expected, expected, reader)
        if any(holds_answer(c.text, q) for c in cands):
            continue  # another article answers it too: not a negative
        out.append(QuestionRows(qid, q["q"], "deleted", True, "deletion", group, X,
                                np.zeros(len(cands), dtype=np.int8), [c.text for c in cands],
                                [c.hit.doc_id for c in cands]))
    return out


# -- training ------------------------------------------------------------------------------------------------
LGB_PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
              "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
              "seed": 7, "deterministic": True, "force_row_wise": True, "num_threads": 1, "verbose": -1}
ROUNDS = 300


def fit(X: np.ndarray, y: np.ndarray, rounds: int = ROUNDS, params: dict | None = None):  # noqa: ANN201
    import lightgbm

    data = lightgbm.Dataset(X, label=y, free_raw_data=True)
    return lightgbm.train({**LGB_PARAMS, **(params or {})}, data, num_boost_round=rounds)


def stack(rows: list, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All rows with a known label, as one matrix."""
    X = np.concatenate([r.X for r in rows]) if rows else np.zeros((0, 1))
    y = np.concatenate([r.y for r in rows]) if rows else np.zeros(0)
    ok = y >= 0
    return X[ok], y[ok].astype(np.float32)


def folds(groups: list[str], k: int = 5) -> list[int]:
    """A deterministic fold per item, whole groups at a time (no article in two folds)."""
    import hashlib

    return [int(hashlib.sha1(g.encode()).hexdigest(), 16) % k for g in groups]


def out_of_fold(rows: list, k: int = 5, rounds: int = ROUNDS, params: dict | None = None,
                more: bool = False) -> list[np.ndarray]:
    """Each question's candidate probabilities from a model that saw none of its group's articles. ``more``:
    train on the synthetic near misses of the training folds too (``augment``)."""
    fold = folds([r.group for r in rows], k)
    preds: list[np.ndarray] = [np.zeros(len(r.y)) for r in rows]
    for f in range(k):
        train = [r for r, g in zip(rows, fold, strict=True) if g != f]
        train = augment(train) if more else train
        model = fit(*stack(train), rounds=rounds, params=params)
        for i, (r, g) in enumerate(zip(rows, fold, strict=True)):
            if g == f and len(r.y):
                preds[i] = model.predict(r.X, num_threads=1)
    return preds


def question_outcomes(rows: list[QuestionRows], preds: list[np.ndarray], t: float) -> dict[str, float]:
    """Per-question figures of out-of-fold predictions at threshold ``t`` (the best sentence answers or not)."""
    def best(p: np.ndarray) -> float:
        return float(p.max()) if len(p) else 0.0

    pos = [(r, p) for r, p in zip(rows, preds, strict=True) if not r.negative and r.variant == "asked"]
    out = {"answered_right": float(np.mean([best(p) >= t and r.y[int(np.argmax(p))] == 1 for r, p in pos])),
           "false_refusal": float(np.mean([best(p) < t for r, p in pos]))}
    for kind in sorted({r.kind for r in rows if r.negative}):
        neg = [p for r, p in zip(rows, preds, strict=True) if r.negative and r.kind == kind]
        out[f"refused_{kind}"] = float(np.mean([best(p) < t for p in neg]))
    return out


def calibrate(rows: list[QuestionRows], preds: list[np.ndarray]) -> dict[str, float]:
    """Platt scaling of the best candidate's held-out probability into the probability that the answer is right
    (an answerable question whose best candidate holds the answer), over every question and deletion twin."""
    from sklearn.linear_model import LogisticRegression

    x, right = [], []
    for r, p in zip(rows, preds, strict=True):
        best = min(max(float(p.max()) if len(p) else 0.0, 1e-6), 1 - 1e-6)
        x.append(np.log(best / (1 - best)))
        right.append(int(not r.negative and r.variant == "asked" and len(p) > 0 and r.y[int(np.argmax(p))] == 1))
    model = LogisticRegression(C=1.0).fit(np.asarray(x)[:, None], right)
    return {"a": float(model.coef_[0][0]), "b": float(model.intercept_[0])}


def choose_answer_threshold(rows: list[QuestionRows], preds: list[np.ndarray],
                            max_false_refusal: float) -> float:
    """The threshold that refuses the most unanswerable questions (asked negatives and deletions alike) while
    refusing at most ``max_false_refusal`` of the answerable ones: the stated target."""
    best_t, best_refused = 0.0, -1.0
    for t in np.round(np.arange(0.02, 0.9, 0.01), 2):
        o = question_outcomes(rows, preds, float(t))
        if o["false_refusal"] > max_false_refusal:
            break
        neg = [p for r, p in zip(rows, preds, strict=True) if r.negative]
        refused = float(np.mean([(p.max() if len(p) else 0.0) < t for p in neg]))
        if refused > best_refused:
            best_t, best_refused = float(t), refused
    return best_t


def cv_answers(engines: dict, sets: dict[str, list[dict]], rows: list[QuestionRows],  # noqa: ANN001
               threshold: float, k: int = 5, reader=None) -> dict[str, dict]:
    """`rag eval` of each question set, every question answered by a judge trained without its group's articles.

    ``engines``: corpus -> Engine; ``sets``: "corpus/name" -> questions."""
    from rag.answer.judge import Judge
    from rag.evaluation.evaluate import score_answer, summarize

    fold_of = {}
    for r, f in zip(rows, folds([r.group for r in rows], k), strict=True):
        fold_of[r.qid] = f
    models = []
    for f in range(k):
        models.append(fit(*stack([r for r in rows if fold_of[r.qid] != f])))
    out = {}
    for key, questions in sets.items():
        corpus, name = key.split("/")
        results = []
        for q in questions:
            qid = f"{name}:{q.get('id', q['q'][:40])}"
            judge = Judge(models[fold_of[qid]], threshold, {}, reader)
            ans = engines[corpus].with_judge(judge).ask(q["q"], mode="extractive")
            results.append(score_answer(q, ans, [str(Path(c.source).resolve()) for c in ans.citations]))
        rep = summarize(results)
        kinds = {}
        for q, r in zip(questions, results, strict=True):
            if q.get("kind"):
                kinds.setdefault(q["kind"], []).append(r.refused)
        out[key] = {"answer_accuracy": rep.answer_accuracy, "refusal_accuracy": rep.refusal_accuracy,
                    "false_refusal_rate": rep.false_refusal_rate, "citation_hit_rate": rep.citation_hit_rate,
                    "by_type": rep.by_type, **{f"refused_{kk}": float(np.mean(v)) for kk, v in kinds.items()},
                    "failures": [(f.id, f.question, f.answer[:160]) for f in rep.failures]}
    return out


# -- make judge ----------------------------------------------------------------------------------------------
MAX_FALSE_REFUSAL = 0.10  # the stated target: refuse at most this share of answerable questions (held out)


def qags_claims(path: Path, folder: Path) -> list[dict]:
    """QAGS (shared/eval/grounding) as claims, read as `rag eval` reads claim sets; ``source`` names the article
    as source_docs() matches it."""
    from rag.evaluation.evaluate import load_claim_set

    return [{**c, "source": f"{folder.name}/{c['article']}"} for c in load_claim_set(path, folder)]


def engine_for(index: Path, corpus: Path):  # noqa: ANN201
    from rag.answer.judge import Judge
    from rag.app.engine import Engine
    from rag.settings import Settings

    # Collecting rows needs no judge (the committed one may have been trained on other features): a placeholder
    # that cannot answer; cross-validation gives each fold's judge through with_judge().
    engine = Engine(Settings.from_env().with_overrides(index_dir=index), Judge(None, 0.5, {}))
    if not (index / "catalog.sqlite").is_file():
        print(f"ingesting {corpus} into {index} (once)", flush=True)
        engine.ingest([corpus])
    return engine


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import time
    from importlib import resources

    ap = argparse.ArgumentParser(prog="python -m rag.app.judge_train", description="Train the learned judge.")
    ap.add_argument("--shared", type=Path, default=Path("../shared"), help="the team's data folder")
    ap.add_argument("--work", type=Path, default=Path("/tmp/citable-judge"), help="indexes and caches")
    ap.add_argument("--bbc-index", type=Path, default=None, help="a full BBC index (default: WORK/bbc)")
    ap.add_argument("--out", type=Path, default=Path(str(resources.files("rag.models"))))
    ap.add_argument("--report", type=Path, default=Path("bench/results/judge_cv.json"))
    ap.add_argument("--no-engine-cv", action="store_true", help="skip the cross-validated `rag eval` figures")
    ap.add_argument("--no-reader", action="store_true", help="no reader (SQuAD 2.0 + QNLI) feature")
    args = ap.parse_args(argv)
    t0 = time.time()
    evals = args.shared / "eval"
    engines = {
        "bbc": engine_for(args.bbc_index or args.work / "bbc", args.shared / "corpora" / "bbc"),
        "seeds": engine_for(args.work / "seeds", args.shared / "seeds"),
    }
    sets = {"seeds/seeds_dev": "seeds_dev.jsonl", "bbc/bbc_dev": "bbc_dev.jsonl",
            "bbc/bbc_dev_large": "bbc_dev_large.jsonl"}
    questions = {key: [json.loads(x) for x in (evals / f).read_text().splitlines() if x.strip()]
                 for key, f in sets.items()}
    reader_text, reader_report, read = None, {}, None
    if not args.no_reader:
        from rag.app.judge_reader import train_reader

        reader_model, reader_report = train_reader(args.shared / "training")
        reader_text = reader_model.model_to_string()
        read = booster(reader_text)
        print(f"reader: {json.dumps(reader_report)} ({time.time() - t0:.0f}s)", flush=True)
    rows: list[QuestionRows] = []
    for key, qs in questions.items():
        corpus, name = key.split("/")
        rows += collect(engines[corpus], qs, name, corpus, read.predict if read else None)
        print(f"{key}: {len(rows)} question rows ({time.time() - t0:.0f}s)", flush=True)
    report = train_and_report(rows, args.out, reader_text, reader_report)
    if not args.no_engine_cv:
        report["engine_cv"] = cv_answers(engines, questions, rows, report["answer_threshold"], reader=read)
    report["seconds"] = round(time.time() - t0, 1)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2, default=float))
    print(json.dumps({k: v for k, v in report.items() if k != "engine_cv"}, indent=2, default=float))
    for key, v in report.get("engine_cv", {}).items():
        print(key, {k: x for k, x in v.items() if k not in ("failures", "by_type")})
    return 0


def train_and_report(rows: list[QuestionRows], out: Path, reader_text: str | None = None,
                     reader_report: dict | None = None) -> dict:
    """Out-of-fold figures and thresholds, then the final models (all rows) written to ``out``."""
    import json

    from rag.answer.judge_features import ANSWER_FEATURES, READER_FEATURES

    preds = out_of_fold(rows)
    t = choose_answer_threshold(rows, preds, MAX_FALSE_REFUSAL)
    calibration = calibrate(rows, preds)
    report = {
        "answer_threshold": t,
        "answers_oof": question_outcomes(rows, preds, t),
        "rows": {"questions": len(rows), "candidates": int(sum(len(r.y) for r in rows))},
        "reader": reader_report or {}, "calibration": calibration,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "judge_answers.txt").write_text(fit(*stack(rows)).model_to_string())
    meta = {"answer_threshold": t, "answer_features": list(ANSWER_FEATURES), "max_false_refusal": MAX_FALSE_REFUSAL,
            "answers_oof": report["answers_oof"],
            "reader_features": list(READER_FEATURES) if reader_text else None, "reader": reader_report or {},
            "calibration": calibration,
            "trained_by": "make judge (python -m rag.app.judge_train)"}
    reader_file = out / "judge_reader.txt"
    if reader_text:
        reader_file.write_text(reader_text)
    elif reader_file.exists():
        reader_file.unlink()
    (out / "judge.json").write_text(json.dumps(meta, indent=2) + "\n")
    return report



def without_answers(r: QuestionRows) -> QuestionRows | None:
    """The question asked of its own article with the sentences that answer it taken out: a near miss (the
    article is about the subject; the asked fact is gone). The features relative to the other candidates are
    recomputed for what remains."""
    from rag.answer.judge_features import ANSWER_FEATURES as F

    keep = np.flatnonzero(r.y == 0)
    if r.negative or len(keep) == len(r.y) or not len(keep):
        return None
    X = r.X[keep].copy()
    for col in ("dense_gap", "cov_gap", "base_gap"):
        j = F.index(col)
        X[:, j] -= X[:, j].max()
    X[:, F.index("base_rank")] = np.minimum(np.arange(len(keep)), 30)
    docs = [r.docs[i] for i in keep]
    X[:, F.index("docs_top5")] = len(set(docs[:5]))
    X[:, F.index("same_doc_best")] = [float(d == docs[0]) for d in docs]
    return QuestionRows(r.qid, r.question, "answer-removed", True, "answer-removed", r.group, X,
                        np.zeros(len(keep), dtype=np.int8), [r.texts[i] for i in keep], docs)


def augment(rows: list[QuestionRows]) -> list[QuestionRows]:
    return rows + [x for r in rows if r.variant == "asked" and (x := without_answers(r)) is not None]


if __name__ == "__main__":
    raise SystemExit(main())
