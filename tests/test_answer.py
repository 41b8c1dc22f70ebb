"""The extractive answerer over the real index: invariant, refusals, accuracy on the dev sets."""

from pathlib import Path

import pytest
from conftest import EVAL, ROOT, file_text, load_jsonl

from rag.answer.results import REFUSAL
from rag.evaluation.evaluate import evaluate


def check_invariant(ans) -> None:  # noqa: ANN001
    for c in ans.citations:
        path = Path(c.source) if Path(c.source).is_absolute() else Path.cwd() / c.source
        assert file_text(path)[c.start:c.end] == c.quote, (ans.question, c)
    for s in ans.sentences:
        assert s.citations and all(1 <= n <= len(ans.citations) for n in s.citations)
    if not ans.refused:
        # Extractive sentences are the quotes themselves, each followed by its marker.
        for s in ans.sentences:
            assert s.text == ans.citations[s.citations[0] - 1].quote
            assert f"{s.text} [{s.citations[0]}]" in ans.answer


@pytest.fixture(autouse=True)
def _in_root(monkeypatch):  # noqa: ANN001, ANN202
    monkeypatch.chdir(ROOT)


def test_seeds_dev_answers_hold_the_invariant(seeds_engine):
    for q in load_jsonl(EVAL / "seeds_dev.jsonl"):
        ans = seeds_engine.ask(q["q"])
        check_invariant(ans)
        if q.get("negative"):
            assert ans.refused, q["q"]
        for c in ans.citations:
            assert c.source.startswith("seeds/")  # relative to the working directory


def test_seeds_dev_accuracy(seeds_engine):
    report = evaluate(seeds_engine, load_jsonl(EVAL / "seeds_dev.jsonl"))
    # Floors at the measured figures (7 of 8 answerable, every negative refused): a regression fails here.
    assert report.answer_accuracy >= 0.875, [f.id for f in report.failures]
    assert report.refusal_accuracy == 1.0


def test_refusal_is_the_clear_sentence(seeds_engine):
    ans = seeds_engine.ask("What is Elon Musk's net worth?")
    assert ans.refused and ans.answer == REFUSAL and ans.citations == [] and ans.sentences == []


def test_bbc_dev_invariant_and_targets(bbc_engine):
    questions = load_jsonl(EVAL / "bbc_dev.jsonl")
    for q in questions:
        check_invariant(bbc_engine.ask(q["q"]))
    report = evaluate(bbc_engine, questions)
    print(f"\nBBC dev: answer accuracy {report.answer_accuracy:.1%}, citation hit {report.citation_hit_rate:.1%}, "
          f"refusal accuracy {report.refusal_accuracy:.1%}")
    # Floors one question under the figures measured on the BBC subset the fixture ingests, with late-chunked
    # sentence vectors (33 of 45 answerable, 7 of 10 negatives refused; 8 of 10 before them). On the whole corpus
    # they were 73% and 50% before: `rag --index BBC_INDEX eval ../shared/eval/bbc_dev.jsonl` measures them there.
    # The subset keeps each question's article and its closest confusers, so answering is as hard, but fewer
    # near misses tempt a negative: a higher refusal floor.
    assert report.answer_accuracy >= 0.7
    assert report.refusal_accuracy >= 0.6
