"""The web app's rendering and input helpers, without a browser (the browser test is test_ui_browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_concurrency import app_server  # noqa: F401 - fixture: a served app over the seeds

from rag.answer.results import REFUSAL, Answer, AnswerSentence, Citation
from rag.answer.retrieve import Hit, parse_filters
from rag.app.ui import (
    Turn,
    conversation_markdown,
    launch_kwargs,
    render_answer,
    render_sources,
)
from rag.app.ui_cards import passage_window, render_card
from rag.app.uploads import check_uploads
from rag.settings import Settings, parse_auth

TEXT = "Intro words here. The <b>quoted</b> claim & more. Tail words follow."
START = TEXT.index("The <b>")
END = TEXT.index(" Tail")


def cited_answer(supported: bool = True) -> Answer:
    c = Citation(1, "seeds/x.txt", "<script>alert(1)</script>Title", "2024-10-25", START, END, TEXT[START:END])
    s = AnswerSentence(TEXT[START:END], [1], supported, 1.0 if supported else 0.1)
    return Answer("Who <i>?", f"{s.text} [1]", "extractive", False, [c], [s])


def test_answer_escapes_text_and_renders_badges():
    out = render_answer(cited_answer(), 3)
    assert "&lt;b&gt;quoted&lt;/b&gt; claim &amp; more." in out and "<b>" not in out
    assert 'class="cite-badge cite-3-1"' in out and ">[1]</span>" in out
    assert "turn-3" in out and "unsupported" not in out and "\n" not in out


def test_unsupported_sentence_is_flagged_and_markers_in_text_become_badges():
    out = render_answer(cited_answer(supported=False), 0)
    assert "sent unsupported" in out and "⚠ unsupported" in out
    a = cited_answer()
    a.sentences = [AnswerSentence("One [1] and two [2].", [1, 2], True, 1.0)]
    out = render_answer(a, 0)
    assert out.count("cite-badge") == 2 and "[1] and" not in out


def test_refusal_is_shown_as_such():
    out = render_answer(Answer("q", REFUSAL, "extractive", True), 0)
    assert "refusal" in out and "The sources don&#x27;t answer this." in out


def test_card_marks_the_exact_span_in_escaped_context():
    ans = cited_answer()
    card = render_card(ans.citations[0], TEXT, 0)
    assert "<mark>The &lt;b&gt;quoted&lt;/b&gt; claim &amp; more.</mark>" in card
    assert "Intro words here. " in card and " Tail words follow." in card
    assert "&lt;script&gt;" in card and "<script>" not in card
    assert 'id="src-0-1"' in card and "2024-10-25" in card and "seeds/x.txt" in card


def test_card_of_a_pdf_citation_shows_its_page():
    c = Citation(1, "reports/trust.pdf", "Annual report", None, START, END, TEXT[START:END], page=2)
    card = render_card(c, TEXT, 0)
    assert f"p. 2 [{START}:{END}]" in card
    assert f"p. 2 [{START}:{END}]" not in render_card(cited_answer().citations[0], TEXT, 0)
    md = conversation_markdown([Turn("q", Answer("q", "x [1]", "extractive", False, [c], []))])
    assert f"`reports/trust.pdf` p. 2 [{START}:{END}]" in md


def test_card_of_a_changed_document_does_not_claim_the_quote():
    card = render_card(cited_answer().citations[0], "completely different text " * 5, 0)
    assert "can no longer be checked" in card


def test_passage_window_snaps_to_words():
    text = "alpha beta gamma delta epsilon zeta eta theta"
    a, b = passage_window(text, text.index("delta"), text.index("delta") + 5, context=8)
    assert text[a:b] == "gamma delta epsilon"


def test_sources_show_the_selected_answer_group():
    turns = [Turn("first", cited_answer(), texts={"seeds/x.txt": TEXT}), Turn("second", error="boom")]
    html = render_sources(turns)
    assert 'class="src-group" data-turn="0"' in html and 'class="src-group active" data-turn="1"' in html
    assert 'class="src-group active" data-turn="0"' in render_sources(turns, selected=0)


def test_markdown_export_has_footnotes_with_quote_and_source():
    turns = [Turn("Who <i>?", cited_answer()), Turn("Nothing?", Answer("Nothing?", REFUSAL, "extractive", True))]
    md = conversation_markdown(turns)
    # Article text is untrusted: a Markdown viewer renders raw HTML, so the export escapes it (shown, inert).
    assert "## 1. Who &lt;i&gt;?" in md
    assert "The &lt;b&gt;quoted&lt;/b&gt; claim &amp; more.[^1-1]" in md
    assert "[^1-1]: “The &lt;b&gt;quoted&lt;/b&gt; claim &amp; more.” — &lt;script&gt;alert(1)&lt;/script&gt;Title, " \
           "2024-10-25, `seeds/x.txt` [" in md
    assert "<b>" not in md and "<script>" not in md
    assert f"*{REFUSAL}*" in md


def test_filters_and_auth_are_checked():
    assert parse_filters(" 2024-01-01 ", "", " 004_ ").since == "2024-01-01"
    assert parse_filters("", "", "").active is False
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_filters("last week", None, None)
    with pytest.raises(ValueError, match="no such day"):
        parse_filters(None, "2024-02-30")
    with pytest.raises(ValueError, match="the date range is empty"):
        parse_filters("2024-05-01", "2024-04-01")
    f = parse_filters(None, " ", None, ["business", " ", "business", "sport"], "abc123")
    assert f.sections == ("business", "sport") and f.docs == ("abc123",) and f.active and f.since is None
    assert parse_auth("ann:pa:ss") == ("ann", "pa:ss")
    assert parse_auth(None) is None
    with pytest.raises(ValueError, match="user:password"):
        parse_auth("nopassword")


def test_uploads_over_the_limit_or_of_other_types_are_refused(tmp_path: Path):
    small, big, pdf, exe = tmp_path / "a.txt", tmp_path / "b.md", tmp_path / "c.pdf", tmp_path / "d.exe"
    small.write_text("hello")
    big.write_bytes(b"x" * 2 * 1024 * 1024)
    pdf.write_text("%PDF")
    exe.write_bytes(b"MZ")
    ok, errors = check_uploads([str(small), str(big), str(pdf), str(exe)], max_mb=1)
    assert ok == [small, pdf]
    assert errors == ["b.md: 2.0 MB is over the 1 MB upload limit",
                      "d.exe: only .txt, .md, .html, .pdf and .docx files can be ingested"]


def test_settings_from_env_reach_launch(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RAG_AUTH", "ann:secret")
    monkeypatch.setenv("RAG_MAX_UPLOAD_MB", "2")
    monkeypatch.setenv("RAG_CONCURRENCY", "3")
    monkeypatch.delenv("RAG_HOST", raising=False)
    s = Settings.from_env()
    assert s.concurrency == 3
    kw = launch_kwargs(s)
    assert kw["server_name"] == "127.0.0.1" and kw["auth"] == ("ann", "secret")
    assert kw["max_file_size"] == 2 * 1024 * 1024
    assert "secret" not in repr(s)


def test_the_pages_style_and_script_are_package_data():
    """rag/app/static/ holds the page's CSS and script; launch gets them all, and a wheel would hold them."""
    import tomllib

    kw = launch_kwargs(Settings.from_env())
    assert kw["js"].lstrip().startswith("() => {") and "viewer-modal" in kw["js"] and "follow-up" in kw["js"]
    for rule in (".cite-badge", ".claim.supported", ".search-hit mark.term", "#viewer-modal iframe", ".follow-up"):
        assert rule in kw["css"], rule
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["rag.app"]
    assert "static/*.css" in data and "static/*.js" in data


def test_ask_json_api_answers_a_bad_question_with_one_line(app_server, tmp_path: Path):  # noqa: ANN001, F811
    """The served app (a real `rag serve`, through gradio_client): an empty or NUL question is one error line."""
    from gradio_client import Client

    url, _, _ = app_server
    client = Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 300})
    for question in ("", "\x00\x00", "   "):
        assert client.predict(question, api_name="/ask_json") == {"error": "the question is empty"}
    assert client.predict(5, api_name="/ask_json") == {"error": "the question must be text, not int"}
    ok = client.predict("Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?",
                        api_name="/ask_json")
    assert "Wall Street Journal" in ok["answer"]
    assert "Traceback" not in (tmp_path / "app.log").read_text()


def test_two_quotes_of_one_passage_share_one_card():
    from rag.app.ui_cards import render_cards

    text = "Intro words here. First claim is made. Second claim follows. Tail words here." + " Far away." * 200
    a, b = text.index("First"), text.index("Second")
    far = text.rindex("Far away.")
    cits = [Citation(1, "x.txt", "T", None, a, a + 20, text[a:a + 20]),
            Citation(2, "x.txt", "T", None, b, b + 21, text[b:b + 21]),
            Citation(3, "x.txt", "T", None, far, far + 9, text[far:far + 9])]
    out = render_cards(cits, {"x.txt": text}, 0)
    assert out.count('class="source-card"') == 2 and out.count("<mark>") == 3
    assert 'data-ns="1 2"' in out and 'id="src-0-2"' in out and 'data-ns="3"' in out


def test_answer_notes_are_shown_and_escaped():
    ans = Answer("q", REFUSAL, "extractive", True, notes=["2 undated articles are outside <this> range."])
    out = render_answer(ans, 0)
    assert "answer-note" in out and "&lt;this&gt;" in out
    assert ans.to_dict()["notes"] == ["2 undated articles are outside <this> range."]


def test_corpus_rows_search_paths_and_uploads(tmp_path: Path):
    from rag.app.engine import delete_upload
    from rag.app.ui import filter_rows, mode_choices, mode_note
    from rag.paths import corpus_names

    sources = ["/data/bbc/business/001.txt", "/data/bbc/tech/002.txt"]
    names = corpus_names(sources, sources)
    assert [names[s] for s in sources] == ["business/001.txt", "tech/002.txt"]
    assert corpus_names(["/data/one.txt"], ["/data/one.txt"]) == {"/data/one.txt": "one.txt"}
    # Uploads the app stored are named uploads/NAME, and do not pull the corpus root up to a shared ancestor.
    index = tmp_path / "index"
    up_file = str(index / "uploads" / "a1" / "memo.txt")
    both = corpus_names([sources[0], up_file], [*sources, up_file], index / "uploads")
    assert both == {sources[0]: "business/001.txt", up_file: "uploads/a1/memo.txt"}
    # No folder worth naming in common (only /): the path as given, never a path from the root.
    assert corpus_names(["/x/1.txt"], ["/x/1.txt", "/y/2.txt"]) == {"/x/1.txt": "/x/1.txt"}
    rows = [["Yukos unit sold", "undated", 2, "business/001.txt", "a"],
            ["Apple iPod", "undated", 1, "tech/002.txt", "b"]]
    assert [r[4] for r in filter_rows(rows, "yukos")] == ["a"]
    assert [r[4] for r in filter_rows(rows, "tech/")] == ["b"] and filter_rows(rows, "") == rows
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    up, other = uploads / "a.txt", tmp_path / "corpus.txt"
    up.write_text("x")
    other.write_text("x")
    assert delete_upload(up, uploads) and not up.exists()
    assert not delete_upload(other, uploads) and other.exists()  # a corpus file is never deleted
    bare = Settings.from_env().with_overrides(llm_base_url=None, llm_api_key=None)
    assert "llm" not in [v for _, v in mode_choices(bare)] and "no model is configured" in mode_note(bare)
    configured = bare.with_overrides(llm_base_url="http://127.0.0.1:9")
    assert "llm" in [v for _, v in mode_choices(configured)] and mode_note(configured) is None


def test_the_low_confidence_line_is_kept_in_exports():
    import io

    import docx

    from rag.reports.docx_export import conversation_docx

    low, sure = cited_answer(), cited_answer()
    low.confidence, sure.confidence = 0.3, 0.9
    line = "Low confidence (30%): read the sources"
    assert line in render_answer(low, 0) and "Low confidence" not in render_answer(sure, 1)
    turns = [Turn("Who <i>?", low), Turn("Who else?", sure)]
    md = conversation_markdown(turns)
    assert md.count("Low confidence") == 1 and f"*{line}.*" in md
    assert md.index(line) > md.index("## 1.") and md.index(line) < md.index("## 2.")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(conversation_docx(turns))).paragraphs]
    assert f"{line}." in paragraphs and sum("Low confidence" in p for p in paragraphs) == 1


def test_search_results_mark_the_query_terms_and_escape_the_article():
    from rag.app.ui_search import mark_terms, render_hits

    text = "Lake Baikal's <script>alert(1)</script> shores & the lakes of Siberia."
    marked = mark_terms(text, "baikal lake")
    assert '<mark class="term">Lake</mark>' in marked and '<mark class="term">lakes</mark>' in marked
    assert '<mark class="term">Baikal&#x27;s</mark>' in marked
    assert "<script>" not in marked and "&lt;script&gt;" in marked and "&amp;" in marked
    assert "Siberia" in marked and "<mark class=\"term\">Siberia" not in marked
    hit = Hit("d1-0", "d1", "/c/world/1.txt", "<b>T</b>", None, 10, 60, text, 0.5, None, None, "<b>T</b>")
    page = render_hits([hit], "baikal", {"/c/world/1.txt": "world/1.txt"})
    assert "/api/view/d1?span=10:60#cited" in page and "&lt;b&gt;T&lt;/b&gt;" in page and "<b>T" not in page
    assert "world/1.txt" in page and "undated" in page and "1 passage for" in page
    assert "No passage matches" in render_hits([], "x")


def test_sections_are_the_corpus_top_level_folders(tmp_path: Path):
    from rag.paths import TOP_LEVEL, sections_of

    root, up = tmp_path / "bbc", tmp_path / "index" / "uploads"
    sources = [str(root / "business" / "001.txt"), str(root / "sport" / "x" / "2.txt"), str(root / "README.TXT"),
               str(up / "mine.txt")]
    assert sections_of(sources, up) == {sources[0]: "business", sources[1]: "sport", sources[2]: TOP_LEVEL,
                                        sources[3]: "uploads"}
    # articles with no common folder worth naming: each file's own folder
    assert set(sections_of(["/a/seeds/1.txt", "/b/articles/2.txt"]).values()) == {"seeds", "articles"}
