"""The Briefing and Check tabs' renderers, without a browser (the browser test is test_ui_browser.py)."""

from __future__ import annotations

from rag.answer.results import Citation
from rag.app.ui_reports import render_briefing, render_check
from rag.reports.markdown import briefing_markdown, check_markdown
from rag.reports.report_types import (
    Briefing,
    CheckReport,
    ClaimEvidence,
    ClaimResult,
    Conflict,
    Item,
    Person,
    TimelineItem,
)

EVIL = "<img src=x onerror=alert(1)> Acme & Co said <b>profits</b> rose."


def briefing() -> Briefing:
    c = Citation(1, "a.txt", "<script>t</script>", None, 0, len(EVIL), EVIL)
    b = Briefing("<i>topic</i>", "1 article, none dated", summary=[Item(EVIL, [1])], facts=[Item(EVIL, [1])],
                 timeline=[TimelineItem(None, None, "<u>last year</u>", "no <date>", EVIL, [1])],
                 people=[Person("<b>Ann</b>", "<i>chief</i>", [1])],
                 conflicts=[Conflict([Item(EVIL, [1])], Item(EVIL, [1]))],
                 open_questions=[Item("When <x>?", [1])], citations=[c])
    b.markdown = briefing_markdown(b)
    return b


def test_briefing_html_escapes_everything():
    out = render_briefing(briefing(), {"a.txt": EVIL})
    assert "<img" not in out and "<script>" not in out and "<b>profits" not in out and "<u>" not in out
    assert "<b>&lt;b&gt;Ann&lt;/b&gt;</b>" in out and "&lt;i&gt;chief" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "date unknown" in out
    assert 'class="cite-badge"' in out and "<mark>" in out  # the cited span, marked in its card
    assert "Conflicting accounts" in out and 'class="side denial"' in out


def test_check_html_and_markdown():
    e = ClaimEvidence("a.txt", 0, 5, "<b>x</b>")
    r = CheckReport([ClaimResult("<i>A</i> claim.", "supported", e), ClaimResult("B.", "not_found", None, "none")])
    out = render_check(r)
    assert "<i>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out
    assert 'class="open-article" href="/api/view/' in out and "?span=0:5#cited" in out  # the evidence, in the viewer
    assert 'class="claim supported"' in out and 'class="claim not_found"' in out and "1 of 2 claims" in out
    md = check_markdown(r)
    assert md.startswith("# Grounding check") and "not found" in md and "`a.txt` [0:5]" in md
    assert r.to_dict()["supported_share"] == 0.5 and not r.passed


def test_briefing_markdown_sections():
    md = briefing().markdown
    for h in ("## Summary", "## Key facts and figures", "## Timeline", "## Who's who", "## Conflicting accounts",
              "## Open questions", "## Sources"):
        assert h in md
    assert "[1] “" in md and "**date unknown**" in md
