"""Citation cards (HTML): the passage around each cited span, the exact quote marked, sentences addressed to an
AI assistant flagged. Article text is untrusted: every piece of it goes through ``html.escape``. Used by the
chat's sources panel (rag/app/ui.py) and the Briefing tab (rag/app/ui_reports.py)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from rag.answer.injection import instruction_spans
from rag.answer.results import Citation
from rag.app.viewer import view_url
from rag.ingest.documents import doc_id_for
from rag.paths import corpus_names, shown_path

CONTEXT_CHARS = 280  # surrounding text shown on each side of a cited span
INSTRUCTION_NOTE = "text addressed to an AI assistant: never used as evidence"


def static_text(name: str) -> str:
    """A file of the app's page (its CSS and script) from ``rag/app/static/``, read as package data."""
    from importlib import resources

    return (resources.files("rag.app") / "static" / name).read_text(encoding="utf-8")


def passage_window(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> tuple[int, int]:
    """Bounds of the text shown around a cited span, widened to whole words."""
    a, b = max(0, start - context), min(len(text), end + context)
    if a > 0 and not text[a - 1].isspace():
        space = text.find(" ", a, start)
        a = space + 1 if space != -1 else a
    if b < len(text) and not text[b].isspace():
        space = text.rfind(" ", end, b)
        b = space if space != -1 else b
    return a, b


def flag_instructions(text: str, lo: int, hi: int, flagged: list[tuple[int, int]]) -> str:
    """``text[lo:hi]`` escaped, with the sentences addressed to an AI assistant marked as such (never evidence)."""
    out, at = [], lo
    for x, y in flagged:
        x, y = max(x, lo), min(y, hi)
        if x >= y:
            continue
        out.append(html.escape(text[at:x]))
        out.append(f'<span class="instruction" title="{INSTRUCTION_NOTE}">{html.escape(text[x:y])}</span>')
        at = y
    out.append(html.escape(text[at:hi]))
    return "".join(out)


def shown_sources(engine: Any, citations: list[Citation]) -> dict[str, str]:
    """source -> how a card names it: relative to the corpus root, uploads as ``uploads/NAME``
    (:func:`rag.paths.corpus_names`)."""
    try:
        every = [d.source for d in engine.index().catalog.docs()]
    except Exception:  # noqa: BLE001 - no index: the paths as given
        every = []
    return corpus_names(sorted({c.source for c in citations}), every, engine.uploads)


def render_card(c: Citation, text: str | None, turn: int) -> str:
    """One citation: title, date, file and the passage with the exact cited span in a <mark>."""
    return render_group([c], text, turn)


def render_cards(citations: list[Citation], texts: dict[str, str], turn: int | str,
                 names: dict[str, str] | None = None) -> str:
    """One card per passage: citations of one article whose shown passages overlap share a card, which marks
    every quote (two quotes of one paragraph are not two near-identical cards). ``names``: how each source is
    shown (:func:`shown_sources`; its path as given when missing)."""
    groups: list[list[Citation]] = []
    for c in sorted(citations, key=lambda c: (c.source, c.start)):
        text = texts.get(c.source)
        last = groups[-1] if groups else None
        if (last and text is not None and last[-1].source == c.source and text[c.start:c.end] == c.quote
                and all(text[x.start:x.end] == x.quote for x in last)
                and passage_window(text, last[-1].start, last[-1].end)[1] >= passage_window(text, c.start, c.end)[0]):
            last.append(c)
        else:
            groups.append([c])
    groups.sort(key=lambda g: min(c.n for c in g))
    spans: dict[str, list[tuple[int, int]]] = {}
    for c in citations:
        spans.setdefault(c.source, []).append((c.start, c.end))
    return "".join(render_group(g, texts.get(g[0].source), turn, (names or {}).get(g[0].source),
                                spans.get(g[0].source)) for g in groups)


def open_link(c: Citation, also: list[tuple[int, int]] | None = None) -> str:
    """The card's link to the article viewer: the whole article at this quote (the answer's other quotes of it
    marked too), in a new tab."""
    url = view_url(doc_id_for(str(Path(c.source).resolve())), c.start, c.end, also)
    return (f'<a class="open-article" href="{html.escape(url)}" target="_blank" rel="noopener noreferrer" '
            f'title="read the whole article at this quote">open article ↗</a>')


def render_group(group: list[Citation], text: str | None, turn: int | str, name: str | None = None,
                 also: list[tuple[int, int]] | None = None) -> str:
    """A card for citations of one passage; each citation's number is an anchor a badge can select."""
    c = group[0]
    ns = "".join(f'<span class="card-n" id="src-{turn}-{x.n}">[{x.n}]</span>' for x in group[1:])
    spans = ", ".join(x.location for x in group)
    head = (f'<div class="card-title"><span class="card-n">[{c.n}]</span>{ns} {html.escape(c.title or "(untitled)")}'
            f'</div><div class="card-meta">{html.escape(c.date or "undated")} · '
            f'<code>{html.escape(name or shown_path(c.source))}</code> {html.escape(spans)} {open_link(c, also)}</div>')
    if text is not None and all(text[x.start:x.end] == x.quote for x in group):
        a = passage_window(text, min(x.start for x in group), min(x.end for x in group))[0]
        b = passage_window(text, max(x.start for x in group), max(x.end for x in group))[1]
        flagged = [(a + x, a + y) for x, y in instruction_spans(text[a:b])]  # shown, never as evidence
        body, at = "…" * (a > 0), a
        for lo, hi in _merged([(x.start, x.end) for x in group]):
            body += flag_instructions(text, at, lo, flagged) + f"<mark>{html.escape(text[lo:hi])}</mark>"
            at = hi
        body += flag_instructions(text, at, b, flagged) + "…" * (b < len(text))
    else:  # the document was removed or changed since: show the quotes, but not as checked
        body = ("<br>".join(f"<mark>{html.escape(x.quote)}</mark>" for x in group)
                + "<br><em class=\"stale\">The article has changed or been removed since this answer; this quote "
                "can no longer be checked.</em>")
    data_ns = " ".join(str(x.n) for x in group)
    return (f'<div class="source-card" id="src-{turn}-{c.n}" data-turn="{turn}" data-n="{c.n}" '
            f'data-ns="{data_ns}">{head}<div class="passage">{body}</div></div>')


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
