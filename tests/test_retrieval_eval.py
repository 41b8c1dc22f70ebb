from rag.evaluation.retrieval_eval import matches, question_metrics, retrieval_metrics


def test_matches_relative_expected_paths():
    assert matches("/x/shared/corpora/bbc/business/009.txt", "bbc/business/009.txt")
    assert not matches("/x/bbc/business/1009.txt", "bbc/business/009.txt")
    assert matches("seeds/000_a.txt", "seeds/000_a.txt")


def test_question_metrics_ranks_and_recall():
    ranked = ["/c/bbc/a.txt", "/c/bbc/b.txt", "/c/bbc/a.txt", "/c/bbc/c.txt"]
    m = question_metrics(ranked, ["bbc/b.txt", "bbc/c.txt"])
    assert m["hit@1"] == 0.0 and m["hit@3"] == 1.0
    assert m["recall@3"] == 0.5 and m["recall@5"] == 1.0
    assert m["mrr@10"] == 0.5
    assert question_metrics([], ["bbc/b.txt"])["mrr@10"] == 0.0


def test_retrieval_metrics_groups_by_type_and_skips_negatives():
    qs = [{"q": "a", "source": "bbc/a.txt", "type": "who"}, {"q": "n", "negative": True, "type": "negative"}]
    out = retrieval_metrics(qs, lambda q: ["/bbc/a.txt"])
    assert out["all"]["n"] == 1 and out["who"]["hit@1"] == 1.0 and "negative" not in out
