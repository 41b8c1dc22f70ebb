"""`rag eval`: answer accuracy, citation hit rate and refusal accuracy on a JSON Lines question set.

Scoring (as in shared/README.md): an answerable question is correct when the answer contains the expected
strings (case-insensitive, curly quotes and white space normalised) and a citation points into the expected
source (for several sources: into every one); a negative question is correct when the answer is a refusal.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rag.answer.results import Answer
from rag.errors import BadInput
from rag.evaluation.retrieval_eval import KS, RankedSources, retrieval_metrics
from rag.ingest.embed import default_cache_dir
from rag.text import normalize


class BadQuestionSet(BadInput):
    pass


class Answerer(Protocol):
    """What an evaluation asks (the Engine): answers, ranked passages and grounding checks."""

    def ask(self, question: str, k: int | None = ..., *, mode: str = ...) -> Answer: ...

    def search(self, query: str, k: int | None = ...) -> list[Any]: ...

    def check(self, text: str) -> Any: ...


@dataclass
class QuestionResult:
    id: str
    type: str
    question: str
    negative: bool
    refused: bool
    text_ok: bool
    cited_ok: bool
    correct: bool
    answer: str
    cited: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class EvalReport:
    n: int
    answer_accuracy: float  # answerable questions answered correctly
    citation_hit_rate: float  # answerable questions with a citation into every expected source
    refusal_accuracy: float  # negatives refused
    false_refusal_rate: float  # answerable questions refused
    overall_accuracy: float
    by_type: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: list[QuestionResult] = field(default_factory=list)
    retrieval: dict[str, dict[str, float]] = field(default_factory=dict)  # hybrid retrieval metrics
    baseline_retrieval: dict[str, dict[str, float]] | None = None  # the LlamaIndex starter, same questions

    def to_dict(self) -> dict:
        d = asdict(self)
        d["failures"] = [f.to_dict() for f in self.failures]
        return d


def read_jsonl(path: Path) -> list[tuple[int, object]]:
    """A JSON Lines file: (line number, value) per non-blank line; an unreadable file or a line that is not
    JSON is a BadQuestionSet naming the file and the line. Every JSON Lines set is read here."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise BadQuestionSet(f"cannot read {path}: {e}") from None
    out = []
    for i, line in enumerate(lines, 1):
        if line.strip():
            try:
                out.append((i, json.loads(line)))
            except json.JSONDecodeError:
                raise BadQuestionSet(f"{path}:{i}: not valid JSON") from None
    return out


def load_questions(path: Path) -> list[dict]:
    out = []
    for i, q in read_jsonl(path):
        if not isinstance(q, dict) or not isinstance(q.get("q"), str):
            raise BadQuestionSet(f"{path}:{i}: each line needs a \"q\" string")
        out.append(q)
    return out


def _points_into(cited: list[str], expected: str) -> bool:
    exp = expected.replace("\\", "/").lstrip("./")
    return any(c.replace("\\", "/").endswith("/" + exp) or c.replace("\\", "/") == exp for c in cited)


def score_answer(q: dict, ans: Answer, cited_abs: list[str]) -> QuestionResult:
    negative = bool(q.get("negative"))
    text = normalize(ans.answer).lower()
    expect_all = [normalize(s).lower() for s in q.get("expect_all", [])]
    expect_any = [normalize(s).lower() for s in q.get("expect_any", [])]
    text_ok = all(s in text for s in expect_all) and (not expect_any or any(s in text for s in expect_any))
    sources = q.get("sources") or ([q["source"]] if q.get("source") else [])
    cited_ok = all(_points_into(cited_abs, s) for s in sources) if sources else True
    if negative:
        correct = ans.refused
    else:
        correct = not ans.refused and text_ok and cited_ok
    return QuestionResult(str(q.get("id", "")), str(q.get("type", "")), q["q"], negative, ans.refused,
                          text_ok, cited_ok and not ans.refused, correct, ans.answer, cited_abs)


def evaluate(engine: Answerer, questions: list[dict], k: int | None = None,
             baseline: RankedSources | None = None, mode: str = "auto") -> EvalReport:
    results = []
    for q in questions:
        ans = engine.ask(q["q"], k, mode=mode)
        cited_abs = [str(Path(c.source).resolve()) for c in ans.citations]
        results.append(score_answer(q, ans, cited_abs))
    report = summarize(results)
    report.retrieval = retrieval_metrics(questions, lambda q: [h.source for h in engine.search(q, k=10)])
    if baseline is not None:
        report.baseline_retrieval = retrieval_metrics(questions, baseline)
    return report


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def summarize(results: list[QuestionResult]) -> EvalReport:
    pos = [r for r in results if not r.negative]
    neg = [r for r in results if r.negative]
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        groups[r.type or ("negative" if r.negative else "other")].append(r)
    by_type = {t: {"n": len(rs), "accuracy": _ratio(sum(r.correct for r in rs), len(rs))} for t, rs in groups.items()}
    return EvalReport(
        n=len(results),
        answer_accuracy=_ratio(sum(r.correct for r in pos), len(pos)),
        citation_hit_rate=_ratio(sum(r.cited_ok for r in pos), len(pos)),
        refusal_accuracy=_ratio(sum(r.refused for r in neg), len(neg)),
        false_refusal_rate=_ratio(sum(r.refused for r in pos), len(pos)),
        overall_accuracy=_ratio(sum(r.correct for r in results), len(results)),
        by_type=by_type,
        failures=[r for r in results if not r.correct],
    )


def _retrieval_table(rep: EvalReport) -> str:
    keys = [f"hit@{k}" for k in KS] + [f"recall@{k}" for k in KS] + ["mrr@10"]
    systems = [("hybrid", rep.retrieval)] + ([("baseline", rep.baseline_retrieval)] if rep.baseline_retrieval else [])
    header = f"{'system':<10}{'type':<10}{'n':>4}" + "".join(f"{k:>11}" for k in keys)
    lines = ["retrieval (questions with sources)", header]
    for name, metrics in systems:
        for group, m in sorted(metrics.items(), key=lambda x: (x[0] != "all", x[0])):
            lines.append(f"{name:<10}{group:<10}{int(m['n']):>4}" + "".join(f"{m[k]:>11.3f}" for k in keys))
    return "\n".join(lines)


def format_report(rep: EvalReport) -> str:
    lines = [
        f"questions            {rep.n}",
        f"answer accuracy      {rep.answer_accuracy:.1%}",
        f"citation hit rate    {rep.citation_hit_rate:.1%}",
        f"refusal accuracy     {rep.refusal_accuracy:.1%}",
        f"false-refusal rate   {rep.false_refusal_rate:.1%}",
        f"overall accuracy     {rep.overall_accuracy:.1%}",
        "",
        "type       n   accuracy",
    ]
    lines += [f"{t:<10} {v['n']:>3}   {v['accuracy']:.1%}" for t, v in sorted(rep.by_type.items())]
    if rep.retrieval:
        lines += ["", _retrieval_table(rep)]
    if rep.failures:
        lines += ["", "failures:"]
        for f in rep.failures:
            why = "refused" if f.refused else ("not refused" if f.negative else
                                               "wrong text" if not f.text_ok else "wrong source")
            lines.append(f"  {f.id} [{why}] {f.question}\n      -> {f.answer[:200]}")
    return "\n".join(lines)


# -- claim sets (grounding checks) ------------------------------------------------------------------------------
def is_claim_set(path: Path) -> bool:
    """A claim set (QAGS's format): lines of {"article", "summary_sentences": [{"sentence", "responses"}]}."""
    try:
        with path.open(encoding="utf-8") as f:
            first = next((line for line in f if line.strip()), "")
        item = json.loads(first)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(item, dict) and "article" in item and "summary_sentences" in item


def load_claim_set(path: Path, folder: Path) -> list[dict]:
    """The claims (majority label of the annotators) and each article written to ``folder`` as its own file."""
    folder.mkdir(parents=True, exist_ok=True)
    claims = []
    for i, (n, q) in enumerate(read_jsonl(path)):
        if not isinstance(q, dict) or not isinstance(q.get("article"), str):
            raise BadQuestionSet(f"{path}:{n}: each line needs an \"article\" string")
        name = f"{i:04d}.txt"
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != q["article"]:
            (folder / name).write_text(q["article"], encoding="utf-8")
        for s in q.get("summary_sentences", []):
            yes = sum(r.get("response") == "yes" for r in s.get("responses", []))
            claims.append({"claim": s["sentence"], "label": yes * 2 > len(s.get("responses", [])),
                           "article": name})
    if not claims:
        raise BadQuestionSet(f"{path}: no summary sentences to check")
    return claims


@dataclass
class ClaimReport:
    n: int
    balanced_accuracy: float
    recall_supported: float
    recall_unsupported: float
    labels: dict[str, int]
    failures: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def run_claim_set(engine: Any, path: Path, say: Callable[[str], None]) -> ClaimReport:
    """``rag eval`` of a claim set: it brings its own articles, ingested once into a private index beside the
    cache (``engine.with_index``); ``say`` tells the user when that first ingest starts."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    home = (engine.settings.cache_dir or default_cache_dir()) / "claimsets" / f"{path.stem}-{digest}"
    claims = load_claim_set(path, home / "articles")
    private = engine.with_index(home / "index")
    if not (home / "index" / "catalog.sqlite").is_file():
        say(f"ingesting the claim set's {len(list((home / 'articles').iterdir()))} articles into {home}")
    private.ingest([home / "articles"])
    return evaluate_claims(private, claims)


def evaluate_claims(engine: Answerer, claims: list[dict]) -> ClaimReport:
    """Each claim checked against the claim set's own corpus; a claim counts as passed when all its sentences
    are supported. Balanced accuracy: the mean of the recall of supported and of unsupported claims."""
    said, labels, failures = [], defaultdict(int), []
    for c in claims:
        report = engine.check(c["claim"])
        ok = report.passed
        said.append(ok)
        for r in report.claims:
            labels[r.label] += 1
        if ok != c["label"]:
            failures.append({"claim": c["claim"], "expected": "supported" if c["label"] else "unsupported",
                             "labels": [r.label for r in report.claims]})
    sup = [s for s, c in zip(said, claims, strict=True) if c["label"]]
    uns = [not s for s, c in zip(said, claims, strict=True) if not c["label"]]
    rs, ru = _ratio(sum(sup), len(sup)), _ratio(sum(uns), len(uns))
    return ClaimReport(len(claims), round((rs + ru) / 2, 4), rs, ru, dict(labels), failures)


def format_claim_report(rep: ClaimReport) -> str:
    lines = [f"claims               {rep.n}",
             f"balanced accuracy    {rep.balanced_accuracy:.1%}",
             f"recall (supported)   {rep.recall_supported:.1%}",
             f"recall (unsupported) {rep.recall_unsupported:.1%}",
             f"labels               {rep.labels}"]
    if rep.failures:
        lines += ["", "failures:"] + [f"  [{f['expected']}: {','.join(f['labels'])}] {f['claim'][:160]}"
                                      for f in rep.failures]
    return "\n".join(lines)
