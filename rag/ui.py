"""The web app (Gradio): a question box, the cited answer, and its sources with the quoted span marked.

A first version; the full chat UI is tracked in its own issue. All article text is escaped before display.
"""

from __future__ import annotations

import html
from typing import Any

from rag.engine import Engine
from rag.results import Answer
from rag.settings import Settings

CONTEXT_CHARS = 300


def render_answer(ans: Answer) -> str:
    if ans.refused:
        return f'<p class="refusal"><em>{html.escape(ans.answer)}</em></p>'
    parts = []
    for s in ans.sentences:
        marks = "".join(f'<sup class="cite">[{n}]</sup>' for n in s.citations)
        flag = "" if s.supported else ' <span class="unsupported" title="not supported by its citation">⚠</span>'
        parts.append(f"{html.escape(s.text)}{marks}{flag}")
    return "<p>" + " ".join(parts) + "</p>"


def render_sources(engine: Engine, ans: Answer) -> str:
    cards = []
    for c in ans.citations:
        text = engine.canonical_text(c.source)
        a, b = max(0, c.start - CONTEXT_CHARS), min(len(text), c.end + CONTEXT_CHARS)
        body = (html.escape(text[a:c.start]) + "<mark>" + html.escape(text[c.start:c.end]) + "</mark>"
                + html.escape(text[c.end:b]))
        cards.append(
            f'<div class="source-card" id="source-{c.n}"><b>[{c.n}] {html.escape(c.title or "(untitled)")}</b>'
            f'<br><small>{html.escape(c.date or "undated")} · {html.escape(c.source)} [{c.start}:{c.end}]</small>'
            f'<p>{"…" if a else ""}{body}{"…" if b < len(text) else ""}</p></div>')
    return "\n".join(cards) or "<p><em>No sources.</em></p>"


def build_app(settings: Settings) -> Any:
    import gradio as gr

    engine = Engine(settings)

    def ask(question: str) -> tuple[str, str]:
        try:
            ans = engine.ask(question)
        except Exception as e:  # noqa: BLE001 - shown to the user as one line
            return f"<p><b>Error:</b> {html.escape(str(e))}</p>", ""
        return render_answer(ans), render_sources(engine, ans)

    with gr.Blocks(title="citable") as app:
        gr.Markdown("# citable\nAsk about the articles; every sentence of the answer cites its source.")
        with gr.Row():
            with gr.Column(scale=1):
                question = gr.Textbox(label="Question", placeholder="Which newspaper reported ...?")
                button = gr.Button("Ask", variant="primary")
                answer = gr.HTML(label="Answer")
            with gr.Column(scale=1):
                sources = gr.HTML(label="Sources")
        button.click(ask, question, [answer, sources])
        question.submit(ask, question, [answer, sources])
    return app


def serve(settings: Settings) -> None:
    app = build_app(settings)
    app.queue(default_concurrency_limit=4).launch(server_name=settings.host, server_port=settings.port,
                                                  show_error=False)
