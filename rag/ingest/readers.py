"""Readers for saved web pages, PDF and Word files: canonical text and the document's own metadata.

Each reader returns a ``Parsed``: the canonical text (every citation offset points into it) and the title, author
and date the file itself gives. Plain text and Markdown stay in ``rag.ingest.documents`` (their canonical text is the
file's own text).

- Web pages: trafilatura (Apache-2.0; publication dates through htmldate) keeps the article's main text and drops
  boilerplate (cookie banners, menus, share bars, related links, reader comments, footers).
- PDF: pypdfium2 (Apache-2.0/BSD-3). Pages are joined with ``PAGE_BREAK`` so a citation's page follows from its
  offset (:func:`page_of`); lines a PDF wrapped inside a paragraph are rejoined, since a line break ends a
  sentence for the chunker.
- Word: python-docx (MIT): paragraphs and table cells in document order.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import BadInput

PAGE_BREAK = "\n\f"  # between PDF pages: a line break (no sentence spans two pages) and a form feed (a page count)
_TERMINAL = re.compile(r"[.!?:;…][\"'”’)\]]*$")
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")


class ReadError(BadInput):
    """The file is not a readable document of its kind; the message says why in a few words."""


@dataclass(frozen=True)
class Parsed:
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD


def page_of(text: str, offset: int) -> int:
    """The 1-based page an offset of a paged (PDF) canonical text falls on."""
    return text.count("\f", 0, offset) + 1


def page_for(source: str, text: str, offset: int) -> int | None:
    """A citation's page: for PDFs (and texts with form feeds, which mark pages); None for unpaged documents."""
    if source.lower().endswith(".pdf") or "\f" in text:
        return page_of(text, offset)
    return None


def page_starts(text: str) -> list[int]:
    """Offsets where each page of a paged canonical text starts (just after its form feed)."""
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\f"]


def document_view(info: Any, text: str, shown_source: str) -> dict:
    """A document as ``rag show --json`` and ``GET /api/documents/{id}`` give it: metadata and canonical text."""
    paged = page_for(info.source, text, 0) is not None
    return {"source": shown_source, "path": info.source, "doc_id": info.doc_id, "title": info.title,
            "date": info.date, "author": info.author, "format": Path(info.source).suffix.lower().lstrip("."),
            "encoding": info.encoding,
            "sha": info.sha, "n_passages": info.n_passages, "chars": len(text),
            "pages": len(page_starts(text)) if paged else None, "page_starts": page_starts(text) if paged else None,
            "text": text}


# -- web pages ---------------------------------------------------------------------------------------------
def read_html(markup: str) -> Parsed | None:
    """The article of a saved web page, or None when trafilatura finds no main text (the caller falls back)."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(markup, include_comments=False, include_tables=True, with_metadata=True,
                                          deduplicate=False)
    except Exception:  # noqa: BLE001 - malformed markup: the caller falls back to the visible text
        return None
    if doc is None or not (doc.text or "").strip():
        return None
    text = "\n".join(ln.strip() for ln in doc.text.splitlines() if ln.strip())
    title = strip_site_suffix(doc.title or "", doc.sitename) or None
    return Parsed(text, title, (doc.author or "").strip() or None, _iso_date(doc.date))


def strip_site_suffix(title: str, sitename: str | None = None) -> str:
    """``"Story | Site"`` or ``"Story - Site"`` -> ``"Story"``: the last part goes when it names the site or is short
    next to the rest (a site name, not half of the headline)."""
    title = " ".join(title.split())
    for sep in _TITLE_SEPARATORS:
        if sep not in title:
            continue
        head, tail = title.rsplit(sep, 1)
        site = (sitename or "").strip().lower()
        if site and (tail.lower() in site or site in tail.lower()):
            return head.strip()
        if len(tail.split()) <= 4 and len(head.split()) >= 3 and len(tail) < len(head):
            return head.strip()
    return title


def _iso_date(value: str | None) -> str | None:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    return m.group(0) if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31 else None


# -- PDF ---------------------------------------------------------------------------------------------------
def read_pdf(raw: bytes) -> Parsed:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as e:
        raise ReadError(f"not a readable PDF ({e})") from None
    try:
        pages = [_pdf_page_lines(pdf, i) for i in range(len(pdf))]
        meta = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    pages = drop_running_lines(pages)
    width = line_width([ln for page in pages for ln in page])
    text = rejoin_hyphenated(PAGE_BREAK.join(unwrap_lines("\n".join(page), width) for page in pages))
    return Parsed(text, _one_line(meta.get("Title")), _one_line(meta.get("Author")))


def _pdf_page_lines(pdf: Any, i: int) -> list[str]:
    """One page's lines; a page that cannot be loaded or read (a page tree that loops, a broken content stream) is a
    ReadError naming the page: the file is skipped with a warning, the rest of the folder is ingested."""
    import pypdfium2 as pdfium

    try:
        page = pdf[i]
        try:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
        finally:
            page.close()
    except (pdfium.PdfiumError, ValueError, OSError) as e:
        raise ReadError(f"page {i + 1} of the PDF cannot be read ({' '.join(str(e).split()) or type(e).__name__})") \
            from None
    return [" ".join(ln.split()) for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


_SOFT_HYPHEN = "\ufffe"  # pdfium's mark for a hyphen that ended a line: the line break is already gone
_HYPHENATED = re.compile(rf"(\w+){_SOFT_HYPHEN}(\w+)")


def rejoin_hyphenated(text: str) -> str:
    """A word a line break hyphenated, whole again where the document spells it whole elsewhere ('manage-' /
    'ment'); kept with its hyphen otherwise ('pre-' / 'tax'), since a hyphen may be the word's own."""
    if _SOFT_HYPHEN not in text:
        return text
    words = set(re.findall(r"\w+", text.replace(_SOFT_HYPHEN, " ").lower()))

    def join(m: re.Match[str]) -> str:
        whole = m.group(1) + m.group(2)
        return whole if whole.lower() in words else f"{m.group(1)}-{m.group(2)}"

    return _HYPHENATED.sub(join, text).replace(_SOFT_HYPHEN, "-")


# -- running headers, footers and page numbers ---------------------------------------------------------------
EDGE_LINES = 3  # running headers and footers are looked for among a page's first and last lines only
_PAGE_NUMBER = re.compile(r"(?i)^[-–—(\[\s]*(?:page|p\.|seite|pagina|página)?\s*\d{1,3}\s*(?:(?:of|/|von|de|sur)"
                          r"\s*\d{1,3})?[-–—)\]\s]*$")


def _shape(line: str) -> str:
    """A line with its numbers blanked: a running header or footer that carries the page number ('Page 2 of 5',
    'https://example.com/story 2/5') has the same shape on every page."""
    return re.sub(r"\d+", "#", line.lower())


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without what a printer or word processor repeats on each of them: a line among a page's first or last
    ``EDGE_LINES`` whose shape (numbers blanked) recurs at the edge of at least half the pages (and two), and
    page numbers ('3', 'Page 3 of 5', '- 3 -', '3/5') standing alone at a page's edge."""
    def edges(page: list[str]) -> set[int]:
        kept = [i for i, ln in enumerate(page) if ln]
        return set(kept[:EDGE_LINES] + kept[-EDGE_LINES:])

    counts: dict[str, int] = {}
    for page in pages:
        for shape in {_shape(page[i]) for i in edges(page)}:
            counts[shape] = counts.get(shape, 0) + 1
    need = max(2, (len(pages) + 1) // 2)
    running = {shape for shape, n in counts.items() if n >= need}
    out = []
    for page in pages:
        drop = {i for i in edges(page) if _shape(page[i]) in running or _PAGE_NUMBER.match(page[i])}
        out.append([ln for i, ln in enumerate(page) if i not in drop])
    return out


# -- wrapped lines -------------------------------------------------------------------------------------------
FULL_LINE = 0.7  # a line at least this share of the text's width ran into the right margin: the PDF wrapped it


def line_width(lines: list[str]) -> int:
    """The text column's width in characters: the length the longest lines reach (the 90th percentile, so one
    overlong line, a URL or a table row, does not set it)."""
    lengths = sorted(len(ln) for ln in lines if len(ln.split()) >= 4)
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def unwrap_lines(page: str, width: int = 0) -> str:
    """A PDF page's text with the lines it wrapped inside a sentence joined again.

    A line that does not end a sentence continues on the next when it is full (at least ``FULL_LINE`` of ``width``,
    the column's width: it ran into the margin, as browsers and word processors wrap, whatever the next line starts
    with: 'pre-tax profit of' / '£86.4m'), when the next starts in lower case, or when it ends with a comma, hyphen
    or open bracket. A short line before a capitalised one or a figure (a headline, its dateline) stays."""
    lines = [ln.strip() for ln in page.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    piece = ""  # the last line read: whether it was full is judged on it, not on the lines joined before it
    for ln in lines:
        if not ln:
            if out and out[-1]:
                out.append("")
            continue
        prev = out[-1] if out else ""
        if prev and not _TERMINAL.search(prev) and _continues(piece, ln, width):
            out[-1] = prev + ("" if prev.endswith("-") and ln[0].islower() else " ") + ln
        else:
            out.append(ln)
        piece = ln
    return "\n".join(x for x in out if x)


def _continues(line: str, following: str, width: int) -> bool:
    full = width > 0 and len(line) >= FULL_LINE * width and len(line.split()) >= 4
    return full or following[0].islower() or line[-1] in ",-("


# -- Word --------------------------------------------------------------------------------------------------
MAX_ZIP_ENTRIES = 1000  # a Word file has a few dozen parts
MAX_UNZIPPED_MB = 64  # a Word article unpacks to a few MB (its XML and pictures)


def check_zip(raw: bytes, kind: str) -> None:
    """A zip-based file's parts counted and their sizes summed before anything is decompressed, so a zip bomb is
    refused at the cost of reading its directory. The sizes the directory declares bound what reading costs:
    Python's zipfile never inflates a part beyond its declared size (and a part that lies fails its CRC)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        raise ReadError(f"not a readable {kind} ({' '.join(str(e).split())})") from None
    if len(parts) > MAX_ZIP_ENTRIES:
        raise ReadError(f"not a readable {kind}: {len(parts)} parts inside (more than {MAX_ZIP_ENTRIES})")
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNZIPPED_MB * 1024 * 1024:
        raise ReadError(f"not a readable {kind}: it unpacks to {unpacked // (1024 * 1024)} MB (more than "
                        f"{MAX_UNZIPPED_MB} MB)")


def read_docx(raw: bytes) -> Parsed:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(raw, "Word file")
    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError) as e:
        raise ReadError(f"not a readable Word file ({e})") from None
    except Exception as e:  # noqa: BLE001 - a corrupt zip or XML: one line, not a traceback
        raise ReadError(f"not a readable Word file ({type(e).__name__})") from None
    lines: list[str] = []
    heading: str | None = None
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):  # a table: one line per row, cells separated
            for row in block.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                if any(cells):
                    lines.append(" | ".join(dict.fromkeys(cells)))
            continue
        text = " ".join(block.text.split())
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        if heading is None and (style == "Title" or style.startswith("Heading")):
            heading = text
        lines.append(text)
    props = document.core_properties
    return Parsed("\n".join(lines), _one_line(props.title) or heading, _one_line(props.author))


def _one_line(value: str | None) -> str | None:
    return " ".join((value or "").split()) or None
