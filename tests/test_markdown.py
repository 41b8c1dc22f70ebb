"""Markdown exports (briefing, check, conversation): article text is untrusted, so raw HTML in it stays text."""

from __future__ import annotations

from datetime import datetime

from rag.answer.results import Answer, AnswerSentence, Citation
from rag.app.ui import Turn, conversation_markdown
from rag.reports.markdown import briefing_markdown, check_markdown
from rag.reports.report_types import Briefing, CheckReport, ClaimEvidence, ClaimResult, Item

HOSTILE = 'Profits rose <script>alert(1)</script> and <img src=x onerror="alert(2)"> by 5%.'
TITLE = "<b onmouseover=alert(3)>Results</b>"


def _no_raw_html(md: str) -> None:
    assert "<script" not in md and "<img" not in md and "<b " not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md  # still shown, as text


def test_briefing_markdown_escapes_article_html():
    cit = Citation(1, "a.html", TITLE, "2024-01-02", 0, len(HOSTILE), HOSTILE)
    b = Briefing("profits <i>", "2024", summary=[Item(HOSTILE, [1])], facts=[Item(HOSTILE, [1])], citations=[cit])
    _no_raw_html(briefing_markdown(b))


def test_check_markdown_escapes_article_html():
    ev = ClaimEvidence("a.html", 0, len(HOSTILE), HOSTILE, TITLE)
    r = CheckReport([ClaimResult(HOSTILE, "supported", ev, "", 0, len(HOSTILE))])
    _no_raw_html(check_markdown(r))


def test_conversation_markdown_escapes_article_html():
    cit = Citation(1, "a.html", TITLE, None, 0, len(HOSTILE), HOSTILE)
    ans = Answer("q", f"{HOSTILE} [1]", "extractive", False, [cit], [AnswerSentence(f"{HOSTILE} [1]", [1], True, 1.0)])
    md = conversation_markdown([Turn("<script>x</script>?", ans)], datetime(2024, 1, 1))
    _no_raw_html(md)
    assert "[^1-1]: “Profits rose &lt;script&gt;" in md
