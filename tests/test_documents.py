from pathlib import Path

import pytest
from conftest import SEEDS, file_text

from rag.ingest.documents import BadFile, find_files, parse_html, read_document


def test_seed_with_date_header():
    doc = read_document(SEEDS / "000_1d78f71aed52c027.txt")
    assert doc.date == "2024-10-25"
    assert doc.text == file_text(SEEDS / "000_1d78f71aed52c027.txt")
    assert doc.text[doc.body_start:].startswith("According to sources")
    assert doc.title == "000_1d78f71aed52c027.txt"  # no headline: the file name, never a body sentence


def test_seed_without_date_or_headline():
    doc = read_document(SEEDS / "004_b1b54881a5237c4c.txt")
    assert doc.date is None and doc.body_start == 0
    assert doc.title == "004_b1b54881a5237c4c.txt"


def test_html_visible_text_title_and_meta_date():
    markup = """<html><head><title>Bats &amp; drugs</title>
    <meta property="article:published_time" content="2005-02-07T10:00:00Z">
    <script>var x = "hidden";</script><style>p {color: red}</style></head>
    <body><h1>Headline</h1><p>First para with <b>bold</b> text.</p><p>Second &lt;para&gt;.</p></body></html>"""
    text, title, date = parse_html(markup)
    assert title == "Bats & drugs" and date == "2005-02-07"
    assert text == "Headline\nFirst para with bold text.\nSecond <para>."
    assert "hidden" not in text and "color" not in text


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"), (b"   \n\t ", "empty"), (b"\x00\x01binary\x00", "not text"),
    (b"\xff\xfe\x00\xd8", "not text"),  # a UTF-16 byte-order mark, then half a surrogate pair
    (bytes(range(1, 256)) * 4, "not text"),  # no NUL, not UTF-8: some code page maps it, but it is no text
])
def test_bad_files_are_rejected_with_a_reason(tmp_path: Path, content: bytes, reason: str):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(BadFile, match=reason):
        read_document(f)


TEXT = "Café prices rose by 3% in München, a “pre-tax” £86.4m.\nThe naïve señor paid €5."


@pytest.mark.parametrize("encoding, named", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("utf-16", "utf-16"), ("utf-32", "utf-32"), ("cp1252", "cp1252"),
])
def test_text_in_a_common_encoding_is_read_and_its_encoding_recorded(tmp_path: Path, encoding: str, named: str):
    f = tmp_path / "article.txt"
    f.write_bytes(TEXT.encode(encoding))
    doc = read_document(f)
    assert doc.text == TEXT and doc.encoding == named and doc.title == "article.txt"


def test_latin1_text_is_read_by_detection_only_when_not_utf8(tmp_path: Path):
    f = tmp_path / "latin.txt"
    f.write_bytes("Mutu, a £15.8m signing from Parma, was sacked.\nCafé au lait à Zürich.".encode("latin-1"))
    doc = read_document(f)
    assert doc.encoding == "cp1252" and "£15.8m" in doc.text and "Zürich" in doc.text
    assert doc.text == f.read_bytes().decode("latin-1")  # offsets count the same characters as the file's bytes
    # UTF-8 that a detector might read otherwise stays UTF-8
    f.write_bytes("Ã© is mojibake, but valid UTF-8.".encode())
    assert read_document(f).encoding == "utf-8" and read_document(f).text.startswith("Ã©")


def test_a_cyrillic_legacy_file_is_detected(tmp_path: Path):
    text = "Правительство объявило о новых мерах поддержки экономики в понедельник вечером."
    f = tmp_path / "ru.txt"
    f.write_bytes(text.encode("cp1251"))
    doc = read_document(f)
    assert doc.text == text and doc.encoding == "cp1251"


def test_a_web_page_in_cp1252_is_read(tmp_path: Path):
    f = tmp_path / "page.html"
    f.write_bytes("<html><head><title>Caf\xe9 prices</title></head><body><p>Caf\xe9 prices rose to \xa33.</p>"
                  "</body></html>".encode("cp1252"))
    doc = read_document(f)
    assert "Café prices rose to £3." in doc.text and doc.encoding == "cp1252"


def test_find_files_recurses_and_filters_types(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/x.txt", "a/b/y.md", "a/b/z.html", "a/w.pdf", "a/v.docx", "a/skip.odt", "a/skip.doc"):
        (tmp_path / name).write_text("hello world.")
    names = sorted(p.name for p in find_files([tmp_path]))
    assert names == ["v.docx", "w.pdf", "x.txt", "y.md", "z.html"]
    with pytest.raises(FileNotFoundError):
        find_files([tmp_path / "missing"])


def test_dateline_in_the_first_lines_dates_an_article_without_a_header():
    from rag.ingest.documents import dateline, parse_plain

    assert dateline("14 November 2005") == "2005-11-14"
    assert dateline("Monday 14 November 2005, 10:32 GMT") == "2005-11-14"
    assert dateline("November 14, 2005") == "2005-11-14"
    assert dateline("Published: 3 Jan 2005") == "2005-01-03"
    assert dateline("Sales rose on 14 November 2005.") is None  # a sentence, not a dateline
    assert dateline("31 February 2005") is None
    text, title, date, _ = parse_plain("14 November 2005\nGlazer makes new bid\n\nThe bid was made.\n")
    assert (title, date, text) == ("Glazer makes new bid", "2005-11-14", text)
    assert parse_plain("Glazer makes new bid\nMonday 14 November 2005, 10:32 GMT\nText.")[2] == "2005-11-14"
    assert parse_plain("Headline\n\nOne.\n\nTwo.\n\n14 November 2005\n")[2] is None  # too far down: the story's own
    assert parse_plain(" date 2024-10-25 Title here.\nMore")[2] == "2024-10-25"  # the header wins


def test_folder_ingest_skips_files_that_are_not_articles(tmp_path):
    from rag.ingest.documents import find_files

    for name in ("README.TXT", "LICENSE.md", "licence.txt", "CHANGELOG.md", "001.txt", "readme_notes_on_x.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in find_files([tmp_path])] == ["001.txt"]
    assert [p.name for p in find_files([tmp_path / "README.TXT"])] == ["README.TXT"]  # named: ingested
