"""Markdown exports of a briefing, a grounding check and a conversation (the CLI prints them; the UI offers them as
files). Their Word twins are in rag/reports/docx_export.py."""

from __future__ import annotations

import html
from datetime import datetime

from rag.answer.markers import SHOWN as MARKER
from rag.paths import shown_path
from rag.reports.report_types import Briefing, CheckReport, Item, Turn

_LABEL = {"supported": "✅ supported", "contradicted": "❌ contradicted", "not_found": "❔ not found"}


def md_text(s: str) -> str:
    """Article text in a Markdown export: one line, HTML escaped (a Markdown viewer renders raw HTML, and article
    text is untrusted: ``<script>`` or ``<img onerror>`` copied from a page must stay text)."""
    return html.escape(" ".join(s.split()), quote=False)



def _cell(s: str) -> str:
    return md_text(s).replace("|", "\\|")


def _refs(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


def _bullets(items: list[Item], empty: str) -> list[str]:
    return [f"- {md_text(x.text)} {_refs(x.citations)}" for x in items] or [f"*{empty}*"]


def briefing_markdown(b: Briefing) -> str:
    out = [f"# Briefing: {md_text(b.topic)}", "", f"*Evidence: {b.date_range}. Every sentence below is quoted from "
           "the articles and checked against its citation; the sources are listed at the end.*", ""]
    out += ["## Summary", "", *_bullets(b.summary, "The sources say nothing about this topic."), ""]
    out += ["## Key facts and figures", "", *_bullets(b.facts, "No figures found."), ""]
    out += ["## Timeline", ""]
    for t in b.timeline:
        why = f" — {t.reason}" if t.reason else ""
        out.append(f"- **{t.shown_date}** (“{md_text(t.phrase)}”{why}): {md_text(t.text)} {_refs(t.citations)}")
    out += (["*No dated events found.*"] if not b.timeline else []) + [""]
    out += ["## Who's who", ""]
    out += [f"- **{md_text(p.name)}**: {md_text(p.role)} {_refs(p.citations)}" for p in b.people] or [
        "*No roles given in the sources.*"]
    out += ["", "## Conflicting accounts", ""]
    if b.conflicts:
        out += ["| account | disputed by | what differs |", "|---|---|---|"]
        for c in b.conflicts:
            accounts = "<br>".join(f"{_cell(a.text)} {_refs(a.citations)}" for a in c.accounts)
            differs = "denial" if c.differs == "denied" else _cell(c.differs)
            out.append(f"| {accounts} | {_cell(c.denial.text)} {_refs(c.denial.citations)} | {differs} |")
    else:
        out.append("*No source disputes another.*")
    out += ["", "## Open questions", "", *_bullets(b.open_questions, "None found."), ""]
    out += ["## Sources", ""]
    for c in b.citations:
        out.append(f"[{c.n}] “{md_text(c.quote)}” — {md_text(c.title or '(untitled)')}, {c.date or 'undated'}, "
                   f"`{shown_path(c.source)}` {c.location}")
    return "\n".join(out) + "\n"


def check_markdown(r: CheckReport) -> str:
    out = ["# Grounding check", "", f"**{r.summary()}**", ""]
    for i, c in enumerate(r.claims, 1):
        out.append(f"{i}. {_LABEL[c.label]}: {md_text(c.text)}")
        if c.evidence:
            e = c.evidence
            out.append(f"   > “{md_text(e.quote)}” — `{shown_path(e.source)}` [{e.start}:{e.end}]")
        if c.label != "supported" and c.reason:
            out.append(f"   *{md_text(c.reason)}*")
    return "\n".join(out) + "\n"


def conversation_markdown(turns: list[Turn], when: datetime | None = None) -> str:
    """The conversation as Markdown; every citation becomes a footnote with its quote and source."""
    when = when or datetime.now()
    out = ["# citable conversation", "", f"Exported {when:%Y-%m-%d %H:%M}.", ""]
    for i, t in enumerate(turns, 1):
        out += [f"## {i}. {md_text(t.question)}", ""]
        ans = t.answer
        if ans is None:
            out += [f"*Error: {md_text(t.error or '')}*", ""]
            continue
        if ans.refused:
            out += [f"*{ans.answer}*", ""]
            continue
        sentences = []
        for s in ans.sentences or []:
            text = md_text(MARKER.sub("", s.text))
            notes = "".join(f"[^{i}-{n}]" for n in s.citations)
            sentences.append(text + notes + ("" if s.supported and s.citations else " *(unsupported)*"))
        body = " ".join(sentences) if sentences else MARKER.sub(rf"[^{i}-\1]", md_text(ans.answer))
        out += [body, ""]
        if note := ans.confidence_note():  # kept in the export: the reader of the file needs it as much
            out += [f"*{md_text(note)}.*", ""]
        for c in ans.citations:
            title = md_text(c.title or "(untitled)")
            out.append(f"[^{i}-{c.n}]: “{md_text(c.quote)}” — {title}, {c.date or 'undated'}, "
                       f"`{shown_path(c.source)}` {html.escape(c.location)}")
        out.append("")
    return "\n".join(out)
