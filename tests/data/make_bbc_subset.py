"""Writes tests/data/bbc_subset.txt: the BBC articles the test suite ingests instead of the whole corpus.

The whole corpus (2,225 articles) is ingested by `make bench`; the tests need an index where each question's
answer competes with the articles most likely to be confused with it, not 2,000 others. So the subset is:
- every article a question of ``eval/bbc_dev.jsonl`` names, and every article mentioning Yukos (test_brief);
- each question's 5 nearest articles by BM25 over the whole corpus (negatives included): the lexical confusers a
  full index would put beside the answer;
- every 20th article of each category, for a realistic spread of topics (the briefing's "80% business" check);
- ``sport/199.txt`` (Latin-1, not UTF-8: read in the encoding detected) and ``README.TXT``, as in the whole folder.

Deterministic; run it again only if the question set changes: ``python tests/data/make_bbc_subset.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import bm25s

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from rag.text import terms  # noqa: E402

SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc"
NEIGHBOURS = 5
EVERY = 20
QUERIES = ["Yukos and its Russian tax bill"]  # test_brief's topic


def main() -> None:
    files = sorted(p.relative_to(BBC).as_posix() for p in BBC.glob("*/*.txt"))
    texts = [(BBC / f).read_bytes().decode("utf-8", "replace") for f in files]
    questions = [json.loads(x) for x in (SHARED / "eval" / "bbc_dev.jsonl").read_text().splitlines() if x.strip()]
    keep = {"sport/199.txt", "README.TXT"}
    for q in questions:
        keep.update(s.removeprefix("bbc/") for s in ([q["source"]] if "source" in q else q.get("sources", [])))
    keep.update(f for f, t in zip(files, texts, strict=True) if "Yukos" in t)
    retriever = bm25s.BM25()
    retriever.index([terms(t) for t in texts], show_progress=False)
    for query in [q["q"] for q in questions] + QUERIES:
        scores = retriever.get_scores([t for t in terms(query) if t in retriever.vocab_dict])
        # Ties (BBC's duplicate articles score alike) fall as numpy's default argsort puts them: either copy serves.
        keep.update(files[i] for i in scores.argsort()[::-1][:NEIGHBOURS])
    for category in sorted({f.split("/")[0] for f in files}):
        keep.update([f for f in files if f.startswith(category + "/")][::EVERY])
    out = Path(__file__).with_name("bbc_subset.txt")
    out.write_text("# Written by make_bbc_subset.py (see there): BBC articles, relative to corpora/bbc.\n"
                   + "".join(f"{f}\n" for f in sorted(keep)))
    print(f"{len(keep)} articles -> {out}")


if __name__ == "__main__":
    main()
