"""The web app in a real browser: `rag serve` in a subprocess on a free port, driven by Playwright + Chromium.

Needs Debian's `chromium` (apt) and the `playwright` package (`make test` installs both). Screenshots are saved
under pytest's temp folder (`screenshots/`), or under $RAG_UI_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, require, served_app

try:
    from playwright import sync_api as playwright_api
except ImportError:
    playwright_api = None
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module", autouse=True)
def _browser_parts() -> None:
    require(playwright_api, "playwright (pip install playwright)")
    require(CHROMIUM, "chromium (apt-get install chromium chromium-driver)")

SEED_Q = "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?"
EVIL = """<img src=x onerror="window.__xss='title'"> Zorblat Foundry report
Zorblat Foundry casts brass telescopes in the Douro valley.

<script>window.__xss = 'script'; alert('xss')</script>

The foundry was founded by the glassblower Ines Varga in 1998, after a flood destroyed her workshop.

<img src=x onerror="window.__xss='img'">

This year the foundry cast nine hundred telescopes, a record for the valley.
"""
EVIL_Q = "Who founded the Zorblat Foundry?"
UPLOAD = """Kelvara Orchards harvest report
Kelvara Orchards grows quince and medlar in the Tarn valley.
The orchard was founded by the beekeeper Tomas Brevik in 2011, after a hailstorm destroyed his hives.
This autumn the orchard picked nineteen tonnes of quince, a record for the valley.
"""
UPLOAD_Q = "Who founded Kelvara Orchards?"


SERVED: dict[str, Path] = {}  # the served index folder, for tests that look at its files


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("RAG_UI_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rag serve` on a free port over its own index: the seeds plus an article full of markup."""
    tmp = tmp_path_factory.mktemp("ui")
    index = tmp / "index"
    # The corpus in one folder (seeds/ and articles/ side by side), as a user keeps one: names and sections are
    # then "seeds/..." and "articles" wherever the repository and the temporary folder happen to live.
    seeds = shutil.copytree(SEEDS, tmp / "corpus" / "seeds")
    evil = tmp / "corpus" / "articles" / "zorblat.txt"
    evil.parent.mkdir()
    evil.write_text(EVIL, encoding="utf-8")
    SERVED["index"] = index
    env = {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_CONCURRENCY": "4", "RAG_MAX_UPLOAD_MB": "1"}
    env.pop("RAG_AUTH", None)
    rag = [sys.executable, "-m", "rag.app.cli"]
    subprocess.run([*rag, "ingest", str(seeds), str(evil)], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=600)
    with served_app(index, env, tmp / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(server)
    pg.locator("#question textarea").wait_for()
    yield pg
    context.close()


def ask(pg, question: str, turn: int):  # noqa: ANN001, ANN201
    pg.locator("#question textarea").fill(question)
    pg.locator("#ask").click()
    answer = pg.locator(f"#chat .answer.turn-{turn}")
    answer.wait_for(timeout=120_000)
    return answer


def docx_texts(path: Path) -> dict[str, list[str]]:
    """A downloaded .docx's paragraphs and footnote texts."""
    import docx
    from test_docx_export import footnotes

    d = docx.Document(path)
    return {"paragraphs": [p.text for p in d.paragraphs], "footnotes": list(footnotes(d).values())}


def active_group(pg):  # noqa: ANN001, ANN201
    return pg.locator("#sources .src-group.active")


def test_chat_sources_badges_followup_and_export(page, shots: Path):  # noqa: ANN001
    answer = ask(page, SEED_Q, 0)
    assert "Wall Street Journal" in answer.inner_text()
    # The sources panel shows the cited quote, marked inside its surrounding text, and it is the file's own text.
    group = active_group(page)
    marks = group.locator(".source-card mark")
    assert marks.count() == answer.locator(".cite-badge").count() >= 1
    quotes = [marks.nth(i).inner_text() for i in range(marks.count())]
    original = (SEEDS / "000_1d78f71aed52c027.txt").read_text(encoding="utf-8")
    assert any("Wall Street Journal" in q for q in quotes)
    assert all(" ".join(q.split()) in " ".join(original.split()) for q in quotes)
    passage = group.locator(".source-card .passage").first.inner_text()
    assert len(passage) > len(quotes[0]) + 50  # the quote is shown inside its context
    assert "seeds/000_1d78f71aed52c027.txt" in group.inner_text() and "2024-10-25" in group.inner_text()
    page.screenshot(path=str(shots / "chat-answer.png"))

    # Clicking a badge selects its card.
    last = answer.locator(".cite-badge").last
    n = last.inner_text().strip("[]")
    last.click()
    selected = page.locator("#sources .source-card.selected")
    selected.wait_for()
    assert n in selected.get_attribute("data-ns").split()  # the card of its passage
    page.screenshot(path=str(shots / "chat-badge-selected.png"))

    # A follow-up gets its own sources; clicking the earlier answer brings its sources back.
    ask(page, "Why did Kahl think Musk had become nervous?", 1)
    assert active_group(page).get_attribute("data-turn") == "1"
    assert "Sources for: Why did Kahl" in active_group(page).inner_text()
    assert not page.locator("#sources .src-group[data-turn='0']").is_visible()
    answer.click()
    assert active_group(page).get_attribute("data-turn") == "0"
    assert "Wall Street Journal" in active_group(page).inner_text()

    # Export: Markdown, each citation a footnote with its quote and source.
    with page.expect_download() as dl:
        page.locator("#export").click()
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# citable conversation")
    assert SEED_Q in md and "[^1-1]" in md
    assert "[^1-1]: “" in md and "seeds/000_1d78f71aed52c027.txt" in md and "## 2. Why did Kahl" in md
    # ... and Word, each citation a real footnote (read back with python-docx).
    with page.expect_download() as dl:
        page.locator("#export-docx").click()
    word = docx_texts(Path(dl.value.path()))
    assert f"1. {SEED_Q}" in word["paragraphs"]
    assert "2. Why did Kahl think Musk had become nervous?" in word["paragraphs"]
    assert word["footnotes"] and all("seeds/" in n for n in word["footnotes"])

    # New chat empties the conversation and the sources.
    page.locator("#new-chat").click()
    page.locator("#chat .answer").first.wait_for(state="detached")
    assert page.locator("#sources .source-card").count() == 0

    # A question the articles do not answer is shown as a refusal, with no sources.
    refusal = ask(page, "What is the boiling point of tungsten on Mars?", 0)
    assert "refusal" in (refusal.get_attribute("class") or "")
    assert "don't answer" in refusal.inner_text()
    assert active_group(page).locator(".source-card").count() == 0
    page.screenshot(path=str(shots / "chat-refusal.png"))


def test_upload_ask_and_remove(page, shots: Path, tmp_path: Path):  # noqa: ANN001
    article = tmp_path / "kelvara.md"
    article.write_text(UPLOAD, encoding="utf-8")
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files(str(article))
    page.locator("#ingest").click()
    page.locator("#ingest-status").get_by_text("1 added").wait_for(timeout=120_000)
    docs = page.locator("#docs")
    docs.get_by_text("Kelvara Orchards harvest report").first.wait_for()
    page.screenshot(path=str(shots / "corpus-uploaded.png"))

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, UPLOAD_Q, 0)
    assert "Tomas Brevik" in answer.inner_text()
    assert "kelvara.md" in active_group(page).inner_text()
    marks = active_group(page).locator("mark")  # one card per passage: every quote of it is marked there
    assert any("Tomas Brevik" in marks.nth(i).inner_text() for i in range(marks.count()))

    # Removing the article takes it out of the corpus and out of the answers.
    page.get_by_role("tab", name="Corpus").click()
    pick = page.locator("#remove-pick input")
    pick.click()
    pick.fill("Kelvara")
    page.get_by_role("option", name="Kelvara", exact=False).first.click()
    stored = SERVED["index"] / "uploads" / "kelvara.md"
    assert stored.is_file()
    page.locator("#remove").click()
    page.locator("#ingest-status").get_by_text("Removed 1 article").wait_for()
    docs.get_by_text("Kelvara Orchards harvest report").wait_for(state="detached")
    assert not stored.exists()  # removing an upload deletes its file
    assert "uploaded file was deleted" in page.locator("#ingest-status").inner_text()


def test_article_markup_is_shown_as_text_and_never_runs(page, shots: Path):  # noqa: ANN001
    answer = ask(page, EVIL_Q, 0)
    assert "Ines Varga" in answer.inner_text()
    group = active_group(page)
    text = group.inner_text()
    assert "<script>window.__xss" in text and "<img src=x onerror=" in text  # the markup is visible as text
    assert group.locator(".card-title").first.inner_text().count("<img src=x") == 1  # the title's markup too
    assert group.locator("script, img").count() == 0
    assert page.locator("#chat img[src=x], #chat script").count() == 0
    page.get_by_role("tab", name="Corpus").click()
    # visible=True: the table also renders a hidden copy of its widest cell (to size the columns).
    page.locator("#docs").get_by_text("Zorblat Foundry report", exact=False).filter(visible=True).first.wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    page.screenshot(path=str(shots / "xss-as-text.png"))


def test_two_sessions_asking_at_once_both_get_answers(browser, server):  # noqa: ANN001
    contexts = [browser.new_context() for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    for pg in pages:
        pg.goto(server)
        pg.locator("#question textarea").fill(SEED_Q)
    for pg in pages:
        pg.locator("#ask").click()
    for pg in pages:
        pg.locator("#chat .answer.turn-0").wait_for(timeout=120_000)
        assert "Wall Street Journal" in pg.locator("#chat .answer.turn-0").inner_text()
    for c in contexts:
        c.close()


def test_ask_json_endpoint(server):  # noqa: ANN001
    from gradio_client import Client

    result = Client(server, verbose=False).predict(SEED_Q, api_name="/ask_json")
    assert result["refused"] is False and "Wall Street Journal" in result["answer"]
    c = result["citations"][0]
    assert (ROOT / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]


def test_briefing_tab_shows_cited_sections_and_exports(page, shots: Path):  # noqa: ANN001
    page.get_by_role("tab", name="Briefing").click()
    page.locator("#brief-topic input, #brief-topic textarea").first.fill("Musk's contacts with Putin")
    page.locator("#brief").click()
    report = page.locator("#briefing .briefing")
    report.wait_for(timeout=180_000)
    text = report.inner_text()
    for heading in ("Summary", "Key facts and figures", "Timeline", "Who's who", "Conflicting accounts",
                    "Open questions", "Sources"):
        assert heading in text
    assert "late 2022" in text and "date unknown" in text and "In June this year" in text
    assert report.locator(".cite-badge").count() >= 5
    marks = report.locator(".source-card mark")
    assert marks.count() >= 5
    original = " ".join((SEEDS / "000_1d78f71aed52c027.txt").read_text(encoding="utf-8").split()) + " ".join(
        (SEEDS / "004_b1b54881a5237c4c.txt").read_text(encoding="utf-8").split())
    assert all(" ".join(marks.nth(i).inner_text().split()) in original for i in range(marks.count()))
    assert report.locator(".conflicts .side.denial").count() >= 1
    page.screenshot(path=str(shots / "briefing.png"), full_page=True)
    with page.expect_download() as dl:
        page.locator("#brief-md").click()
    assert Path(dl.value.path()).read_text(encoding="utf-8").startswith("# Briefing: Musk's contacts with Putin")
    with page.expect_download() as dl:
        page.locator("#brief-docx").click()
    word = docx_texts(Path(dl.value.path()))
    assert word["paragraphs"][0] == "Briefing: Musk's contacts with Putin" and word["footnotes"]


def test_check_tab_labels_pasted_claims(page, shots: Path):  # noqa: ANN001
    page.get_by_role("tab", name="Check").click()
    page.locator("#check-text textarea").fill(
        "Musk has put at least $75 million into a super PAC that supports Trump. "
        "SpaceX spent around $50 million on free Starlink services for Ukraine. "
        "Tesla plans to build a new battery factory in Poland next year.")
    page.locator("#check").click()
    result = page.locator("#check-result .check")
    result.wait_for(timeout=180_000)
    claims = result.locator(".claim")
    assert claims.count() == 3
    assert [(claims.nth(i).get_attribute("class") or "").split()[-1] for i in range(3)] == [
        "supported", "contradicted", "not_found"]
    assert "1 of 3 claims supported" in result.inner_text()
    assert "$75 million" in claims.nth(0).locator("blockquote").inner_text()
    page.screenshot(path=str(shots / "check.png"), full_page=True)
    # the evidence opens in the viewer, at its span
    evidence = claims.nth(0).locator("blockquote").inner_text()
    claims.nth(0).locator("a.open-article").click()
    focus = viewer_frame(page).locator("mark.focus")
    assert " ".join(focus.first.inner_text().split()) == " ".join(evidence.split())
    assert in_view(page, focus.first)
    close_viewer(page)


def test_briefing_of_an_article_full_of_markup_shows_it_as_text(page):  # noqa: ANN001
    page.get_by_role("tab", name="Briefing").click()
    page.locator("#brief-topic input, #brief-topic textarea").first.fill("Zorblat Foundry telescopes")
    page.locator("#brief").click()
    report = page.locator("#briefing .briefing")
    report.wait_for(timeout=180_000)
    assert "Ines Varga" in report.inner_text()
    assert report.locator("script, img").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_date_filter_says_what_it_leaves_out(page, shots: Path):  # noqa: ANN001
    page.locator("#chat-since input, #chat-since textarea").first.fill("2025-01-01")
    answer = ask(page, SEED_Q, 0)
    text = answer.inner_text()
    assert "undated articles are outside this range" in text and "1 dated article is outside" in text, text
    page.screenshot(path=str(shots / "chat-date-filter-note.png"))


def test_briefing_sources_one_card_per_passage(page):  # noqa: ANN001
    page.get_by_role("tab", name="Briefing").click()
    page.locator("#brief-topic textarea, #brief-topic input").first.fill("Musk's contacts with Putin")
    page.locator("#brief").click()
    cards = page.locator("#briefing .source-card")
    cards.first.wait_for(timeout=180_000)
    ns = [cards.nth(i).get_attribute("data-ns").split() for i in range(cards.count())]
    flat = [n for group in ns for n in group]
    assert len(flat) == len(set(flat))  # each citation on one card
    assert any(len(g) >= 2 for g in ns)  # quotes of one passage share its card
    merged = cards.nth(next(i for i, g in enumerate(ns) if len(g) >= 2))
    assert merged.locator("mark").count() >= 2
    passages = [cards.nth(i).locator(".passage").inner_text() for i in range(cards.count())]
    assert len(passages) == len(set(passages))  # no two near-identical cards


def test_corpus_search_and_a_readable_upload_error(page):  # noqa: ANN001
    page.get_by_role("tab", name="Corpus").click()
    docs = page.locator("#docs")
    docs.get_by_text("004_b1b54881a5237c4c", exact=False).first.wait_for(timeout=60_000)
    page.locator("#corpus-search input, #corpus-search textarea").first.fill("004_")
    page.locator("#doc-count").get_by_text("matching").wait_for()
    assert "1 matching" in page.locator("#doc-count").inner_text()
    docs.get_by_text("000_1d78f71aed52c027", exact=False).first.wait_for(state="detached")
    page.locator("#ingest").click()  # no file chosen
    page.locator("#ingest-status").get_by_text("Choose .txt").wait_for()
    assert page.get_by_text("Error", exact=True).count() == 0  # one message, no red error badges
    assert docs.get_by_text("004_b1b54881a5237c4c", exact=False).count() >= 1  # the list still works


def test_empty_inputs_get_a_hint_exports_wait_for_content_and_up_arrow_recalls(page, shots: Path):  # noqa: ANN001
    # Nothing to export yet: no export button in the chat.
    assert not page.locator("#export").is_visible() and not page.locator("#export-docx").is_visible()
    # An empty Briefing or Check input is answered with a hint where the report goes, never a red "Error".
    page.get_by_role("tab", name="Briefing").click()
    page.locator("#brief").click()
    page.locator("#briefing .report-hint").get_by_text("Type a topic first").wait_for()
    assert not page.locator("#brief-md").is_visible() and not page.locator("#brief-docx").is_visible()
    page.get_by_role("tab", name="Check").click()
    page.locator("#check").click()
    page.locator("#check-result .report-hint").get_by_text("Paste a text to check first").wait_for()
    assert page.get_by_text("Error", exact=True).count() == 0
    assert not page.locator("#check-md").is_visible() and not page.locator("#check-json").is_visible()
    assert not page.locator("#check-docx").is_visible()
    page.screenshot(path=str(shots / "check-empty-hint.png"))
    # A check gives something to export: its buttons appear.
    page.locator("#check-text textarea").fill("Musk has put at least $75 million into a super PAC that supports "
                                              "Trump.")
    page.locator("#check").click()
    page.locator("#check-result .check").wait_for(timeout=180_000)
    page.locator("#check-md").wait_for(state="visible")
    assert page.locator("#check-json").is_visible()
    with page.expect_download() as dl:  # the Check tab's Word export
        page.locator("#check-docx").click()
    word = docx_texts(Path(dl.value.path()))
    assert word["paragraphs"][0] == "Grounding check" and word["footnotes"]
    assert any(p.startswith("Supported: Musk has put at least $75 million") for p in word["paragraphs"])

    # The chat's exports appear with the first answer and go with New chat.
    page.get_by_role("tab", name="Chat").click()
    ask(page, SEED_Q, 0)
    page.locator("#export").wait_for(state="visible")
    assert page.locator("#export-docx").is_visible()
    # Up-arrow in the empty question box brings the last question back, ready to edit and ask again.
    box = page.locator("#question textarea")
    assert box.input_value() == ""
    box.focus()
    page.keyboard.press("ArrowUp")
    assert box.input_value() == SEED_Q
    page.keyboard.press("End")
    page.keyboard.type(" Which month?")
    assert box.input_value() == SEED_Q + " Which month?"
    box.fill("")
    page.locator("#new-chat").click()
    page.locator("#export").wait_for(state="hidden")
    assert not page.locator("#export-docx").is_visible()


def test_api_docs_render_with_no_network(browser, server):  # noqa: ANN001
    """Every request that leaves the app's own server is refused; the docs page still shows every route."""
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route) -> None:  # noqa: ANN001
        if route.request.url.startswith(server.rstrip("/")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    pg = context.new_page()
    pg.goto(server.rstrip("/") + "/api/docs")
    body = pg.locator("body")
    for route in ("/ask", "/search", "/brief", "/check", "/documents"):
        assert pg.locator(".route .path", has_text=route).first.is_visible(), route
    assert "Answer a question; every sentence cited" in body.inner_text()
    assert outside == [], outside
    context.close()


def viewer_frame(page):  # noqa: ANN001, ANN201
    """The article viewer's panel inside the app, once open; its page (the frame)."""
    page.locator("#viewer-modal.open iframe").wait_for()
    frame = page.frame_locator("#viewer-modal iframe")
    frame.locator(".text").wait_for()
    return frame


def in_view(page, element) -> bool:  # noqa: ANN001
    """The element is inside the viewer panel's visible part (the frame was scrolled to it)."""
    box, frame = element.bounding_box(), page.locator("#viewer-modal iframe").bounding_box()
    return box is not None and frame["y"] <= box["y"] < frame["y"] + frame["height"]


def close_viewer(page) -> None:  # noqa: ANN001
    page.keyboard.press("Escape")
    page.locator("#viewer-modal.open").wait_for(state="detached")


def test_a_source_card_opens_the_article_at_its_highlighted_span(page, shots: Path):  # noqa: ANN001
    answer = ask(page, SEED_Q, 0)
    assert "Wall Street Journal" in answer.inner_text()
    card = active_group(page).locator(".source-card").first
    name = card.locator(".card-meta code").inner_text()
    quote = card.locator("mark").first.inner_text()
    # every quote of this article in the answer: the viewer marks the others too
    quotes_here = sum(c.locator("mark").count() for c in active_group(page).locator(".source-card").all()
                      if c.locator(".card-meta code").inner_text() == name)
    card.locator("a.open-article").click()  # opens inside the app, not in a new tab
    frame = viewer_frame(page)
    assert len(page.context.pages) == 1
    focus = frame.locator("mark.focus")
    assert " ".join(focus.first.inner_text().split()) == " ".join(quote.split())
    assert frame.locator("mark:not(.focus)").count() >= quotes_here - 1
    # the whole article is there, scrolled to the quote
    original = (ROOT / name).read_text(encoding="utf-8")
    assert " ".join(frame.locator(".text").inner_text().split()) == " ".join(original.split())
    assert in_view(page, focus.first)
    tab = page.locator("#viewer-modal .viewer-tab").get_attribute("href")
    assert tab.startswith("/api/view/") and "span=" in tab  # the stable address, for a new tab
    page.screenshot(path=str(shots / "article-viewer-panel.png"))
    close_viewer(page)


def test_a_corpus_row_opens_its_article(page):  # noqa: ANN001
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#docs").get_by_text("004_b1b54881a5237c4c", exact=False).first.wait_for(timeout=60_000)
    page.locator("#corpus-search input, #corpus-search textarea").first.fill("004_")
    page.locator("#doc-count").get_by_text("matching").wait_for()
    assert "1 matching" in page.locator("#doc-count").inner_text()
    link = page.locator("#docs a", has_text="open").filter(visible=True).first
    assert "/api/view/" in (link.get_attribute("href") or "")
    link.click()
    frame = viewer_frame(page)
    original = (SEEDS / "004_b1b54881a5237c4c.txt").read_text(encoding="utf-8")
    assert " ".join(frame.locator(".text").inner_text().split()) == " ".join(original.split())
    close_viewer(page)


def test_corpus_search_finds_words_of_the_text(page):  # noqa: ANN001
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#docs").get_by_text("004_b1b54881a5237c4c", exact=False).first.wait_for(timeout=60_000)
    page.locator("#corpus-search input, #corpus-search textarea").first.fill("Douro")  # in the text, not the title
    page.locator("#doc-count").get_by_text("matching").wait_for()
    assert "1 matching “Douro” (1 by their text)" in page.locator("#doc-count").inner_text()
    page.locator("#docs").get_by_text("Zorblat Foundry report", exact=False).filter(visible=True).first.wait_for()


def pick(page, picker: str, text: str) -> None:  # noqa: ANN001
    """Choose the option of a dropdown (by its elem_id) whose label contains ``text``."""
    box = page.locator(f"#{picker} input")
    box.click()
    box.fill(text)
    page.get_by_role("option", name=text, exact=False).first.click()
    page.keyboard.press("Escape")


def test_passage_search_marks_the_terms_and_opens_the_passage(page, shots: Path):  # noqa: ANN001
    page.get_by_role("tab", name="Search").click()
    page.locator("#search-query input, #search-query textarea").first.fill("Starlink Taiwan")
    page.locator("#search").click()
    hits = page.locator("#search-results .search-hit")
    hits.first.wait_for(timeout=60_000)
    first = hits.first
    terms = {m.inner_text().lower() for m in first.locator("mark.term").all()}
    assert terms and all(t.startswith(("starlink", "taiwan")) for t in terms), terms  # "Taiwan’s" too
    page.screenshot(path=str(shots / "passage-search.png"))
    passage = first.locator(".hit-text").inner_text()
    first.locator("a.open-article").click()
    frame = viewer_frame(page)
    focus = frame.locator("mark.focus")
    assert " ".join(" ".join(m.inner_text() for m in focus.all()).split()) == " ".join(passage.split())
    assert in_view(page, focus.first)
    close_viewer(page)
    # the section picker narrows the search too: only the Zorblat article's folder
    pick(page, "search-sections", "articles")
    page.locator("#search").click()
    page.locator("#search-results .hit-meta code", has_text="seeds/").first.wait_for(state="detached")
    names = page.locator("#search-results .hit-meta code").all_inner_texts()
    assert names and all(n.endswith("zorblat.txt") for n in names), names


def test_section_and_document_pickers_narrow_a_chat(page, shots: Path):  # noqa: ANN001
    pick(page, "chat-sections", "seeds")  # the seeds' folder only: the Zorblat article is out of reach
    refused = ask(page, EVIL_Q, 0)
    assert "refusal" in (refused.get_attribute("class") or "") and "Ines Varga" not in refused.inner_text()
    page.screenshot(path=str(shots / "chat-section-picker.png"))
    page.locator("#new-chat").click()
    page.locator("#chat .answer").first.wait_for(state="detached")
    page.locator("#chat-sections .token-remove, #chat-sections [aria-label='Remove']").first.click()
    pick(page, "chat-docs", "004_b1b54881a5237c4c")  # ask only this document
    answer = ask(page, "What did Musk say about Putin?", 0)
    names = active_group(page).locator(".card-meta code").all_inner_texts()
    assert names and all("004_b1b54881a5237c4c" in n for n in names), names
    assert "refusal" not in (answer.get_attribute("class") or "")


def test_a_briefing_with_a_filter(page, shots: Path):  # noqa: ANN001
    page.get_by_role("tab", name="Briefing").click()
    pick(page, "brief-docs", "004_b1b54881a5237c4c")
    page.locator("#brief-topic input, #brief-topic textarea").first.fill("Musk's contacts with Putin")
    page.locator("#brief").click()
    report = page.locator("#briefing .briefing")
    report.wait_for(timeout=180_000)
    names = report.locator(".source-card .card-meta code").all_inner_texts()
    assert names and all("004_b1b54881a5237c4c" in n for n in names), names
    page.screenshot(path=str(shots / "briefing-filtered.png"), full_page=True)


def test_a_suggested_follow_up_is_answered_when_clicked(page, shots: Path):  # noqa: ANN001
    answer = ask(page, "Why did Kahl think Musk had become nervous?", 0)
    suggestions = answer.locator(".follow-up")
    suggestions.first.wait_for()
    assert 1 <= suggestions.count() <= 3
    asked = suggestions.first.inner_text().strip()
    page.screenshot(path=str(shots / "chat-follow-ups.png"))
    suggestions.first.click()
    followed = page.locator("#chat .answer.turn-1")
    followed.wait_for(timeout=120_000)
    assert page.locator("#chat .question").last.inner_text().strip() == asked
    assert "refusal" not in (followed.get_attribute("class") or "")
    assert followed.locator(".cite-badge").count() >= 1


def test_a_date_set_for_a_folder_dates_its_undated_articles(page):  # noqa: ANN001
    page.get_by_role("tab", name="Corpus").click()
    docs = page.locator("#docs")
    docs.get_by_text("Zorblat Foundry report", exact=False).filter(visible=True).first.wait_for(timeout=60_000)
    assert docs.get_by_text("2003-05-01").count() == 0
    pick(page, "date-pick", "folder: articles")
    page.locator("#date-value input, #date-value textarea").first.fill("2003-05-01")
    page.locator("#set-date").click()
    page.locator("#ingest-status").get_by_text("folder articles: 1 undated article dated 2003-05-01").wait_for()
    docs.get_by_text("2003-05-01").filter(visible=True).first.wait_for()  # the Zorblat article's row
    # cleared again (an empty date): undated, as the other tests expect
    page.locator("#date-value input, #date-value textarea").first.fill("")
    page.locator("#set-date").click()
    page.locator("#ingest-status").get_by_text("no longer dated").wait_for()
    docs.get_by_text("2003-05-01").first.wait_for(state="detached")
