from conftest import SEEDS

from rag.ingest.chunk import chunk_spans, make_passages
from rag.ingest.documents import read_document
from rag.ingest.embed import get_embedder


def test_passages_are_sentence_aligned_within_budget_and_cover_the_body():
    emb = get_embedder()
    for path in sorted(SEEDS.glob("*.txt")):
        doc = read_document(path)
        spans = chunk_spans(doc.text, doc.body_start, 160, emb.count_tokens)
        passages = make_passages(doc.doc_id, doc.sha, doc.text, spans)
        assert len(passages) >= 3
        for p in passages:
            assert doc.text[p.start:p.end] == p.text
            assert emb.count_tokens([p.text])[0] <= 160 + 8  # budget (sentence sums vs joint count)
            assert p.text[-1] in ".!?”\"’" or "\n" in doc.text[p.end:p.end + 2]
        # Nothing of the body is lost between passages: only white space separates them.
        for a, b in zip(passages, passages[1:], strict=False):
            assert doc.text[a.end:b.start].strip() == ""
        assert doc.text[doc.body_start:passages[0].start].strip() == ""


def test_an_overlong_sentence_is_split_to_fit():
    emb = get_embedder()
    text = "word " * 600 + "end."
    spans = chunk_spans(text, 0, 160, emb.count_tokens)
    assert len(spans) >= 4
    assert all(emb.count_tokens([text[a:b]])[0] <= 256 for a, b in spans)
