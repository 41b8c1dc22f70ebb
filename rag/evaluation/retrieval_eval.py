"""Retrieval metrics for questions with expected sources: hit@k, recall@k (k = 1, 3, 5, 10) and MRR@10.

A hit is a retrieved passage from an expected article. Any retriever can be measured: it is a function from a
question to the ranked list of source paths of its passages (ours, or the LlamaIndex baseline).
"""

from __future__ import annotations

from collections.abc import Callable

KS = (1, 3, 5, 10)
RankedSources = Callable[[str], list[str]]


def expected_sources(q: dict) -> list[str]:
    return list(q.get("sources") or ([q["source"]] if q.get("source") else []))


def matches(source: str, expected: str) -> bool:
    """``expected`` is relative (``bbc/business/009.txt``, ``seeds/...``); ``source`` any path ending in it."""
    s, e = source.replace("\\", "/"), expected.replace("\\", "/").lstrip("./")
    return s == e or s.endswith("/" + e)


def question_metrics(ranked: list[str], expected: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for k in KS:
        top = ranked[:k]
        found = [e for e in expected if any(matches(s, e) for s in top)]
        out[f"hit@{k}"] = float(bool(found))
        out[f"recall@{k}"] = len(found) / len(expected)
    first = next((i for i, s in enumerate(ranked[:10], 1) if any(matches(s, e) for e in expected)), None)
    out["mrr@10"] = 1.0 / first if first else 0.0
    return out


def retrieval_metrics(questions: list[dict], retrieve: RankedSources) -> dict[str, dict[str, float]]:
    """Mean metrics over the questions that name sources, overall ("all") and per question type."""
    rows: dict[str, list[dict[str, float]]] = {}
    for q in questions:
        expected = expected_sources(q)
        if not expected:
            continue
        m = question_metrics(retrieve(q["q"]), expected)
        rows.setdefault("all", []).append(m)
        rows.setdefault(str(q.get("type") or "other"), []).append(m)
    return {group: {key: round(sum(r[key] for r in rs) / len(rs), 4) for key in rs[0]} | {"n": len(rs)}
            for group, rs in rows.items()}
