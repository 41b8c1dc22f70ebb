"""Reading article files into documents: canonical text, title, publication date, content hash."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date as calendar_date
from html.parser import HTMLParser
from pathlib import Path

from rag.errors import BadInput
from rag.ingest import readers
from rag.paths import shown_name

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
BINARY_SUFFIXES = (".pdf", ".docx")  # read by rag.ingest.readers from their bytes, not decoded as text
MAX_FILE_BYTES = 20 * 1024 * 1024  # a news article is KBs; larger files are almost surely not articles
_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "date", "pubdate", "publishdate",
    "publish-date", "dc.date", "dc.date.issued", "dcterms.date", "sailthru.date", "parsely-pub-date",
)


class BadFile(BadInput):
    """A file that cannot be ingested; the message says why in a few words."""


class NotText(BadFile):
    """A file whose bytes are no text in any encoding (binary content)."""


@dataclass(frozen=True)
class Document:
    source: str  # absolute path: the document's identity
    text: str  # canonical text: every citation offset points into it
    title: str | None
    date: str | None  # YYYY-MM-DD
    sha: str  # hash of the file's bytes
    body_start: int  # offset where the article body starts (after a date header)
    author: str | None = None
    # What gives passages their subject when embedded and scored, in place of a title the file lacks: its first
    # line (a file name says nothing about the story). None: the title does that.
    context: str | None = None
    # The text encoding the file's bytes were decoded from ("utf-8", "cp1252", "utf-16", ...); None for PDF and
    # Word files, which are read from their bytes by their own parsers.
    encoding: str | None = None

    @property
    def doc_id(self) -> str:
        return doc_id_for(self.source)

    def to_dict(self) -> dict:
        return asdict(self)


def doc_id_for(source: str) -> str:
    """A document's id: derived from its absolute path, so re-ingesting a file replaces it."""
    return hashlib.sha1(source.encode()).hexdigest()[:16]


# Files a folder of articles carries that are not articles: README.TXT, LICENSE.md, CHANGELOG ... (the README
# states this rule). Named explicitly, such a file is still ingested.
_NOT_ARTICLES = re.compile(r"(?i)^(?:readme|licen[cs]e|copying|changelog|changes|notice|authors|contributing|"
                           r"install)(?:[._-].*)?$")


def is_not_article(path: Path) -> bool:
    return bool(_NOT_ARTICLES.match(path.name))


def find_files(paths: list[Path], warnings: list[str] | None = None, follow_links: bool = False) -> list[Path]:
    """Article files under the given paths (folders recursively), sorted, without duplicates. A link inside a folder
    to a file outside it is not followed unless ``follow_links`` (a folder shared for ingestion must not reach the
    rest of the disk): it is skipped, with a line in ``warnings``. A file named on its own is read wherever it
    links to."""
    found: set[Path] = set()
    for p in paths:
        if p.is_dir():
            root = p.resolve()
            for f in p.rglob("*"):
                if not (f.is_file() and f.suffix.lower() in SUFFIXES and not is_not_article(f)):
                    continue
                if not follow_links and f.is_symlink() and not f.resolve().is_relative_to(root):
                    if warnings is not None:
                        warnings.append(f"{f}: a link to a file outside {p}, not followed")
                    continue
                found.add(f)
        elif p.is_file():
            found.add(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return sorted(f.resolve() for f in found)


def read_document(path: Path) -> Document:
    """Load one file; raises BadFile with a short reason when it is not a usable article."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadFile(f"unsupported file type {path.suffix or '(none)'} (use .txt, .md, .html, .pdf or .docx)")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadFile(f"too large ({size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)")
        raw = path.read_bytes()
    except OSError as e:
        raise BadFile(f"unreadable ({e.strerror or e})") from None
    sha = hashlib.sha256(raw).hexdigest()
    author = encoding = None
    if suffix in BINARY_SUFFIXES:
        parsed = _read_binary(suffix, raw)
        text, title, date, body_start, author = parsed.text, parsed.title, parsed.date, 0, parsed.author
    else:
        decoded, encoding = decode_text(raw)
        if suffix in (".html", ".htm"):
            text, title, date, author = _read_page(decoded)
            body_start = 0
        else:
            text, title, date, body_start = parse_plain(decoded)
    if not text[body_start:].strip():
        raise BadFile("empty (no text)")
    context = None if title else lead_line(text, body_start)
    return Document(str(path), text, title or file_title(path), date, sha, body_start, author, context, encoding)


def lead_line(text: str, body_start: int = 0) -> str | None:
    first = re.search(r"\S[^\n]*", text[body_start:])
    return _short_title(first.group(0).strip()) if first else None


def file_title(path: Path) -> str:
    """The title of a document that gives none of its own: its file name (control characters escaped: a title is
    shown on one line)."""
    return shown_name(path.name)


_BOMS = (  # (byte-order mark, codec that drops it, encoding named); UTF-32's before UTF-16's, which it starts with
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32"), (b"\xff\xfe", "utf-16", "utf-16"), (b"\xfe\xff", "utf-16", "utf-16"))
# Legacy Western text (the bulk of an English or European news archive) is windows-1252, the default browsers give
# unlabelled pages. On a text that is mostly ASCII a detector has only a few bytes to judge by (sport/199.txt has one
# byte over 127, a pound sign, which charset-normalizer alone reads as Japanese), so cp1252 wins there when the
# detector finds it about as plausible as its best guess.
_MOSTLY_ASCII = 0.8
_MESS_MARGIN = 0.1


def decode_text(raw: bytes) -> tuple[str, str]:
    """A text file's bytes as text, and the encoding used: UTF-8 (or a byte-order mark's UTF-16/32) when the bytes
    are that; otherwise the encoding charset-normalizer detects. Raises BadFile for binary content."""
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), name
            except UnicodeDecodeError as e:
                raise BadFile(f"not text (invalid {name} at offset {e.start})") from None
    if b"\x00" in raw[:8192]:
        raise NotText("not text (binary content)")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _detect(raw)
    try:
        text = raw.decode(encoding) if encoding else None
    except (UnicodeDecodeError, LookupError):
        text = None
    if text is None:
        raise BadFile("not text (no known text encoding reads it)")
    controls = sum(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v" for ch in text)
    if controls > 0.01 * len(text):  # bytes some encoding maps to characters, but not a text anyone wrote
        raise NotText("not text (binary content)")
    return text, encoding


def _detect(raw: bytes) -> str | None:
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(raw))
    if not matches:
        return None
    best = matches[0]
    ascii_share = sum(b < 0x80 for b in raw) / len(raw)
    western = next((m for m in matches if "cp1252" in m.could_be_from_charset), None)
    if western is not None and ascii_share >= _MOSTLY_ASCII and western.chaos <= best.chaos + _MESS_MARGIN:
        return "cp1252"
    return codecs.lookup(best.encoding).name


def _read_binary(suffix: str, raw: bytes) -> readers.Parsed:
    kind = "PDF" if suffix == ".pdf" else "Word file"
    try:
        return readers.read_pdf(raw) if suffix == ".pdf" else readers.read_docx(raw)
    except readers.ReadError as e:
        raise BadFile(str(e)) from None
    except Exception as e:  # noqa: BLE001 - a parser's failure on a hostile file: a warning, never a stopped folder
        raise BadFile(f"not a readable {kind} ({type(e).__name__}: {' '.join(str(e).split())[:120]})") from None


def _read_page(markup: str) -> tuple[str, str | None, str | None, str | None]:
    """A saved web page: its article (trafilatura); a page it finds no article in keeps its visible text."""
    parsed = readers.read_html(markup)
    if parsed is not None:
        return parsed.text, parsed.title, parsed.date, parsed.author
    text, title, date = parse_html(markup)
    return text, title, date, None


def parse_plain(text: str) -> tuple[str, str | None, str | None, int]:
    """Plain text and Markdown: the file's own text is canonical; metadata comes from its first line.

    The first line is the title only when it looks like a headline (a Markdown heading, or a short line that does
    not end a sentence); a body sentence is never a title."""
    date = None
    body_start = 0
    m = _DATE_HEADER.match(text)
    if m and _valid_date(m.group(1)):
        date, body_start = m.group(1), m.end()
    found = list(re.finditer(r"\S[^\n]*", text[body_start:]))
    datelines = {i: d for i, x in enumerate(found[:DATELINE_LINES]) if (d := dateline(x.group(0).strip()))}
    date = date or next(iter(datelines.values()), None)
    first = next((x for i, x in enumerate(found) if i not in datelines), None)
    title = None
    if first:
        line = first.group(0).strip()
        rest = text[body_start + first.end():]
        if line.startswith("#"):
            title = _short_title(line.lstrip("# ").strip())
        elif rest.strip() and looks_like_headline(line, rest.startswith("\n\n") or rest.startswith("\r\n\r\n")):
            title = line
    return text, title or None, date, body_start


def looks_like_headline(line: str, own_paragraph: bool = False) -> bool:
    """A short line that does not end like a sentence (a question, exclamation or trailing ellipsis only as its own
    paragraph)."""
    words = line.split()
    if not words or len(line) > 150 or len(words) > 20:
        return False
    bare = line.rstrip("\"'”’)]")
    if bare.endswith(("...", "…", "?", "!")):  # a teaser headline, when it stands as its own paragraph
        return own_paragraph
    return bool(bare) and bare[-1] not in ".:;,"


DATELINE_LINES = 3  # a dateline is looked for in the first lines only: later dates are the story's own
_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december"]
_MON = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|" \
       r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATELINE = re.compile(
    rf"^(?:(?:published|updated|last updated|posted|date)\s*:?\s*)?(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
    rf"[a-z]*,?\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}|{_MON.replace('mon>', 'mon2>')}\s+(?P<d2>\d{{1,2}})"
    rf"(?:st|nd|rd|th)?,?)\s+(?P<y>(?:19|20)\d\d)(?:,?\s+\d{{1,2}}[:.]\d{{2}}(?:\s*(?:GMT|BST|UTC|CET|EST|ET|am|pm))?)?"
    rf"\s*$", re.I)


def dateline(line: str) -> str | None:
    """The ISO date of a line that is only a date ('14 November 2005', 'Monday 14 November 2005, 10:32 GMT',
    'November 14, 2005'): a dateline above or below the headline."""
    m = _DATELINE.match(line.strip())
    if not m:
        return None
    mon = (m.group("mon") or m.group("mon2")).lower()[:3]
    month = [x[:3] for x in _MONTH_NAMES].index(mon) + 1
    try:
        return calendar_date(int(m.group("y")), month, int(m.group("d1") or m.group("d2"))).isoformat()
    except ValueError:  # "31 February 2005"
        return None


def _short_title(line: str, limit: int = 140) -> str:
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + "…"


def _valid_date(value: str) -> bool:
    m = _ISO_DATE.match(value)
    return bool(m) and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31


_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "object"}
# What a <head> may hold; any other tag ends it, as in browsers, so a page whose </head> is missing keeps its body.
_HEAD_CONTENT = {"title", "meta", "link", "style", "script", "base", "noscript", "template"}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
    "article", "header", "footer", "blockquote", "pre", "hr", "title", "dd", "dt", "figcaption", "main", "nav",
}


class _Visible(HTMLParser):
    """Collects visible text (block elements become line breaks), the <title> and date meta tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.meta: dict[str, str] = {}
        self.skip_depth = 0
        self.in_title = False
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
        elif tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        if tag == "head":
            self.in_head = True
        elif tag not in _HEAD_CONTENT:
            self.in_head = False
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skip_depth += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        elif tag == "title":
            self.in_title = False
        elif tag in _SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.in_head and data.strip() and not self.skip_depth:
            self.in_head = False  # text outside a head element starts the body, as in browsers
        if not self.skip_depth and not self.in_head:
            self.parts.append(data)


def parse_html(markup: str) -> tuple[str, str | None, str | None]:
    """Visible text of a page (its canonical text), its title and its publication date: the fallback for a page
    in which trafilatura finds no article."""
    p = _Visible()
    try:
        p.feed(markup)
        p.close()
    except (AssertionError, ValueError, RecursionError):
        pass  # malformed markup: keep what was read
    lines = (re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in "".join(p.parts).split("\n"))
    text = "\n".join(ln for ln in lines if ln)
    title = readers.strip_site_suffix(p.meta.get("og:title") or "".join(p.title), p.meta.get("og:site_name"))
    date = None
    for key in (*_DATE_META, "time"):
        m = _ISO_DATE.search(p.meta.get(key, ""))
        if m and _valid_date(m.group(0)):
            date = m.group(0)
            break
    return text, title or None, date
