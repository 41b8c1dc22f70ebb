from pathlib import Path

import pytest
from conftest import file_text

from rag.answer.retrieve import Filters, parse_filters, rrf


def test_rrf_rewards_agreement():
    fused = rrf([[("a", 0.9), ("b", 0.8), ("c", 0.1)], [("b", 5.0), ("d", 4.0)]], k=60)
    assert fused[0][0] == "b"
    assert {p for p, _ in fused} == {"a", "b", "c", "d"}


def test_hybrid_search_finds_the_passage(seeds_engine):
    hits = seeds_engine.search("Wall Street Journal report on Starlink and Taiwan", k=3)
    assert hits and "Wall Street Journal" in hits[0].text
    assert Path(hits[0].source).name == "000_1d78f71aed52c027.txt"  # the article that reports it
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:  # each hit's passage is its own file's text at its offsets
        assert file_text(h.source)[h.start:h.end] == h.text
        assert seeds_engine.index().catalog.text(h.doc_id) == file_text(h.source)


def test_each_method_ranks(seeds_engine):
    for method in ("dense", "bm25", "hybrid"):
        hits = seeds_engine.search("Kahl Pentagon under-secretary", k=4, method=method)
        assert hits, method
        assert len({h.pid for h in hits}) == len(hits)


def test_k_is_honoured(seeds_engine):
    assert len(seeds_engine.search("Musk", k=2)) == 2
    assert len(seeds_engine.search("Musk", k=5)) == 5


def test_date_filters(seeds_engine):
    dated = seeds_engine.search("Musk Putin", k=20, filters=Filters(since="2024-10-01", until="2024-10-31"))
    assert dated and all(h.date == "2024-10-25" for h in dated)
    assert seeds_engine.search("Musk Putin", k=5, filters=Filters(since="2025-01-01")) == []
    # An undated article never matches a date range.
    assert all("004_" not in h.source for h in dated)


def test_source_filter(seeds_engine):
    hits = seeds_engine.search("Musk Putin", k=20, filters=Filters(source="004_"))
    assert hits and all("004_" in h.source for h in hits)
    globbed = seeds_engine.search("Musk Putin", k=20, filters=Filters(source="*/000_*.txt"))
    assert globbed and all("000_" in h.source for h in globbed)
    assert seeds_engine.search("Musk", filters=Filters(source="no-such-file")) == []


def test_a_source_filter_reaches_the_dense_ranking(seeds_engine):
    hits = seeds_engine.search("Kahl Pentagon under-secretary", k=2, filters=Filters(source="004_"), method="dense")
    assert hits and all(Path(h.source).name.startswith("004_") for h in hits)


def test_section_and_document_filters(tmp_path: Path):
    """Sections are the corpus's top-level folders; documents are named by id or path; each filter narrows."""
    import shutil

    from conftest import SEEDS, make_engine

    from rag.errors import BadInput

    corpus = tmp_path / "corpus"
    for folder, name in (("world", "000_1d78f71aed52c027.txt"), ("defence", "004_b1b54881a5237c4c.txt")):
        (corpus / folder).mkdir(parents=True)
        shutil.copyfile(SEEDS / name, corpus / folder / name)
    engine = make_engine(tmp_path / "index")
    engine.ingest([corpus])
    everywhere = {Path(h.source).parent.name for h in engine.search("Musk Putin Pentagon", k=20)}
    assert everywhere == {"world", "defence"}
    hits = engine.search("Musk Putin Pentagon", k=20, filters=parse_filters(sections=["defence"]))
    assert hits and {Path(h.source).parent.name for h in hits} == {"defence"}
    one = engine.search("Musk Putin", k=20, filters=parse_filters(docs=["world/000_1d78f71aed52c027.txt"]))
    assert one and {Path(h.source).name for h in one} == {"000_1d78f71aed52c027.txt"}
    by_id = engine.search("Musk Putin", k=20, filters=parse_filters(docs=[one[0].doc_id]))
    assert {h.doc_id for h in by_id} == {one[0].doc_id}
    both = parse_filters(sections=["defence"], docs=[one[0].doc_id])  # a document outside the section: nothing
    assert engine.search("Musk Putin", k=20, filters=both) == []
    with pytest.raises(BadInput, match="no section 'sport'.*defence, world"):
        engine.search("Musk", filters=parse_filters(sections=["sport"]))
    with pytest.raises(BadInput, match="no ingested document"):
        engine.search("Musk", filters=parse_filters(docs=["nope.txt"]))
    # a briefing and a check take the same filters
    report = engine.check("Musk has maintained regular contact with Putin.", None, parse_filters(sections=["defence"]))
    assert all(c.evidence is None or "defence" in c.evidence.source for c in report.claims)
