"""Word (.docx) exports of a briefing, a grounding check and a conversation, beside the Markdown ones (python-docx).

Every citation becomes a real Word footnote (``word/footnotes.xml``; python-docx writes the part, Word and
LibreOffice number them) holding the quote and its source: title, date, file, page for PDFs, character offsets.
Article text is untrusted and may hold characters XML cannot carry: ``_clean`` drops them; python-docx escapes
the rest.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

from rag.answer.markers import SHOWN as MARKER
from rag.answer.results import Citation
from rag.reports.report_types import Briefing, CheckReport, Item, Turn

FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Word's own separators (ids -1 and 0) come first; citations are numbered from 1.
_FOOTNOTES_XML = (
    f"<w:footnotes {nsdecls('w')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:footnote></w:footnotes>")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", " ".join((text or "").split()))


def source_note(c: Citation) -> str:
    """A footnote's text: the quote, then where it is."""
    return f"“{_clean(c.quote)}” — {_clean(c.title or '(untitled)')}, {c.date or 'undated'}, {c.source}, {c.location}"


class Footnotes:
    """The document's footnotes part; ``cite`` puts a numbered reference in a paragraph and its note in the part."""

    def __init__(self, document: Any) -> None:
        part = document.part
        self._part = XmlPart(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, parse_xml(_FOOTNOTES_XML),
                             part.package)
        part.relate_to(self._part, RT.FOOTNOTES)
        self._next = 1

    def cite(self, paragraph: Any, note: str) -> None:
        n, self._next = self._next, self._next + 1
        run = paragraph.add_run()
        run.font.superscript = True
        ref = OxmlElement("w:footnoteReference")
        ref.set(qn("w:id"), str(n))
        run.element.append(ref)
        self._part.element.append(self._note(n, note))

    @staticmethod
    def _note(n: int, text: str) -> Any:
        fn = OxmlElement("w:footnote")
        fn.set(qn("w:id"), str(n))
        p = OxmlElement("w:p")
        mark = OxmlElement("w:r")
        mark_props = OxmlElement("w:rPr")
        align = OxmlElement("w:vertAlign")
        align.set(qn("w:val"), "superscript")
        mark_props.append(align)
        mark.append(mark_props)
        mark.append(OxmlElement("w:footnoteRef"))
        body = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = " " + text
        body.append(t)
        p.append(mark)
        p.append(body)
        fn.append(p)
        return fn


class _Writer:
    def __init__(self, title: str) -> None:
        self.doc = new_document()
        self.doc.core_properties.title = _clean(title)
        self.doc.core_properties.author = "citable"
        self.notes = Footnotes(self.doc)

    def cited(self, text: str, numbers: Iterable[int], by_n: dict[int, Citation], style: str | None = None,
              lead: str | None = None, flag: str | None = None) -> Any:
        """A paragraph of ``text`` (its [n] markers removed) with one footnote per citation."""
        p = self.doc.add_paragraph(style=style)
        if lead:
            p.add_run(_clean(lead)).bold = True
        p.add_run(_clean(MARKER.sub("", text)))
        for n in numbers:
            if n in by_n:
                self.notes.cite(p, source_note(by_n[n]))
        if flag:
            p.add_run(f" ({flag})").italic = True
        return p

    def note(self, text: str) -> None:
        self.doc.add_paragraph().add_run(_clean(text)).italic = True

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def briefing_docx(b: Briefing) -> bytes:
    """A briefing as a Word document: its sections, every statement footnoted with its quote and source."""
    w = _Writer(f"Briefing: {b.topic}")
    by_n = {c.n: c for c in b.citations}
    w.doc.add_heading(_clean(f"Briefing: {b.topic}"), level=0)
    w.note(f"Evidence: {b.date_range}. Every sentence below is quoted from the articles and checked against its "
           "citation; each footnote gives the quote and its source.")

    def items(head: str, xs: list[Item], empty: str) -> None:
        w.doc.add_heading(head, level=1)
        for x in xs:
            w.cited(x.text, x.citations, by_n, "List Bullet")
        if not xs:
            w.note(empty)

    items("Summary", b.summary, "The sources say nothing about this topic.")
    items("Key facts and figures", b.facts, "No figures found.")
    w.doc.add_heading("Timeline", level=1)
    for t in b.timeline:
        why = f" — {t.reason}" if t.reason else ""
        w.cited(t.text, t.citations, by_n, "List Bullet", lead=f"{t.shown_date} (“{t.phrase}”{why}): ")
    if not b.timeline:
        w.note("No dated events found.")
    w.doc.add_heading("Who's who", level=1)
    for p in b.people:
        w.cited(p.role, p.citations, by_n, "List Bullet", lead=f"{p.name}: ")
    if not b.people:
        w.note("No roles given in the sources.")
    w.doc.add_heading("Conflicting accounts", level=1)
    for c in b.conflicts:
        for a in c.accounts:
            w.cited(a.text, a.citations, by_n, "List Bullet", lead="Account: ")
        w.cited(c.denial.text, c.denial.citations, by_n, "List Bullet 2", lead="Disputed by: ")
    if not b.conflicts:
        w.note("No source disputes another.")
    items("Open questions", b.open_questions, "None found.")
    return w.save()


_CHECK_LABELS = {"supported": "Supported", "contradicted": "Contradicted", "not_found": "Not found"}


def check_docx(r: CheckReport) -> bytes:
    """A grounding check as a Word document: its summary, then each claim with its label, the evidence as a
    footnote (quote and where it is) and, for a claim not supported, why."""
    w = _Writer("Grounding check")
    w.doc.add_heading("Grounding check", level=0)
    w.doc.add_paragraph().add_run(_clean(r.summary())).bold = True
    for c in r.claims:
        p = w.doc.add_paragraph(style="List Number")
        p.add_run(f"{_CHECK_LABELS.get(c.label, c.label)}: ").bold = True
        p.add_run(_clean(" ".join(c.text.split())))
        if c.evidence:
            e = c.evidence
            w.notes.cite(p, f"“{_clean(e.quote)}” — {_clean(e.title or '(untitled)')}, {e.date or 'undated'}, "
                            f"{e.source} [{e.start}:{e.end}]")
        if c.label != "supported" and c.reason:
            w.note(c.reason)
    return w.save()


def conversation_docx(turns: list[Turn], when: datetime | None = None) -> bytes:
    """A chat (``Turn``s) as a Word document: each question, its answer, one footnote per citation."""
    when = when or datetime.now()
    w = _Writer("citable conversation")
    w.doc.add_heading("citable conversation", level=0)
    w.note(f"Exported {when:%Y-%m-%d %H:%M}.")
    for i, t in enumerate(turns, 1):
        w.doc.add_heading(_clean(f"{i}. {t.question}"), level=1)
        ans = t.answer
        if ans is None:
            w.note(f"Error: {t.error or ''}")
            continue
        if ans.refused:
            w.note(ans.answer)
            continue
        by_n = {c.n: c for c in ans.citations}
        sentences = ans.sentences or []
        if not sentences:  # no sentence breakdown: the text with its markers as footnotes
            w.cited(ans.answer, [int(n) for n in MARKER.findall(ans.answer)], by_n)
        else:
            p = w.doc.add_paragraph()
            for s in sentences:
                p.add_run(_clean(MARKER.sub("", s.text)) + " ")
                for n in s.citations:
                    if n in by_n:
                        w.notes.cite(p, source_note(by_n[n]))
                if not (s.supported and s.citations):
                    p.add_run("(unsupported) ").italic = True
        if note := ans.confidence_note():
            w.note(f"{note}.")
    return w.save()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
