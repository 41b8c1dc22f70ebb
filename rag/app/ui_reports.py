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
from rag.app.ui_cards import render_cards, shown_sources, static_text
from rag.app.viewer import view_url
from rag.ingest.documents import doc_id_for
from rag.paths import shown_path
from rag.reports.markdown import check_markdown
from rag.reports.report_types import Briefing, CheckReport, Item

_LABELS = {"supported": "✔ supported", "contradicted": "✘ contradicted", "not_found": "? not found"}

CSS = static_text("reports.css")


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
            url = view_url(doc_id_for(str(Path(v.source).resolve())), v.start, v.end)
            body += (f"<blockquote>{e(v.quote)}</blockquote><div class=\"where\">"
                     f"<code>{e(shown_path(v.source))}</code> [{v.start}:{v.end}] {e(v.date or 'undated')} "
                     f'<a class="open-article" href="{e(url)}" target="_blank" rel="noopener noreferrer" '
                     f'title="read the whole article at this evidence">open article ↗</a></div>')
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


def report_tabs(gr: Any, engine: Engine, exports: Path) -> list[Any]:
    """The Briefing and Check tabs (called inside the app's ``gr.Tabs``); returns their section and document
    pickers (sections, documents, sections, documents) for the app to fill."""
    from rag.app.ui_search import filter_controls, read_filters

    exports.mkdir(parents=True, exist_ok=True)

    def run(command: Any, text: str, filters: list[Any]) -> Any:
        """The report, or one line for the user: their mistake, or an internal error with a hint."""
        try:
            return command(text, None, read_filters(*filters))
        except Exception as e:  # noqa: BLE001 - shown_error tells the user's mistakes from bugs
            raise gr.Error(shown_error(e, engine.settings)) from None

    def exported(path: str | None) -> Any:
        """An export button: shown with its file when there is one, hidden when there is nothing to export."""
        return gr.update(value=path, visible=path is not None)

    def brief(topic: str, *filters: Any) -> tuple:
        if not (topic or "").strip():  # a hint where the briefing goes, not an error
            return (render_hint("Type a topic first: a person, company or event in your articles."),
                    *(exported(None),) * 3)
        b = run(engine.brief, topic, list(filters))
        texts = _texts(engine, {c.source for c in b.citations})
        html_out = render_briefing(b, texts, shown_sources(engine, b.citations))
        from rag.reports.docx_export import briefing_docx

        docx_path = Path(tempfile.mkdtemp(dir=exports)) / "briefing.docx"
        docx_path.write_bytes(briefing_docx(b))
        return (html_out, exported(_write(exports, "briefing.md", b.markdown)),
                exported(_write(exports, "briefing.json", json.dumps(b.to_dict(), ensure_ascii=False, indent=1))),
                exported(str(docx_path)))

    def check(text: str, *filters: Any) -> tuple:
        if not (text or "").strip():
            return render_hint("Paste a text to check first: each of its sentences is checked as a claim."), \
                exported(None), exported(None), exported(None)
        r = run(engine.check, text, list(filters))
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
        brief_filters = filter_controls(gr, "brief")
        with gr.Row():
            # hidden until there is a briefing to export
            brief_md = gr.DownloadButton("Export Markdown", size="sm", elem_id="brief-md", value=None, visible=False)
            brief_json = gr.DownloadButton("Export JSON", size="sm", elem_id="brief-json", value=None, visible=False)
            brief_docx = gr.DownloadButton("Export Word", size="sm", elem_id="brief-docx", value=None, visible=False)
        brief_out = gr.HTML(elem_id="briefing")
    with gr.Tab("Check", id="check-tab"):
        text = gr.Textbox(label="Text to check (each sentence is a claim)", lines=8, elem_id="check-text")
        check_filters = filter_controls(gr, "check")
        check_btn = gr.Button("Check", variant="primary", elem_id="check")
        with gr.Row():
            check_md = gr.DownloadButton("Export Markdown", size="sm", elem_id="check-md", value=None, visible=False)
            check_json = gr.DownloadButton("Export JSON", size="sm", elem_id="check-json", value=None, visible=False)
            check_docx_btn = gr.DownloadButton("Export Word", size="sm", elem_id="check-docx", value=None,
                                               visible=False)
        check_out = gr.HTML(elem_id="check-result")
    brief_in = [topic, *brief_filters]
    brief_btn.click(brief, brief_in, [brief_out, brief_md, brief_json, brief_docx], api_visibility="private")
    topic.submit(brief, brief_in, [brief_out, brief_md, brief_json, brief_docx], api_visibility="private")
    check_btn.click(check, [text, *check_filters], [check_out, check_md, check_json, check_docx_btn],
                    api_visibility="private")
    return [*brief_filters[:2], *check_filters[:2]]
