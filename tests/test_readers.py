"""Reading saved web pages, PDF and Word files (rag/ingest/readers.py through rag.ingest.documents.read_document),
and titles."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS, file_text
from format_fixtures import (
    BOILERPLATE,
    DATA,
    DOCX_ANSWER,
    DOCX_TITLE,
    PAGES,
    PDF_ANSWER,
    PDF_TITLE,
    make_docx,
    make_pdf,
    make_printed_pdf,
)
from pdf_writer import write_pdf

from rag.ingest.documents import BadFile, parse_html, read_document
from rag.ingest.readers import drop_running_lines, page_for, page_of, strip_site_suffix, unwrap_lines


@pytest.mark.parametrize("name", sorted(PAGES))
def test_saved_page_keeps_the_article_and_nothing_around_it(name: str):
    title, date, author, sentence = PAGES[name]
    doc = read_document(DATA / name)
    assert (doc.title, doc.date, doc.author) == (title, date, author)
    assert sentence in doc.text
    for phrase in BOILERPLATE:
        assert phrase.lower() not in doc.text.lower(), phrase
    # What the page reader replaced: all visible text, banner, menu and comments included.
    old_text, _, _ = parse_html((DATA / name).read_text(encoding="utf-8"))
    assert sum(p.lower() in old_text.lower() for p in BOILERPLATE) >= 10


@pytest.mark.parametrize("raw, site, expected", [
    ("Story of the day | The Gazette", "The Gazette", "Story of the day"),
    ("Rail operator orders 24 battery trains - The Valley Courier", None, "Rail operator orders 24 battery trains"),
    ("Rail operator orders trains – Courier", "The Valley Courier", "Rail operator orders trains"),
    ("Brexit - what happens next for the Irish border", None, "Brexit - what happens next for the Irish border"),
    ("Plain headline", None, "Plain headline"),
])
def test_site_suffix_is_cut_from_page_titles(raw: str, site: str | None, expected: str):
    assert strip_site_suffix(raw, site) == expected


def test_page_without_article_keeps_its_visible_text_and_uses_the_title_tag(tmp_path: Path):
    f = tmp_path / "short.html"
    f.write_text("<html><head><title>Opening hours | Town library</title></head><body><p>Open 9 to 5.</p>"
                 "</body></html>", encoding="utf-8")
    doc = read_document(f)
    assert "Open 9 to 5." in doc.text and doc.title == "Opening hours"


def test_pdf_pages_title_and_page_of_each_offset(tmp_path: Path):
    doc = read_document(make_pdf(tmp_path))
    assert doc.title == PDF_TITLE and doc.author == "Westmere Harbour Trust"
    assert doc.text.count("\f") == 2  # three pages
    start = doc.text.index(PDF_ANSWER)
    assert page_of(doc.text, start) == 2 and page_for(doc.source, doc.text, start) == 2
    assert page_of(doc.text, doc.text.index("Ship arrivals")) == 1
    assert page_of(doc.text, doc.text.index("second dredger")) == 3
    # The line the PDF wrapped inside the sentence is joined again (a line break would end the sentence).
    assert f"{PDF_ANSWER}, up from 2.1 million euros the year before" in doc.text


def test_pdf_without_title_is_named_by_its_file_and_broken_pdfs_are_refused(tmp_path: Path):
    doc = read_document(write_pdf(tmp_path / "scan_0042.pdf", [["Some text on one page."]]))
    assert doc.title == "scan_0042.pdf"
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(BadFile, match="not a readable PDF"):
        read_document(bad)


def test_unwrap_keeps_headlines_and_paragraphs_apart():
    page = "Finances\r\n\r\nIncome rose to 14 million,\r\nhelped by ferries.\r\nThe trust\r\nends the year.\r\nNew Head"
    assert unwrap_lines(page) == ("Finances\nIncome rose to 14 million, helped by ferries.\nThe trust ends the year."
                                  "\nNew Head")


def test_a_browser_printed_pdf_loses_its_header_footer_and_page_numbers_and_keeps_whole_sentences(tmp_path: Path):
    doc = read_document(make_printed_pdf(tmp_path))
    pages = doc.text.split("\f")
    assert len(pages) == 2
    for gone in ("15:20", "coastlinegazette.example", "1/2", "2/2", "| Coastline Gazette"):
        assert gone not in doc.text, gone
    assert pages[0].startswith("Westmere Ferries profit rises as Skarholm route fills\n14 March 2024\n")
    assert ("reported a pre-tax profit of £86.4m for 2023 on Thursday, helped by strong demand on the new route to "
            "Skarholm, compared with £71.9m a year earlier.") in doc.text
    assert "shipbuilder Halvorsen and Stroud in Brenn, Ms Lund said" in doc.text
    assert "the company had forecast when it opened." in doc.text


def test_a_word_processor_pdf_loses_page_x_of_y_and_its_running_header(tmp_path: Path):
    header = "Westmere Harbour Trust - Annual Report 2023"
    pages = [[header, "Finances", "",
              "Income from port dues reached 14.6 million euros in 2023, helped by the new ferry service and by",
              "Skarholm's growth. The board thanks the harbour staff for their work during the two winter",
              "storms, which closed the quays for nine days and delayed the channel's pre-", "tax budget works. The",
              "quays' management and the dredging manage-", "ment stay with the trust.",
              "Page 1 of 2"],
             [header, "Outlook", "", "The trust expects the tidal barrier works to close the inner harbour for six "
              "weeks in 2025.", "- 2 -"]]
    doc = read_document(write_pdf(tmp_path / "report.pdf", pages))
    assert header not in doc.text and "Page 1 of 2" not in doc.text and "- 2 -" not in doc.text
    assert doc.text.startswith("Finances\nIncome from port dues")
    assert "by Skarholm's growth." in doc.text and "delayed the channel's pre-tax budget works." in doc.text
    assert "The quays' management and the dredging management stay with the trust." in doc.text
    assert doc.text.split("\f")[1].strip() == ("Outlook\nThe trust expects the tidal barrier works to close the inner "
                                               "harbour for six weeks in 2025.")


def test_running_lines_are_only_those_at_every_page_edge():
    pages = [["Finances", "The trust met.", "Page 1"], ["Finances", "The trust met again.", "Page 2"],
             ["Outlook", "Finances", "More text.", "3"]]
    assert drop_running_lines(pages) == [["The trust met."], ["The trust met again."], ["Outlook", "More text."]]
    one = [["Annual Report", "A single page.", "1"]]  # one page: only a lone page number goes
    assert drop_running_lines(one) == [["Annual Report", "A single page."]]


def test_docx_paragraphs_table_and_first_heading_as_title(tmp_path: Path):
    doc = read_document(make_docx(tmp_path))
    assert doc.title == DOCX_TITLE
    assert DOCX_ANSWER in doc.text and "Pool closure | 9 for, 3 against" in doc.text
    assert page_for(doc.source, doc.text, 0) is None
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(BadFile, match="not a readable Word file"):
        read_document(bad)


def test_seeds_without_headline_are_titled_by_file_name_and_keep_their_text():
    for f in sorted(SEEDS.glob("*.txt")):
        doc = read_document(f)
        assert doc.title == f.name
        assert doc.text == file_text(f)  # canonical text of .txt is still the file's own text
        # Scoring and embedding read the lead line as the passages' context, not the file name.
        assert doc.context and doc.context[:20] in doc.text[doc.body_start:doc.body_start + 200]
    assert read_document(SEEDS / "000_1d78f71aed52c027.txt").date == "2024-10-25"


@pytest.mark.parametrize("text, title", [
    ("Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant TimeWarner jumped 76%.",
     "Ad sales boost Time Warner profit"),
    ("'My memories of Marley...'\n\nTo mark the 60th anniversary of the birth of Bob Marley, Rob writes.",
     "'My memories of Marley...'"),
    ("# Budget vote delayed\n\nThe vote was put off.", "Budget vote delayed"),
    ("The council met on Monday.\nIt voted to close the pool.", None),
    ("Is the pool closing?\nThe council met on Monday and voted.", None),
    ("A single line with no body", None),
])
def test_first_line_is_a_title_only_when_it_looks_like_a_headline(tmp_path: Path, text: str, title: str | None):
    f = tmp_path / "article.txt"
    f.write_text(text, encoding="utf-8")
    doc = read_document(f)
    assert doc.title == (title or "article.txt")
    assert doc.text == text
    assert (doc.context is None) == (title is not None)
