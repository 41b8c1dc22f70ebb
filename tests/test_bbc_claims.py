"""The BBC claim set of issue 24 (tests/data/bbc_claims.jsonl), written before the 3-way judge was trained: its
shape, and that bench/claims.py checks it (held-out fold, exact evidence, reworded claims) before scoring it."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import BBC, ROOT, require

CLAIMS = ROOT / "tests" / "data" / "bbc_claims.jsonl"


def _bench():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_claims", ROOT / "bench" / "claims.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_claim_set_is_held_out_balanced_and_its_evidence_exact():
    require(BBC.is_dir(), "../shared/corpora/bbc")
    rows = _bench().load_claims(CLAIMS, BBC)
    labels = Counter(r["label"] for r in rows)
    assert len(rows) >= 36 and min(labels[x] for x in ("supported", "contradicted", "not_found")) >= 12, labels
    assert {r["kind"] for r in rows if r["label"] == "contradicted"} >= {"number", "name", "date", "direction",
                                                                           "negation"}
    assert len({r["doc"] for r in rows}) >= 12 and len({r["doc"].split("/")[0] for r in rows}) == 5


@pytest.mark.parametrize(("field", "value", "says"), [
    ("doc", "business/001.txt", "held-out fold"),
    ("evidence", "a sentence the article never wrote", "exact substring"),
    ("claim", "Jobs growth still slow in the US", "not reworded"),
])
def test_a_bad_claim_is_refused_by_name(tmp_path: Path, field: str, value: str, says: str):
    require(BBC.is_dir(), "../shared/corpora/bbc")
    row = json.loads(CLAIMS.read_text(encoding="utf-8").splitlines()[0])
    if field == "claim":  # a title copied from its own (held-out) article
        row["doc"] = "business/007.txt"
        row["evidence"] = "US firms added only 146,000 jobs"
    row[field] = value
    bad = tmp_path / "claims.jsonl"
    bad.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=says):
        _bench().load_claims(bad, BBC)
