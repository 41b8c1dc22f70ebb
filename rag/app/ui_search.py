"""The web app's Search tab: ranked passages for a query (the hybrid search of ``rag search`` and ``/api/search``),
the query's terms marked, each passage opening the article viewer at its span. Also the filter controls every tab
shares (sections, documents, dates) and their choices.

Article text is untrusted: everything shown goes through ``html.escape``; only the marks are ours.
"""

from __future__ import annotations

import html
import re
from typing import Any

from rag.answer.retrieve import Filters, Hit, parse_filters
from rag.app.engine import Engine, shown_error
from rag.app.ui_cards import static_text
from rag.app.viewer import view_url
from rag.paths import corpus_names, sections_of
from rag.text import terms

_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’][A-Za-z0-9]+)*")

CSS = static_text("search.css")


def mark_terms(text: str, query: str) -> str:
    """``text`` escaped, every word whose term is one of the query's (as BM25 reads them: stemmed, stop words
    left out) in a ``<mark class="term">``."""
    wanted = set(terms(query))
    out, at = [], 0
    for m in _WORD.finditer(text):
        if wanted and set(terms(m.group(0))) & wanted:
            out.append(html.escape(text[at:m.start()]))
            out.append(f'<mark class="term">{html.escape(m.group(0))}</mark>')
            at = m.end()
    out.append(html.escape(text[at:]))
    return "".join(out)


def render_hits(hits: list[Hit], query: str, names: dict[str, str] | None = None) -> str:
    """The ranked passages: title, date, file, the passage with the query's terms marked, and a link that opens
    the article at the passage."""
    e = html.escape
    if not hits:
        return '<div class="search-results"><p class="no-sources">No passage matches.</p></div>'
    out = [f'<div class="search-results"><div class="search-count">{len(hits)} passage'
           f'{"s" if len(hits) != 1 else ""} for “{e(query)}”</div>']
    for i, h in enumerate(hits, 1):
        name = (names or {}).get(h.source, h.source)
        url = view_url(h.doc_id, h.start, h.end)
        out.append(
            f'<div class="search-hit" data-doc="{e(h.doc_id)}" data-span="{h.start}:{h.end}">'
            f'<div class="hit-title">{i}. {e(h.shown_title or h.title or "(untitled)")}</div>'
            f'<div class="hit-meta">{e(h.date or "undated")} · <code>{e(name)}</code> [{h.start}:{h.end}] '
            f'<a class="open-article" href="{e(url)}" target="_blank" rel="noopener noreferrer" '
            f'title="read the whole article at this passage">open at passage ↗</a></div>'
            f'<div class="hit-text">{mark_terms(h.text, query)}</div></div>')
    return "".join(out) + "</div>"


# -- the filter controls every tab shares ----------------------------------------------------------------------
def section_choices(engine: Engine) -> list[str]:
    """The corpus's sections (top-level folders), for the section pickers."""
    try:
        sources = [d.source for d in engine.index().catalog.docs()]
    except Exception:  # noqa: BLE001 - no index yet: no sections
        return []
    return sorted(set(sections_of(sources, engine.settings.index_dir / "uploads").values()))


def doc_choices(engine: Engine) -> list[tuple[str, str]]:
    """(label, doc id) per document, for the document pickers: its title and its path from the corpus root."""
    try:
        docs = engine.index().catalog.docs()
    except Exception:  # noqa: BLE001
        return []
    sources = [d.source for d in docs]
    names = corpus_names(sources, sources, engine.settings.index_dir / "uploads")
    return [(f"{(d.title or '(untitled)')[:70]} — {names[d.source]}", d.doc_id) for d in docs]


def filter_controls(gr: Any, prefix: str, dates: bool = True) -> list[Any]:
    """A row of filters (sections, documents, and the dates when ``dates``), with ids ``PREFIX-sections`` ..."""
    with gr.Row():
        sections = gr.Dropdown(label="Sections", choices=[], multiselect=True, elem_id=f"{prefix}-sections",
                               info="only articles of these folders", scale=2)
        docs = gr.Dropdown(label="Only these documents", choices=[], multiselect=True, elem_id=f"{prefix}-docs",
                           info="type to find a title or file", scale=3)
        if not dates:
            return [sections, docs]
        since = gr.Textbox(label="From (YYYY-MM-DD)", elem_id=f"{prefix}-since", scale=1)
        until = gr.Textbox(label="To (YYYY-MM-DD)", elem_id=f"{prefix}-until", scale=1)
    return [sections, docs, since, until]


def read_filters(sections: list[str] | None, docs: list[str] | None, since: str | None = None,
                 until: str | None = None) -> Filters:
    """The controls' values as Filters (rag.answer.retrieve.parse_filters: one reading everywhere)."""
    return parse_filters(since, until, None, sections, docs)


def search_tab(gr: Any, engine: Engine) -> list[Any]:
    """The Search tab (inside the app's ``gr.Tabs``); returns its pickers for the app to fill."""

    def search(query: str, sections: list[str] | None, docs: list[str] | None, since: str, until: str) -> str:
        if not (query or "").strip():
            return '<div class="report-hint">Type words to look for: passages that use them, or say the same, come ' \
                   'first.</div>'
        try:
            hits = engine.search(query, 20, read_filters(sections, docs, since, until))
            every = [d.source for d in engine.index().catalog.docs()]
        except Exception as e:  # noqa: BLE001 - one line for the user
            return f'<div class="corpus-error">⚠ {html.escape(shown_error(e, engine.settings))}</div>'
        names = corpus_names(sorted({h.source for h in hits}), every, engine.settings.index_dir / "uploads")
        return render_hits(hits, query.strip(), names)

    with gr.Tab("Search", id="search-tab"):
        with gr.Row():
            query = gr.Textbox(show_label=False, placeholder="Words to find in the articles' passages", scale=5,
                               elem_id="search-query", max_lines=1)
            button = gr.Button("Search", variant="primary", scale=1, elem_id="search")
        pickers = filter_controls(gr, "search")
        out = gr.HTML(elem_id="search-results")
    button.click(search, [query, *pickers], out, api_visibility="private")
    query.submit(search, [query, *pickers], out, api_visibility="private")
    return pickers[:2]
