"""Reading article files into documents: canonical text, title, publication date, content hash."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import date as calendar_date
from html.parser import HTMLParser
from pathlib import Path

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_FILE_BYTES = 20 * 1024 * 1024  # a news article is KBs; larger files are almost surely not articles
_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "date", "pubdate", "publishdate",
    "publish-date", "dc.date", "dc.date.issued", "dcterms.date", "sailthru.date", "parsely-pub-date",
)


class BadFile(Exception):
    """A file that cannot be ingested; the message says why in a few words."""


@dataclass(frozen=True)
class Document:
    source: str  # absolute path: the document's identity
    text: str  # canonical text: every citation offset points into it
    title: str | None
    date: str | None  # YYYY-MM-DD
    sha: str  # hash of the file's bytes
    body_start: int  # offset where the article body starts (after a date header)

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


def find_files(paths: list[Path]) -> list[Path]:
    """Article files under the given paths (folders recursively), sorted, without duplicates."""
    found: set[Path] = set()
    for p in paths:
        if p.is_dir():
            found.update(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                         and not is_not_article(f))
        elif p.is_file():
            found.add(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return sorted(f.resolve() for f in found)


def read_document(path: Path) -> Document:
    """Load one file; raises BadFile with a short reason when it is not a usable article."""
    if path.suffix.lower() not in SUFFIXES:
        raise BadFile(f"unsupported file type {path.suffix or '(none)'} (use .txt, .md or .html)")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadFile(f"too large ({size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)")
        raw = path.read_bytes()
    except OSError as e:
        raise BadFile(f"unreadable ({e.strerror or e})") from None
    if b"\x00" in raw[:8192]:
        raise BadFile("not text (binary content)")
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BadFile(f"not UTF-8 (invalid byte at offset {e.start})") from None
    sha = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() in (".html", ".htm"):
        text, title, date = parse_html(decoded)
        body_start = 0
    else:
        text, title, date, body_start = parse_plain(decoded)
    if not text[body_start:].strip():
        raise BadFile("empty (no text)")
    return Document(str(path), text, title, date, sha, body_start)


def parse_plain(text: str) -> tuple[str, str | None, str | None, int]:
    """Plain text and Markdown: the file's own text is canonical; metadata comes from its first line."""
    date = None
    body_start = 0
    m = _DATE_HEADER.match(text)
    if m and _valid_date(m.group(1)):
        date, body_start = m.group(1), m.end()
    lines = [x.group(0).strip() for x in re.finditer(r"\S[^\n]*", text[body_start:])]
    datelines = {i: d for i, x in enumerate(lines[:DATELINE_LINES]) if (d := dateline(x))}
    date = date or next(iter(datelines.values()), None)
    first = next((x for i, x in enumerate(lines) if i not in datelines), None)
    title = _short_title(first.lstrip("# ").strip()) if first else None
    return text, title or None, date, body_start


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


_SKIP = {"script", "style", "head", "noscript", "template", "svg", "iframe", "object"}
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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
        elif tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skip_depth += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip_depth:
            self.parts.append(data)


def parse_html(markup: str) -> tuple[str, str | None, str | None]:
    """Visible text of a page (its canonical text), its title and its publication date."""
    p = _Visible()
    try:
        p.feed(markup)
        p.close()
    except (AssertionError, ValueError, RecursionError):
        pass  # malformed markup: keep what was read
    lines = (re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in "".join(p.parts).split("\n"))
    text = "\n".join(ln for ln in lines if ln)
    title = re.sub(r"\s+", " ", "".join(p.title)).strip() or p.meta.get("og:title")
    date = None
    for key in (*_DATE_META, "time"):
        m = _ISO_DATE.search(p.meta.get(key, ""))
        if m and _valid_date(m.group(0)):
            date = m.group(0)
            break
    if not title:
        first = text.split("\n", 1)[0]
        title = _short_title(first) if first else None
    return text, title or None, date
