"""The web app's Briefing and Check tabs: HTML renderers (testable without a browser) and the Gradio wiring.

Article text is untrusted: everything shown goes through ``html.escape`` (citation cards through ui_cards.render_cards).
"""

from __future__ import annotations

import html
import json
import tempfile
from pathlib import Path
from typing import Any

from rag.app.engine import Engine, shown_error
from rag.app.ui_cards import render_cards, shown_sources
from rag.paths import shown_path
from rag.reports.markdown import check_markdown
from rag.reports.report_types import Briefing, CheckReport, Item

_LABELS = {"supported": "✔ supported", "contradicted": "✘ contradicted", "not_found": "? not found"}

CSS = """
.report h3 { margin: 14px 0 6px; }
.report ul { margin: 0 0 6px 18px; }
.report .tl-date { font-weight: 600; white-space: nowrap; }
.report .tl-phrase { color: #6b7280; font-size: 0.85em; }
.report .conflicts { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 14px; }
.report .conflicts .side { border-left: 3px solid #93c5fd; padding: 2px 8px; }
.report .conflicts .side.denial { border-color: #f59e0b; }
.report .conflicts .side-head { font-size: 0.8em; color: #6b7280; font-weight: 600; }
.claim { border: 1px solid #e5e7eb; border-radius: 8px; padding: 6px 10px; margin-bottom: 8px; }
.claim .label { font-weight: 700; margin-right: 6px; }
.claim.supported .label { color: #15803d; }
.claim.contradicted .label { color: #b91c1c; }
.claim.not_found .label { color: #92400e; }
.claim blockquote { margin: 4px 0 0 0; padding-left: 8px; border-left: 3px solid #fde68a; font-size: 0.9em; }
.claim .why, .claim .where { font-size: 0.8em; color: #6b7280; }
.report-hint { color: #6b7280; font-style: italic; padding: 6px 0; }
"""


def _refs(ns: list[int]) -> str:
    return "".join(f'<span class="cite-badge">[{n}]</span>' for n in ns)


def _items(items: list[Item], empty: str) -> str:
    if not items:
        return f'<p class="no-sources">{html.escape(empty)}</p>'
    return "<ul>" + "".join(f"<li>{html.escape(x.text)} {_refs(x.citations)}</li>" for x in items) + "</ul>"


def render_briefing(b: Briefing, texts: dict[str, str], names: dict[str, str] | None = None) -> str:
    """A briefing as HTML: every section, its citation badges, and the cited passages as cards."""
    e = html.escape
    out = [f'<div class="report briefing"><h2>Briefing: {e(b.topic)}</h2>',
           f'<p class="answer-meta">Evidence: {e(b.date_range)}</p>',
           '<h3>Summary</h3>', _items(b.summary, "The sources say nothing about this topic."),
           '<h3>Key facts and figures</h3>', _items(b.facts, "No figures found."), '<h3>Timeline</h3><ul>']
    for t in b.timeline:
        why = f" — {e(t.reason)}" if t.reason else ""
        out.append(f'<li class="tl-item"><span class="tl-date">{e(t.shown_date)}</span> '
                   f'<span class="tl-phrase">(“{e(t.phrase)}”{why})</span>: {e(t.text)} {_refs(t.citations)}</li>')
    out.append("</ul><h3>Who's who</h3><ul>")
    out += [f"<li><b>{e(p.name)}</b>: {e(p.role)} {_refs(p.citations)}</li>" for p in b.people]
    out.append('</ul><h3>Conflicting accounts</h3><div class="conflicts">')
    if b.conflicts:
        out.append('<div class="side-head">Account</div><div class="side-head">Disputed by</div>')
    else:
        out.append('<p class="no-sources">No source disputes another.</p>')
    for c in b.conflicts:
        accounts = "<br>".join(f"{e(a.text)} {_refs(a.citations)}" for a in c.accounts)
        differs = "" if c.differs == "denied" else f'<div class="side-head">differs: {e(c.differs)}</div>'
        out.append(f'<div class="side account">{accounts}</div>'
                   f'<div class="side denial">{e(c.denial.text)} {_refs(c.denial.citations)}{differs}</div>')
    out += ["</div><h3>Open questions</h3>", _items(b.open_questions, "None found."), "<h3>Sources</h3>"]
    out.append(render_cards(b.citations, texts, "brief", names))
    return "".join(out) + "</div>"


def render_check(r: CheckReport) -> str:
    """Each claim with its label, and its evidence quote and source when there is one."""
    e = html.escape
    out = [f'<div class="report check"><p class="check-summary"><b>{e(r.summary())}</b></p>']
    for c in r.claims:
        body = f'<span class="label">{_LABELS[c.label]}</span>{e(c.text)}'
        if c.evidence:
            v = c.evidence
            body += (f"<blockquote>{e(v.quote)}</blockquote><div class=\"where\">"
                     f"<code>{e(shown_path(v.source))}</code> [{v.start}:{v.end}] {e(v.date or 'undated')}</div>")
        if c.label != "supported" and c.reason:
            body += f'<div class="why">{e(c.reason)}</div>'
        out.append(f'<div class="claim {c.label}">{body}</div>')
    return "".join(out) + "</div>"


def render_hint(message: str) -> str:
    """What to do, where the report would be: an empty input is not an error."""
    return f'<div class="report-hint">{html.escape(message)}</div>'


def _texts(engine: Engine, sources: set[str]) -> dict[str, str]:
    out = {}
    for s in sources:
        try:
            out[s] = engine.canonical_text(s)
        except Exception:  # noqa: BLE001 - removed since: the card says its quote can't be checked
            pass
    return out


def _write(folder: Path, name: str, text: str) -> str:
    path = Path(tempfile.mkdtemp(dir=folder)) / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def report_tabs(gr: Any, engine: Engine, exports: Path) -> None:
    """The Briefing and Check tabs (called inside the app's ``gr.Tabs``)."""
    exports.mkdir(parents=True, exist_ok=True)

    def run(command: Any, text: str) -> Any:
        """The report, or one line for the user: their mistake, or an internal error with a hint."""
        try:
            return command(text)
        except Exception as e:  # noqa: BLE001 - shown_error tells the user's mistakes from bugs
            raise gr.Error(shown_error(e, engine.settings)) from None

    def exported(path: str | None) -> Any:
        """An export button: shown with its file when there is one, hidden when there is nothing to export."""
        return gr.update(value=path, visible=path is not None)

    def brief(topic: str) -> tuple:
        if not (topic or "").strip():  # a hint where the briefing goes, not an error
            return (render_hint("Type a topic first: a person, company or event in your articles."),
                    *(exported(None),) * 3)
        b = run(engine.brief, topic)
        texts = _texts(engine, {c.source for c in b.citations})
        html_out = render_briefing(b, texts, shown_sources(engine, b.citations))
        from rag.reports.docx_export import briefing_docx

        docx_path = Path(tempfile.mkdtemp(dir=exports)) / "briefing.docx"
        docx_path.write_bytes(briefing_docx(b))
        return (html_out, exported(_write(exports, "briefing.md", b.markdown)),
                exported(_write(exports, "briefing.json", json.dumps(b.to_dict(), ensure_ascii=False, indent=1))),
                exported(str(docx_path)))

    def check(text: str) -> tuple:
        if not (text or "").strip():
            return render_hint("Paste a text to check first: each of its sentences is checked as a claim."), \
                exported(None), exported(None), exported(None)
        r = run(engine.check, text)
        from rag.reports.docx_export import check_docx

        docx_path = Path(tempfile.mkdtemp(dir=exports)) / "check.docx"
        docx_path.write_bytes(check_docx(r))
        return (render_check(r), exported(_write(exports, "check.md", check_markdown(r))),
                exported(_write(exports, "check.json", json.dumps(r.to_dict(), ensure_ascii=False, indent=1))),
                exported(str(docx_path)))

    with gr.Tab("Briefing", id="brief-tab"):
        with gr.Row():
            topic = gr.Textbox(show_label=False, placeholder="A topic: a person, company or event in your articles",
                               scale=5, elem_id="brief-topic", max_lines=1)
            brief_btn = gr.Button("Brief", variant="primary", scale=1, elem_id="brief")
        with gr.Row():
            # hidden until there is a briefing to export
            brief_md = gr.DownloadButton("Export Markdown", size="sm", elem_id="brief-md", value=None, visible=False)
            brief_json = gr.DownloadButton("Export JSON", size="sm", elem_id="brief-json", value=None, visible=False)
            brief_docx = gr.DownloadButton("Export Word", size="sm", elem_id="brief-docx", value=None, visible=False)
        brief_out = gr.HTML(elem_id="briefing")
    with gr.Tab("Check", id="check-tab"):
        text = gr.Textbox(label="Text to check (each sentence is a claim)", lines=8, elem_id="check-text")
        check_btn = gr.Button("Check", variant="primary", elem_id="check")
        with gr.Row():
            check_md = gr.DownloadButton("Export Markdown", size="sm", elem_id="check-md", value=None, visible=False)
            check_json = gr.DownloadButton("Export JSON", size="sm", elem_id="check-json", value=None, visible=False)
            check_docx_btn = gr.DownloadButton("Export Word", size="sm", elem_id="check-docx", value=None,
                                               visible=False)
        check_out = gr.HTML(elem_id="check-result")
    brief_btn.click(brief, topic, [brief_out, brief_md, brief_json, brief_docx], api_visibility="private")
    topic.submit(brief, topic, [brief_out, brief_md, brief_json, brief_docx], api_visibility="private")
    check_btn.click(check, text, [check_out, check_md, check_json, check_docx_btn], api_visibility="private")
