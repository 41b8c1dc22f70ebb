"""The article viewer's page and its stable address (rag/app/viewer.py); served by the API in test_api.py."""

from __future__ import annotations

import pytest

from rag.app.viewer import parse_span, parse_spans, render_view, view_url
from rag.errors import BadInput

TEXT = "Title line\nThe <b>first</b> quote & more. Middle words. The second quote.\n\fPage two text here."


def view(**extra: object) -> dict:
    return {"title": "<i>Report</i>", "date": None, "author": None, "source": "bbc/x.pdf", "text": TEXT,
            "pages": None, "page_starts": None, **extra}


def test_the_cited_span_is_marked_and_anchored_and_the_others_marked_too():
    a, b = TEXT.index("The <b>"), TEXT.index(" Middle")
    c, d = TEXT.index("The second"), TEXT.index("\n\f")
    page = render_view(view(), (a, b), [(c, d)])
    assert '<a id="cited"></a><mark class="focus">The &lt;b&gt;first&lt;/b&gt; quote &amp; more.</mark>' in page
    assert "<mark>The second quote.</mark>" in page and page.count("<mark") == 2
    assert "<script" not in page and "<b>" not in page and "&lt;i&gt;Report&lt;/i&gt;" in page
    # the whole text is there, in order, once escaping is undone
    import html
    import re

    assert html.unescape(re.sub(r"<[^>]+>", "", page.split("<div class='text'>", 1)[1])).startswith(TEXT)


def test_pdf_pages_are_labelled_where_they_start():
    starts = [0, TEXT.index("\f") + 1]
    page = render_view(view(pages=2, page_starts=starts), None, [])
    assert page.count('class="page"') == 2 and "page 1</span>" in page and "page 2</span>Page two" in page


def test_the_address_is_stable_and_spans_are_checked():
    assert view_url("abc123", 5, 9) == "/api/view/abc123?span=5:9#cited"
    assert view_url("abc123", 5, 9, [(5, 9), (20, 30)]) == "/api/view/abc123?span=5:9&also=20:30#cited"
    assert parse_span("5:9", 10) == (5, 9) and parse_span(None, 10) is None and parse_span(" ", 10) is None
    assert parse_spans("1:2, 3:4", 10) == [(1, 2), (3, 4)]
    for bad, why in (("9:5", "outside"), ("0:11", "outside"), ("a:b", "invalid span"), ("5", "invalid span")):
        with pytest.raises(BadInput, match=why):
            parse_span(bad, 10)
