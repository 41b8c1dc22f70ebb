"""The web app (Gradio): a chat on the left, the selected answer's sources on the right, a corpus tab.

Rendering helpers are plain functions (testable without a browser); ``build_app`` wires them to Gradio.
Article text and model output are untrusted: every piece of it goes through ``html.escape`` before display.
Selecting an answer or a citation badge happens in the browser (``SELECT_JS``): the sources panel holds every
answer's cards and shows one answer's group at a time, so a click never waits for the server.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer.markers import SHOWN as MARKER
from rag.answer.results import Answer
from rag.app.engine import Engine, shown_error
from rag.app.ui_cards import render_cards, shown_sources, static_text
from rag.app.ui_search import CSS as SEARCH_CSS
from rag.app.ui_search import doc_choices, filter_controls, read_filters, search_tab, section_choices
from rag.app.uploads import UPLOAD_TYPES, check_uploads, ingest_uploads
from rag.paths import corpus_names
from rag.reports.markdown import conversation_markdown
from rag.settings import Settings, parse_auth
from rag.store.index import NoIndex
from rag.text import terms


@dataclass
class Turn:
    """One question of the conversation and what came back (an answer or an error line)."""

    question: str
    answer: Answer | None = None
    error: str | None = None
    texts: dict[str, str] = field(default_factory=dict)  # source -> canonical text, read once when answered
    names: dict[str, str] = field(default_factory=dict)  # source -> as shown (relative to the corpus root)
    follow_ups: list[str] = field(default_factory=list)  # questions the cited articles answer (Engine.follow_ups)


# -- rendering: chat ---------------------------------------------------------------------------------------
def badge(turn: int, n: int) -> str:
    # The chat's sanitizer drops data-* attributes, so the answer and the citation travel in a class name.
    return f'<span class="cite-badge cite-{turn}-{n}" role="button" tabindex="0" title="show source {n}">[{n}]</span>'


def render_sentence(text: str, citations: list[int], supported: bool, turn: int) -> str:
    """A sentence with its [n] markers as badges; a sentence its citations do not support is flagged."""
    body = MARKER.sub(lambda m: badge(turn, int(m.group(1))), html.escape(text))
    if not MARKER.search(text):
        body += "".join(badge(turn, n) for n in citations)
    if not citations:
        supported = False
    if supported:
        return f'<span class="sent">{body}</span>'
    return (f'<span class="sent unsupported" title="not supported by the cited passage">{body}'
            '<span class="flag">⚠ unsupported</span></span>')


def render_follow_ups(questions: list[str]) -> str:
    """Suggested questions under an answer; clicking one asks it (SELECT_JS)."""
    if not questions:
        return ""
    asks = "".join(f'<span class="follow-up" role="button" tabindex="0" title="ask this">{html.escape(q)}</span>'
                   for q in questions)
    return f'<div class="follow-ups"><span class="follow-ups-label">Ask next:</span>{asks}</div>'


def render_answer(ans: Answer, turn: int, follow_ups: list[str] | None = None) -> str:
    """An answer as one HTML block (one line, so the chat's Markdown renderer leaves it alone), with the suggested
    follow-up questions under it."""
    notes = "".join(f'<div class="answer-note">{html.escape(n)}</div>' for n in getattr(ans, "notes", []))
    if ans.refused:
        inner = f'<span class="refusal-icon">⊘</span> {html.escape(ans.answer)}'
        if ans.related:
            r = ans.related
            inner += (f'<div class="related">Related, not an answer: “{html.escape(" ".join(r.quote.split()))}” '
                      f'<span class="related-source">({html.escape(r.title or r.source)})</span></div>')
        return f'<div class="answer refusal turn-{turn}">{inner}{notes}</div>'
    low = ""
    if note := ans.confidence_note():  # every extractive answer shows its confidence; a low one is set apart
        kind = "low-confidence" if ans.low_confidence else "confidence"
        low = (f'<div class="{kind}" title="the judge\'s calibrated probability that this answers the question">'
               f'{html.escape(note)}</div>')
    if ans.sentences:
        body = " ".join(render_sentence(s.text, s.citations, s.supported, turn) for s in ans.sentences)
    else:  # no sentence breakdown: markers in the text become badges, nothing is claimed as checked
        body = render_sentence(ans.answer, [], False, turn)
    return (f'<div class="answer turn-{turn}">{_lines(body)}{low}{notes}'
            f'<div class="answer-meta">{html.escape(answer_meta(ans))}</div>{render_follow_ups(follow_ups or [])}'
            '</div>')


def answer_meta(ans: Answer) -> str:
    """How the answer was made: mode and model, sources, time; a follow-up's standalone form; why no LLM."""
    llm = getattr(ans, "llm", None)
    model = getattr(llm, "model", None) if getattr(llm, "called", False) else None
    n = len(ans.citations)
    parts = [f"{ans.mode} · {model}" if model else ans.mode, f"{n} source{'s' if n != 1 else ''}",
             f"{ans.timings_ms.get('total', 0):.0f} ms"]
    standalone = getattr(ans, "standalone_question", None)
    if standalone:
        parts.append(f"understood as: {standalone}")
    reason = getattr(llm, "fallback_reason", None)
    if reason:
        parts.append(f"model not used: {reason}")
    parts += [f"⚠ {w}" for w in getattr(ans, "warnings", [])]
    return " · ".join(parts)


def render_streaming(text: str) -> str:
    return f'<div class="answer streaming">{_lines(html.escape(text))}<span class="cursor">▍</span></div>'


def render_error(message: str) -> str:
    return f'<div class="answer error">⚠ {html.escape(message)}</div>'


def render_question(question: str) -> str:
    return f'<div class="question">{_lines(html.escape(question))}</div>'


def _lines(s: str) -> str:
    # The chat renders Markdown around HTML blocks: a blank line would end the block, so keep it on one line.
    return s.replace("\r", "").replace("\n", "<br>")


def chat_messages(turns: list[Turn]) -> list[dict]:
    msgs: list[dict] = []
    for i, t in enumerate(turns):
        msgs.append({"role": "user", "content": render_question(t.question)})
        if t.answer is not None:
            msgs.append({"role": "assistant", "content": render_answer(t.answer, i, t.follow_ups)})
        elif t.error is not None:
            msgs.append({"role": "assistant", "content": render_error(t.error)})
    return msgs


# -- rendering: sources ------------------------------------------------------------------------------------
def render_sources(turns: list[Turn], selected: int | None = None) -> str:
    """Every answer's cards, one group per answer; only the selected answer's group is shown."""
    if selected is None:
        selected = len(turns) - 1
    groups = []
    for i, t in enumerate(turns):
        if t.answer is None:
            cards = '<p class="no-sources">No answer, no sources.</p>'
        elif t.answer.refused or not t.answer.citations:
            cards = '<p class="no-sources">No source answers this question.</p>'
        else:
            cards = render_cards(t.answer.citations, t.texts, i, t.names)
        active = " active" if i == selected else ""
        groups.append(f'<div class="src-group{active}" data-turn="{i}"><div class="src-question">Sources for: '
                      f'<b>{html.escape(t.question)}</b></div>{cards}</div>')
    if not groups:
        return '<div class="sources-empty">Ask a question: the sources of the answer appear here.</div>'
    return '<div class="sources">' + "".join(groups) + "</div>"


def read_texts(engine: Engine, ans: Answer) -> dict[str, str]:
    texts = {}
    for c in ans.citations:
        if c.source not in texts:
            try:
                texts[c.source] = engine.canonical_text(c.source)
            except Exception:  # noqa: BLE001 - a removed document: the card says the quote can't be checked
                pass
    return texts


# -- export ------------------------------------------------------------------------------------------------
def write_docx_export(turns: list[Turn], folder: Path) -> str | None:
    """The conversation as a Word file (rag/reports/docx_export.py), for the "Export Word" button."""
    from rag.reports.docx_export import conversation_docx

    if not turns:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=folder)) / "conversation.docx"
    path.write_bytes(conversation_docx(turns))
    return str(path)


def write_export(turns: list[Turn], folder: Path) -> str | None:
    if not turns:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=folder)) / "conversation.md"
    path.write_text(conversation_markdown(turns), encoding="utf-8")
    return str(path)


# -- inputs ------------------------------------------------------------------------------------------------
def text_matches(engine: Engine, query: str | None) -> set[str]:
    """Documents whose text uses every word of ``query`` (as BM25 reads words: stemmed, stop words left out),
    found in the lexical index the answers use: no file is read."""
    words = set(terms(query or ""))
    if not words:
        return set()
    try:
        lex = engine.index().lexical()
    except Exception:  # noqa: BLE001 - no index yet
        return set()
    found: set[str] | None = None
    for w in words:
        docs = {pid.split("-", 1)[0] for pid, _ in lex.search(w, lex.n)}
        found = docs if found is None else found & docs
        if not found:
            break
    return found or set()


def mode_choices(settings: Settings) -> list[tuple[str, str]]:
    """The modes that can run: LLM only when a model is configured (mode_note says why it is missing)."""
    if not settings.llm_configured:
        return [("Auto (extractive)", "auto"), ("Extractive", "extractive")]
    return [("Auto", "auto"), ("Extractive", "extractive"), (f"LLM ({settings.llm_model or 'default model'})", "llm")]


def mode_note(settings: Settings) -> str | None:
    if settings.llm_configured:
        return None
    return "LLM mode unavailable: no model is configured (set RAG_LLM_BASE_URL or OPENAI_API_KEY)."


def docs_rows(engine: Engine) -> list[list[Any]]:
    """Title, date, passages, path (relative to the folder all articles share; uploads as uploads/NAME), doc id.
    A damaged or unreachable store raises (the Corpus tab says so), never passes for an empty corpus."""
    try:
        docs = engine.index().catalog.docs()
    except NoIndex:  # no index yet: an empty corpus, filled by the first upload
        return []
    sources = [d.source for d in docs]
    names = corpus_names(sources, sources, engine.uploads)
    return [[d.title or "(untitled)", d.date or "undated", d.n_passages, names[d.source], d.doc_id] for d in docs]


def read_link(doc_id: str) -> str:
    """A Corpus row's link to the article viewer (the whole article; Markdown: the table renders it). Only the
    id, hex digits, goes into the link: no article text."""
    from rag.app.viewer import view_url

    return f"[open ↗]({view_url(doc_id, 0, 0).split('?')[0]})" if re.fullmatch(r"[0-9a-f]+", doc_id) else ""


def filter_rows(rows: list[list[Any]], query: str | None) -> list[list[Any]]:
    """Rows whose title or path contains every word of the query (case-insensitive)."""
    words = (query or "").lower().split()
    return [r for r in rows if all(w in f"{r[0]} {r[3]}".lower() for w in words)]


def corpus_error(message: str) -> str:
    return f'<div class="corpus-error">⚠ {html.escape(message)}</div>'


# -- the app -----------------------------------------------------------------------------------------------
CSS = static_text("app.css")  # rag/app/static/: the page's style and script, package data

# Clicking an answer shows its sources; clicking a badge [n] also selects card n; an article link opens the viewer
# panel; a follow-up is asked. Delegated from the document, so it keeps working when Gradio re-renders the chat.
SELECT_JS = static_text("app.js")


def build_app(settings: Settings, engine: Engine | None = None) -> Any:
    import gradio as gr

    engine = engine or Engine(settings)
    exports = Path(tempfile.mkdtemp(prefix="citable-export-"))
    uploads = engine.uploads

    def ask(question: str, turns: list[Turn], mode: str, k: float, sections: list[str] | None,
            docs: list[str] | None, since: str, until: str) -> Iterator[tuple]:
        turns = list(turns or [])
        if not (question or "").strip():
            gr.Warning("Type a question first.")
            yield gr.skip(), gr.skip(), turns, gr.skip(), gr.skip()
            return
        turn = Turn(question.strip())
        history = [(t.question, t.answer.answer) for t in turns if t.answer is not None]
        shown = chat_messages(turns) + [{"role": "user", "content": render_question(turn.question)}]
        yield shown + [{"role": "assistant", "content": render_streaming("")}], gr.skip(), turns, "", gr.skip()
        try:
            filters = read_filters(sections, docs, since, until)
            streamed = ""
            for event in engine.ask_stream(question, int(k), filters, mode, history):
                if event.kind == "token":
                    streamed += event.text
                    yield (shown + [{"role": "assistant", "content": render_streaming(streamed)}], gr.skip(),
                           turns, "", gr.skip())
                elif event.kind == "answer" and event.answer is not None:
                    turn.answer = event.answer
                    turn.texts = read_texts(engine, event.answer)
                    turn.names = shown_sources(engine, event.answer.citations)
            if turn.answer is None:
                turn.error = "no answer came back"
            else:
                turn.follow_ups = engine.follow_ups(turn.answer, filters)
        except Exception as e:  # noqa: BLE001 - shown to the user as one line, the app keeps running
            turn.error = shown_error(e, settings)  # a damaged index file is named with its remedy
        turns.append(turn)
        yield chat_messages(turns), render_sources(turns), turns, "", write_export(turns, exports)

    def new_chat() -> tuple:
        return [], render_sources([]), [], "", None

    def ask_json(question: str) -> dict:
        """One question in, the answer as JSON (Answer.to_dict()) out; a bad question or a failure gives
        ``{"error": "one line"}``, as a line of ``rag ask --batch`` does."""
        try:
            return engine.ask(question).to_dict()
        except Exception as e:  # noqa: BLE001 - the API caller gets the reason, not Gradio's generic exception
            return {"error": shown_error(e, settings)}

    def corpus_view(query: str | None = "") -> tuple:
        query = query or ""
        try:
            rows = docs_rows(engine)
        except Exception as e:  # noqa: BLE001 - a damaged or stopped store: one line, as the CLI and the API say
            return [], gr.update(choices=[], value=None), corpus_error(shown_error(e, settings))
        named = {r[4] for r in filter_rows(rows, query)}
        in_text = text_matches(engine, query) - named
        shown = [r for r in rows if r[4] in named or r[4] in in_text]
        choices = [(f"{r[0][:70]} — {r[3]}", r[4]) for r in shown]
        count = f"{len(rows)} articles"
        if query.strip():
            count += f", {len(shown)} matching “{query.strip()}”" + (f" ({len(in_text)} by their text)"
                                                                      if in_text else "")
        return [[*r[:4], read_link(r[4])] for r in shown], gr.update(choices=choices, value=None), count

    def pickers() -> tuple:
        """Every tab's section and document pickers, filled with the index's sections and documents (the Corpus
        tab's date picker takes both)."""
        sections, docs = section_choices(engine), doc_choices(engine)
        return (*(gr.update(choices=sections) for _ in section_pickers),
                *(gr.update(choices=docs) for _ in doc_pickers),
                gr.update(choices=[(f"folder: {x}", x) for x in sections] + docs))

    def set_date(target: str | None, value: str | None, query: str) -> tuple:
        """A date for the undated articles of a folder (section) or one article; an empty date clears it."""
        if not target:
            return gr.skip(), gr.skip(), corpus_error("Choose a folder or an article to date first.")
        try:
            where, n = engine.set_date(target, (value or "").strip() or None)
        except Exception as e:  # noqa: BLE001 - one line for the user
            return gr.skip(), gr.skip(), corpus_error(shown_error(e, settings))
        shown = f"folder {target}" if target in section_choices(engine) else corpus_names(
            [where], [d.source for d in engine.index().catalog.docs()], uploads)[where]
        what = f"dated {value.strip()}" if (value or "").strip() else "no longer dated"
        line = f"{shown}: {n} undated article{'s' if n != 1 else ''} {what}."
        return (*corpus_view(query)[:2], html.escape(line))

    def upload(files: list[str] | None, query: str, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        # Problems are one readable status line, not gr.Error: an error would mark every output of the
        # Corpus tab as failed until the page is reloaded.
        if not files:
            return (gr.skip(), gr.skip(), corpus_error("Choose .txt, .md, .html, .pdf or .docx files to upload first."),
                    gr.skip())
        ok, errors = check_uploads(list(files), settings.max_upload_mb)
        if not ok:
            return gr.skip(), gr.skip(), corpus_error("; ".join(errors)), None
        try:
            progress(0, desc="Ingesting")
            report = ingest_uploads(engine, ok, uploads,
                                    progress=lambda done, total: progress((done, total), desc="Embedding passages"))
        except Exception as e:  # noqa: BLE001 - one line for the user; the index is left as it was
            return gr.skip(), gr.skip(), corpus_error(f"Could not ingest: {shown_error(e, settings)}"), gr.skip()
        lines = [f"Ingested: {report.summary()}"] + [f"Skipped {w}" for w in report.warnings + errors]
        return (*corpus_view(query)[:2], "\n".join(f"- {html.escape(x)}" for x in lines), None)

    def remove(doc_id: str | None, query: str) -> tuple:
        if not doc_id:
            return gr.skip(), gr.skip(), corpus_error("Choose an article to remove first.")
        deleted = engine.remove([doc_id])  # with its file, when it was uploaded
        note = " Its uploaded file was deleted." if deleted else ""
        return (*corpus_view(query)[:2], f"Removed 1 article.{note}")

    with gr.Blocks(title="citable") as app:
        turns = gr.State([])
        gr.Markdown("## citable\nAsk about the articles. Every sentence of an answer cites the passage it rests "
                    "on: click a badge **[n]** to see it, click an earlier answer to see its sources.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(elem_id="chat", label="Conversation", height=560,
                                             feedback_options=None, buttons=["copy"],
                                             placeholder="Ask a question about the articles.")
                        with gr.Row():
                            question = gr.Textbox(show_label=False, placeholder="Ask a question …", scale=5,
                                                  elem_id="question", max_lines=4, submit_btn=False)
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                        with gr.Row():
                            new_btn = gr.Button("New chat", size="sm", elem_id="new-chat")
                            # hidden until there is a conversation to export
                            export_btn = gr.DownloadButton("Export Markdown", size="sm", elem_id="export",
                                                           value=None, visible=False)
                            export_docx_btn = gr.DownloadButton("Export Word", size="sm", elem_id="export-docx",
                                                                value=None, visible=False)
                        with gr.Accordion("Controls", open=True):
                            with gr.Row():
                                mode = gr.Radio(mode_choices(settings), value="auto", label="Mode",
                                                info=mode_note(settings),
                                                elem_id="mode", scale=2)
                                k = gr.Slider(1, 30, value=settings.k, step=1, label="Passages", elem_id="k",
                                              scale=1)
                            chat_filters = filter_controls(gr, "chat")  # sections, documents, from, to
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(render_sources([]), elem_id="sources", js_on_load=None)
            with gr.Tab("Corpus", id="corpus-tab"):
                count = gr.Markdown(elem_id="doc-count")
                corpus_q = gr.Textbox(label="Find articles (title, file or words in the text)",
                                      elem_id="corpus-search", max_lines=1, placeholder="e.g. Yukos or business/")
                docs = gr.Dataframe(headers=["Title", "Date", "Passages", "File", "Read"], interactive=False,
                                    elem_id="docs", wrap=True, datatype=["str", "str", "number", "str", "markdown"],
                                    column_widths=["42%", "11%", "9%", "28%", "10%"])
                files = gr.File(label=f"Add articles (.txt, .md, .html, .pdf, .docx; up to "
                                      f"{settings.max_upload_mb:g} MB each)",
                                file_count="multiple", file_types=list(UPLOAD_TYPES), elem_id="upload")
                ingest_btn = gr.Button("Ingest uploaded files", variant="primary", elem_id="ingest")
                status = gr.Markdown(elem_id="ingest-status")
                with gr.Row():
                    pick = gr.Dropdown(label="Article to remove", choices=[], elem_id="remove-pick", scale=4)
                    remove_btn = gr.Button("Remove article", variant="stop", elem_id="remove", scale=1)
                with gr.Row():
                    date_pick = gr.Dropdown(label="Date the undated articles of a folder, or one article",
                                            info="an article's own date (from its text) always comes first",
                                            choices=[], elem_id="date-pick", scale=4)
                    date_value = gr.Textbox(label="Date (YYYY-MM-DD; empty clears)", elem_id="date-value",
                                            max_lines=1, scale=1)
                    date_btn = gr.Button("Set date", elem_id="set-date", scale=1)
            search_pickers = search_tab(gr, engine)
            from rag.app.ui_reports import report_tabs

            report_pickers = report_tabs(gr, engine, exports)  # Briefing and Check
        section_pickers = [chat_filters[0], search_pickers[0], *report_pickers[0::2]]
        doc_pickers = [chat_filters[1], search_pickers[1], *report_pickers[1::2]]

        inputs = [question, turns, mode, k, *chat_filters]
        outputs = [chatbot, sources, turns, question, export_btn]
        def download(path: str | None) -> Any:
            """An export button: shown with its file when there is one, hidden when there is nothing to export."""
            return gr.update(value=path, visible=path is not None)

        def ask_and_export(*args: Any) -> Iterator[tuple]:
            """``ask``, with the Word export written whenever the Markdown one is (same outputs, one more)."""
            for out in ask(*args):
                if isinstance(out[-1], dict):  # gr.skip(): still streaming
                    yield (*out, gr.skip())
                else:
                    yield (*out[:-1], download(out[-1]), download(write_docx_export(out[2], exports)))

        outputs.append(export_docx_btn)
        ask_btn.click(ask_and_export, inputs, outputs, api_visibility="private")
        question.submit(ask_and_export, inputs, outputs, api_visibility="private")
        new_btn.click(lambda: (*new_chat()[:-1], download(None), download(None)), None, outputs,
                      api_visibility="private")
        gr.api(ask_json, api_name="ask_json")
        app.load(corpus_view, corpus_q, [docs, pick, count], api_visibility="private")
        filled = [*section_pickers, *doc_pickers, date_pick]
        app.load(pickers, None, filled, api_visibility="private")
        date_btn.click(set_date, [date_pick, date_value, corpus_q], [docs, pick, status], api_visibility="private")
        ingest_btn.click(upload, [files, corpus_q], [docs, pick, status, files], api_visibility="private").then(
            corpus_view, corpus_q, [docs, pick, count], api_visibility="private").then(
            pickers, None, filled, api_visibility="private")
        remove_btn.click(remove, [pick, corpus_q], [docs, pick, status], api_visibility="private").then(
            corpus_view, corpus_q, [docs, pick, count], api_visibility="private").then(
            pickers, None, filled, api_visibility="private")
        corpus_q.change(corpus_view, corpus_q, [docs, pick, count], api_visibility="private")
    return app


def launch_kwargs(settings: Settings) -> dict[str, Any]:
    """Everything ``launch`` needs: where to listen, login, upload limit, and the page's CSS and JS."""
    return {"server_name": settings.host, "server_port": settings.port, "auth": parse_auth(settings.auth),
            "max_file_size": int(settings.max_upload_mb * 1024 * 1024), "show_error": False,
            "css": CSS + _report_css() + SEARCH_CSS, "js": SELECT_JS, "footer_links": ["api"]}


def _report_css() -> str:
    from rag.app.ui_reports import CSS as REPORT_CSS

    return REPORT_CSS


def serve(settings: Settings) -> None:
    kwargs = launch_kwargs(settings)  # a bad RAG_AUTH fails here, before anything loads
    engine = Engine(settings)
    engine.warm_up()  # the model, the index and the judge load now, not during the first user's question
    app = build_app(settings, engine)
    app.queue(default_concurrency_limit=max(1, settings.concurrency))
    server_app, _, _ = app.launch(**kwargs, prevent_thread_lock=True)
    from rag.app import guard
    from rag.app.api import mount_api

    mount_api(server_app, engine, settings)  # the HTTP API on the same server, behind the same login
    guard.install(server_app, settings)  # cross-site refusal, SameSite=Lax, bounded bodies, slowed wrong logins
    app.block_thread()
