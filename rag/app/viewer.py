"""The article viewer: a document's whole canonical text (the text citation offsets count in) as one HTML page,
a cited span marked and scrolled to, other spans of the same answer marked too, PDF pages labelled.

Its address is stable: ``/api/view/{doc_id}?span=START:END[&also=A:B,C:D]#cited`` (``view_url``), served by the API
behind the app's login; source cards link to it. Article text is untrusted: every piece of it is escaped, and the
page holds no script.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from rag.errors import BadInput

_SPAN = re.compile(r"^\s*(\d{1,12})\s*:\s*(\d{1,12})\s*$")
MAX_SPANS = 50

CSS = """
body { font-family: Georgia, serif; max-width: 820px; margin: 24px auto; padding: 0 16px; color: #111827; }
.meta { font-family: system-ui, sans-serif; font-size: 0.85em; color: #6b7280; margin-bottom: 14px; }
.text { white-space: pre-wrap; line-height: 1.6; }
mark { background: #fef3c7; } mark.focus { background: #fde68a; outline: 2px solid #f59e0b; }
.page { display: block; font-family: system-ui, sans-serif; font-size: 0.75em; color: #6b7280;
  border-top: 1px dashed #d1d5db; margin: 10px 0 4px; padding-top: 2px; }
"""


def parse_span(value: str | None, length: int) -> tuple[int, int] | None:
    """``"START:END"`` as offsets into a text of ``length`` characters; a BadInput (one line) when malformed or
    out of range."""
    if value is None or not value.strip():
        return None
    m = _SPAN.match(value)
    if not m:
        raise BadInput(f"invalid span {value[:40]!r}: use START:END (character offsets)")
    start, end = int(m.group(1)), int(m.group(2))
    if not 0 <= start <= end <= length:
        raise BadInput(f"span {start}:{end} is outside the document (0:{length})")
    return start, end


def parse_spans(value: str | None, length: int) -> list[tuple[int, int]]:
    parts = [p for p in (value or "").split(",") if p.strip()]
    if len(parts) > MAX_SPANS:
        raise BadInput(f"too many spans ({len(parts)} > {MAX_SPANS})")
    return [s for p in parts if (s := parse_span(p, length)) is not None]


def view_url(doc_id: str, start: int, end: int, also: list[tuple[int, int]] | None = None) -> str:
    """The stable address of "document ``doc_id`` at span ``start:end``" (other spans of the answer in ``also``)."""
    url = f"/api/view/{quote(doc_id)}?span={start}:{end}"
    others = [f"{a}:{b}" for a, b in (also or []) if (a, b) != (start, end)]
    if others:
        url += "&also=" + ",".join(others)
    return url + "#cited"


def render_view(view: dict, focus: tuple[int, int] | None, also: list[tuple[int, int]]) -> str:
    """The page: title, metadata, then the whole text with ``focus`` marked (``id="cited"``, the URL's fragment
    scrolls there) and each span of ``also`` marked; a PDF's pages labelled where they start."""
    e = html.escape
    text: str = view["text"]
    spans = sorted({*also, *([focus] if focus else [])})
    cuts = sorted({0, len(text), *(x for s in spans for x in s), *(view.get("page_starts") or [])[1:]})
    page_starts = set((view.get("page_starts") or [])[1:])
    body = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a in page_starts:
            body.append(f'<span class="page">page {text.count(chr(12), 0, a) + 1}</span>')
        piece = e(text[a:b])
        inside = [s for s in spans if s[0] <= a and b <= s[1] and s[0] < s[1]]
        if focus and focus in inside:
            piece = f'<mark class="focus">{piece}</mark>'
        elif inside:
            piece = f"<mark>{piece}</mark>"
        if focus and a == focus[0]:
            piece = '<a id="cited"></a>' + piece
        body.append(piece)
    if focus and focus[0] == len(text):
        body.append('<a id="cited"></a>')
    meta = " · ".join(e(str(x)) for x in (view.get("date") or "undated", view.get("author"), view.get("source"),
                                           f"{view['pages']} pages" if view.get("pages") else None) if x)
    first = '<span class="page">page 1</span>' if view.get("pages") else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(view.get('title') or 'article')}</title>"
            f"<style>{CSS}</style></head><body><h1>{e(view.get('title') or '(untitled)')}</h1>"
            f"<div class='meta'>{meta}</div><div class='text'>{first}{''.join(body)}</div></body></html>")
