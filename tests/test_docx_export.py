"""Word exports (rag/reports/docx_export.py), opened again with python-docx: headings, text, and one real footnote per
citation holding its quote and source."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
from conftest import ROOT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from rag.answer.results import Citation
from rag.app.ui import Turn
from rag.reports.docx_export import briefing_docx, check_docx, conversation_docx, source_note

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def footnotes(document: docx.document.Document) -> dict[int, str]:
    """id -> text of the document's footnotes (Word's separators, ids -1 and 0, left out)."""
    part = document.part.part_related_by(RT.FOOTNOTES)
    root = etree.fromstring(part.blob)
    return {int(fn.get(f"{W}id")): "".join(t.text or "" for t in fn.iter(f"{W}t")).strip()
            for fn in root.iter(f"{W}footnote") if int(fn.get(f"{W}id")) > 0}


def references(document: docx.document.Document) -> list[int]:
    return [int(r.get(f"{W}id")) for r in document.element.body.iter(f"{W}footnoteReference")]


def test_briefing_docx_has_its_sections_and_a_footnote_per_citation(seeds_engine):  # noqa: ANN001
    b = seeds_engine.brief("Musk's contacts with Putin", mode="extractive")
    d = docx.Document(io.BytesIO(briefing_docx(b)))
    text = "\n".join(p.text for p in d.paragraphs)
    assert d.paragraphs[0].text == "Briefing: Musk's contacts with Putin"
    for heading in ("Summary", "Key facts and figures", "Timeline", "Who's who", "Conflicting accounts",
                    "Open questions"):
        assert heading in [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert b.summary[0].text.split("[")[0].strip()[:60] in text
    notes, refs = footnotes(d), references(d)
    assert refs and sorted(refs) == sorted(notes)  # every reference has its note and every note is referenced
    quotes = {" ".join(c.quote.split()) for c in b.citations}
    assert all(any(f"“{q}”" in n for q in quotes) for n in notes.values())
    assert all(c.source in " ".join(notes.values()) for c in b.citations)
    total = sum(len(x.citations) for x in [*b.summary, *b.facts, *b.timeline, *b.people, *b.open_questions,
                                           *(y for c in b.conflicts for y in [*c.accounts, c.denial])])
    assert len(refs) == total


def test_conversation_docx_footnotes_each_cited_sentence(seeds_engine):  # noqa: ANN001
    q1, q2 = "Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?", "What is on Mars?"
    turns = [Turn(q1, seeds_engine.ask(q1, mode="extractive")), Turn(q2, seeds_engine.ask(q2, mode="extractive")),
             Turn("?", error="the question is empty")]
    d = docx.Document(io.BytesIO(conversation_docx(turns)))
    paras = [p.text for p in d.paragraphs]
    assert f"1. {q1}" in paras and f"2. {q2}" in paras and "Error: the question is empty" in paras
    assert "Wall Street Journal" in "\n".join(paras) and "The sources don't answer this." in paras
    notes = footnotes(d)
    assert len(notes) == len(references(d)) == sum(len(s.citations) for s in turns[0].answer.sentences)
    assert all(n.startswith("“") and "seeds/" in n for n in notes.values())


def test_untrusted_text_cannot_break_the_document():
    c = Citation(1, "a.pdf", "<b>Title</b> & co\x0b", None, 0, 10, "quote\x00 with \x1f control <w:t>", page=3)
    note = source_note(c)
    assert "\x00" not in note and "\x1f" not in note and "p. 3 [0:10]" in note
    ans_turn = Turn("q<>&", None, error="x\x0c")
    d = docx.Document(io.BytesIO(conversation_docx([ans_turn])))
    assert "1. q<>&" in [p.text for p in d.paragraphs]


def test_cli_brief_out_docx(seeds_engine, tmp_path: Path):  # noqa: ANN001
    out = tmp_path / "brief.docx"
    p = subprocess.run([sys.executable, "-m", "rag.app.cli", "--index", str(seeds_engine.settings.index_dir), "brief",
                        "Starlink in Taiwan", "--mode", "extractive", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    d = docx.Document(out)
    assert d.paragraphs[0].text == "Briefing: Starlink in Taiwan"
    assert footnotes(d) and d.core_properties.title == "Briefing: Starlink in Taiwan"
    assert p.stdout.startswith("# Briefing: Starlink in Taiwan")  # the Markdown still goes to stdout


def test_check_docx_labels_each_claim_and_footnotes_its_evidence(seeds_engine):  # noqa: ANN001
    r = seeds_engine.check("Musk has put at least $75 million into a super PAC that supports Trump. "
                           "Tesla plans to build a new battery factory in Poland next year.")
    d = docx.Document(io.BytesIO(check_docx(r)))
    paragraphs = [p.text for p in d.paragraphs]
    assert paragraphs[0] == "Grounding check" and paragraphs[1] == r.summary()
    assert "Supported: Musk has put at least $75 million into a super PAC that supports Trump." in paragraphs
    assert "Not found: Tesla plans to build a new battery factory in Poland next year." in paragraphs
    notes = footnotes(d)
    evidence = [c.evidence for c in r.claims if c.evidence]
    assert evidence and len(notes) == len(evidence) == len(references(d))
    assert all(f"“{e.quote}”" in " ".join(notes.values()) and f"[{e.start}:{e.end}]" in " ".join(notes.values())
               for e in evidence)
