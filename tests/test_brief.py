"""Briefings over the seeds (real model, real index) and over the BBC corpus; the CLI's `rag brief`."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from llm_fixtures import engine_with, llama_server, llm_settings, passages_of, scripted_model, stub_server  # noqa: F401

from rag.answer.entail import Thresholds
from rag.answer.retrieve import Hit
from rag.answer.verify import Evidence, Verifier
from rag.app.cli import main
from rag.reports.brief import TUNING
from rag.reports.brief.conflicts import Judged, pairs_of, value_conflicts
from rag.reports.brief.evidence import Sent
from rag.reports.report_types import Briefing, Item
from rag.text import sentence_spans

TOPIC = "Musk's contacts with Putin"
INVENTED = "Musk also bought a chain of bakeries in Lisbon in 2019."


@pytest.fixture(scope="module")
def seeds_brief(seeds_engine) -> Briefing:  # noqa: ANN001
    return seeds_engine.brief(TOPIC)


def assert_invariant(engine, b: Briefing) -> None:  # noqa: ANN001
    assert b.citations and [c.n for c in b.citations] == list(range(1, len(b.citations) + 1))
    for c in b.citations:
        assert engine.canonical_text(c.source)[c.start:c.end] == c.quote
    items = [*b.summary, *b.facts, *b.timeline, *b.people, *b.open_questions,
             *(x for c in b.conflicts for x in [*c.accounts, c.denial])]
    used = {n for x in items for n in x.citations}
    assert all(x.citations for x in items) and used == set(range(1, len(b.citations) + 1))
    # What guards a briefing is that rag/reports/brief/ drops every statement its citations do not verify: each one
    # shown passes the verifier against the quotes it cites.
    assert unverified(engine, b) == []


def unverified(engine, b: Briefing) -> list[str]:  # noqa: ANN001
    """The statements of ``b`` that the engine's verifier rejects against the quotes they cite."""
    by_n = {c.n: Evidence(c.n, c.quote, c.start, c.title, c.date) for c in b.citations}
    statements = [(x.text, x.citations) for x in [*b.summary, *b.facts, *b.timeline,
                                                   *(x for c in b.conflicts for x in [*c.accounts, c.denial])]]
    statements += [(f"{p.name}, {p.role}", p.citations) for p in b.people]
    verdicts = engine.components().verifier().check_many([(s, [by_n[n] for n in ns], []) for s, ns in statements])
    return [s for (s, _), v in zip(statements, verdicts, strict=True) if not v.supported]


def one(items, *words: str):  # noqa: ANN001, ANN201
    found = [x for x in items if all(w.lower() in x.text.lower() for w in words)]
    assert found, f"no item with {words}: {[x.text for x in items]}"
    return found[0]


def test_seeds_timeline_resolves_dates_and_says_when_the_year_is_unknown(seeds_engine, seeds_brief):
    tl = seeds_brief.timeline
    contacts = one(tl, "regular communication")
    assert (contacts.date, contacts.qualifier, contacts.phrase) == ("2022", "late", "since late 2022")
    tweet = one(tl, "tweeted", "peace plan")  # dated by the sentence before it ("by October 2022")
    assert tweet.date == "2022-10" and "October 2022" in tweet.reason
    taiwan = one(tl, "Taiwan", "request")
    assert (taiwan.date, taiwan.qualifier) == ("2023", "late")
    june = one(tl, "June", "agreement")
    assert june.date is None and june.phrase == "In June this year" and "no publication date" in june.reason
    dated = [t for t in tl if t.date]
    assert [t.date[:4] for t in dated] == sorted(t.date[:4] for t in dated)
    assert tl.index(contacts) < tl.index(taiwan) < tl.index(june)  # unknown dates come last
    md = seeds_brief.markdown
    assert "## Timeline" in md and "date unknown" in md and "In June this year" in md
    assert_invariant(seeds_engine, seeds_brief)


def test_seeds_conflicts_put_the_denials_beside_the_reports(seeds_brief):
    conflicts = seeds_brief.conflicts
    musk = [c for c in conflicts if any(w in c.denial.text for w in ("refuted", "denied"))]
    assert musk, [c.denial.text for c in conflicts]
    reports = " ".join(a.text for c in musk for a in c.accounts)
    assert any(w in reports for w in ("Bremmer", "Kahl", "according to", "sources", "official"))
    kremlin = [c for c in conflicts if "Peskov" in c.denial.text or "Kremlin" in c.denial.text]
    assert kremlin and all(a.text != kremlin[0].denial.text for a in kremlin[0].accounts)
    assert "| account | disputed by |" in seeds_brief.markdown


def test_seeds_people_summary_facts_and_open_questions(seeds_brief):
    roles = {p.name: p.role for p in seeds_brief.people}
    assert "under-secretary of defence" in roles.get("Colin Kahl", "")
    assert "spokesperson" in roles.get("Dmitry Peskov", "")
    assert 3 <= len(seeds_brief.summary) <= 6 and seeds_brief.facts
    assert any(any(ch.isdigit() for ch in f.text) for f in seeds_brief.facts)
    questions = [q.text for q in seeds_brief.open_questions]
    assert questions and all("?" in q for q in questions)
    assert any("how many times" in q.lower() for q in questions)  # the source says it remains unclear
    assert "2 articles" in seeds_brief.date_range and "2024-10-25" in seeds_brief.date_range


def test_statements_their_citations_do_not_verify_are_dropped(seeds_engine, seeds_brief, monkeypatch):  # noqa: ANN001
    """Every statement about Taiwan made to fail verification (the verifier's verdict turned): none is shown,
    the rest stay, and the citations are renumbered without the dropped ones' quotes."""
    def about_taiwan(b: Briefing) -> list[str]:
        return [s for s in _statements(b) if "Taiwan" in s]

    assert about_taiwan(seeds_brief) and unverified(seeds_engine, seeds_brief) == []
    real = Verifier.check_many

    def rejecting(self, items):  # noqa: ANN001, ANN202
        return [replace(v, supported=False) if "Taiwan" in s else v
                for (s, _, _), v in zip(items, real(self, items), strict=True)]

    monkeypatch.setattr(Verifier, "check_many", rejecting)
    b = seeds_engine.brief(TOPIC)
    assert about_taiwan(b) == [], about_taiwan(b)
    assert set(_statements(b)) == {s for s in _statements(seeds_brief) if "Taiwan" not in s}
    assert_invariant(seeds_engine, b)  # the verifier (still turned) finds nothing unverified


def _statements(b: Briefing) -> list[str]:
    return [x.text for x in [*b.summary, *b.facts, *b.timeline, *(x for c in b.conflicts
                                                                   for x in [*c.accounts, c.denial])]]


def test_brief_cli_json_and_markdown_file(seeds_engine, tmp_path: Path, capsys, monkeypatch):  # noqa: ANN001
    monkeypatch.chdir(ROOT)
    out = tmp_path / "brief.md"
    assert main(["--index", str(seeds_engine.settings.index_dir), "brief", TOPIC, "--json", "--out", str(out)]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert {"topic", "markdown", "sections", "citations"} <= set(obj) and obj["topic"] == TOPIC
    assert set(obj["sections"]) == {"summary", "facts", "timeline", "people", "conflicts", "open_questions"}
    item = obj["sections"]["timeline"][0]
    assert {"date", "phrase", "citations", "reason"} <= set(item)
    assert out.read_text(encoding="utf-8") == obj["markdown"]
    c = obj["citations"][0]
    assert (ROOT / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]


def test_brief_bad_input_is_one_line(seeds_engine, tmp_path: Path):  # noqa: ANN001
    idx = ["--index", str(seeds_engine.settings.index_dir)]
    for args in (["brief", "   "], ["brief", TOPIC, "--out", str(tmp_path / "no" / "such" / "x.md")]):
        p = subprocess.run([sys.executable, "-m", "rag.app.cli", *idx, *args], capture_output=True, text=True,
                           cwd=ROOT, timeout=300)
        lines = p.stderr.strip().splitlines()
        assert p.returncode != 0 and len(lines) == 1 and lines[0].startswith("rag: error:"), p.stderr


def test_llm_summary_shows_only_verified_sentences(seeds_engine, scripted_model):  # noqa: ANN001, F811
    """A model's summary of two faithful sentences and an invented one: the summary is the model's (mode llm, no
    fallback), without the invented sentence, each sentence cited where it was verified."""
    def reply(messages: list[dict[str, str]]) -> str:
        shown = passages_of(messages)
        return f"{first_sentence(shown[1])} [1] {INVENTED} [1] {first_sentence(shown[2])} [2]"

    model = scripted_model(reply)
    engine = engine_with(seeds_engine, llm_base_url=model.base_url, llm_api_key="x", llm_model="scripted")
    b = engine.brief(TOPIC, mode="llm")
    shown = passages_of(model.requests[0])
    assert b.mode == "llm" and b.llm.fallback_reason is None and b.llm.called, b.llm
    assert [x.text for x in b.summary] == [first_sentence(shown[1]), first_sentence(shown[2])]
    quotes = {c.n: c.quote for c in b.citations}
    assert all(quotes[x.citations[0]] == x.text for x in b.summary)  # each cites the very sentence it copied
    assert_invariant(engine, b)


def first_sentence(passage: str) -> str:
    a, b = sentence_spans(passage)[0]
    return passage[a:b]


def test_llm_summary_from_the_real_model_is_verified_or_extractive(seeds_engine, llama_server):  # noqa: ANN001, F811
    """The tiny real model writes poor text: whatever it wrote is shown only if verified, else extractive."""
    engine = engine_with(seeds_engine, **llm_settings(llama_server, llm_max_tokens=160))
    b = engine.brief(TOPIC, mode="llm")
    print(f"brief --mode llm: mode={b.mode} fallback={b.llm.fallback_reason!r} summary={[x.text for x in b.summary]}")
    assert b.llm.called and b.llm.model
    assert (b.mode == "llm" and b.llm.fallback_reason is None) or (b.mode == "extractive" and b.llm.fallback_reason)
    assert len(b.summary) >= 2 and b.timeline and b.conflicts
    assert_invariant(engine, b)


def test_llm_failure_keeps_the_extractive_summary(seeds_engine, stub_server):  # noqa: ANN001, F811
    engine = engine_with(seeds_engine, llm_base_url=stub_server("rate-limit"), llm_model="stub", llm_timeout=2.0)
    b = engine.brief(TOPIC, mode="llm")
    assert b.mode == "extractive" and "rate limiting" in b.llm.fallback_reason and b.llm.called
    assert b.summary == seeds_engine.brief(TOPIC, mode="extractive").summary
    assert b.to_dict()["llm"]["fallback_reason"] == b.llm.fallback_reason


def test_bbc_business_briefing_is_cited(bbc_engine):  # noqa: ANN001
    b = bbc_engine.brief("Yukos and its Russian tax bill")
    assert 3 <= len(b.summary) <= 6 and b.facts and b.timeline and b.people
    assert_invariant(bbc_engine, b)
    business = [c for c in b.citations if "/business/" in c.source]
    assert len(business) >= 0.8 * len(b.citations)
    assert any("Yukos" in x.text for x in b.summary)


def test_a_value_conflicts_sides_follow_relevance_not_memory():
    """Two relevant sentences from different articles giving different values are one conflict, the more relevant
    (earlier) one as the account, whichever order they were made in."""
    def sent(doc: str, text: str, rel: float) -> Sent:
        hit = Hit(f"{doc}-0", doc, f"{doc}.txt", None, None, 0, len(text), text, 1.0, None, None)
        return Sent(hit, 0, len(text), text, rel, np.array([1.0, 0.0]))

    class Numbered:
        def item(self, s: Sent) -> Item:
            return Item(s.text, [1])

    a = sent("a", "WorldCom overstated its profits by $11bn, prosecutors said.", 0.9)
    b = sent("b", "WorldCom overstated its profits by $9bn, prosecutors said.", 0.8)
    for about in ([a, b], [b, a]):
        pairs = pairs_of(about, about)
        found = value_conflicts(pairs, Judged(None, Thresholds(), pairs), Numbered())
        assert [(c.accounts[0].text, c.denial.text) for c in found] == [(about[0].text, about[1].text)]
    assert TUNING.near_best == 0.45 and dataclasses.is_dataclass(TUNING)
    with pytest.raises(dataclasses.FrozenInstanceError):
        TUNING.min_relevance = 0.0  # type: ignore[misc]


# Issue 25: pure rules of the sections, on small fixtures.

def _sent(doc: str, text: str, rel: float = 0.5, vec: tuple = (1.0, 0.0)) -> Sent:
    hit = Hit(f"{doc}-0", doc, f"{doc}.txt", None, None, 0, len(text), text, 1.0, None, None)
    v = np.array(vec, dtype=float)
    return Sent(hit, 0, len(text), text, rel, v / np.linalg.norm(v))


def test_summary_and_facts_stand_alone_and_report():
    from rag.reports.brief import stands_alone
    from rag.reports.brief.summary import quantity
    for leaning in ('"Fiat may be willing to cancel the put in exchange for money."',  # a quotation, no speaker
                    '"We will cut £35 billion," he said.', "The report showed that 27% of consumers want one.",
                    "The German lender is one of six banks.", "Indeed, the paper said so.",
                    "Of that, £23 billion would go on spending plans.", "I can well understand why he left.",
                    "Let's hope this is the end of the party.", '"Which taxes will they put up?"',
                    "Should he win the election, he has earmarked £4 billion for tax cuts.",
                    "The unidentified Parmalat source also told Reuters so.",
                    "The management changes are part of a wider shake-up.",
                    "All the money would come from its £35 billion efficiency savings.",
                    "By contrast, almost a third are interested in a player."):
        assert not stands_alone(leaning), leaning
    for alone in ("Heathrow said the runway would open in 2005.", "The board of Man Utd is expected to meet.",
                  'Mr Jobs said: "We are delighted," in London.', "The US economy grew 4% in 2004.",
                  "Mr Kilroy-Silk said he wanted change.", "The board of Fiat said it would appeal.",
                  "Apple has expanded its iPod family."):
        assert stands_alone(alone), alone
    assert not any(quantity(t) for t in ("What happened on 7 March?", "Mr Ebbers, 63, has always denied it.",
                                         "Shares rose by 0900 GMT.", "It was founded in 2000."))
    assert quantity("He owns 28.1% of the club.") and quantity("On March 7th, 2,000 jobs went.")


def test_open_questions_name_their_subject_and_none_from_an_unresolved_date():
    from rag.reports.brief.questions import names_its_subject, open_questions
    from rag.reports.report_types import TimelineItem
    assert not names_its_subject("what this guy will be bringing to the table")
    assert names_its_subject("whether Glazer will bid for the club") and names_its_subject("how the deal works")
    b = Briefing("t", "", timeline=[TimelineItem(None, None, "last week", "no publication date", "He quit.", [1])])

    class NoCites:
        def add(self, *a) -> int:  # noqa: ANN002
            return 1
    pool = [replace(_sent("a", "It remains unclear what this guy will bring."), focus=True),
            replace(_sent("b", "It is not clear whether Glazer will bid."), focus=True)]
    assert [q.text for q in open_questions(b, pool, NoCites())] == [
        "Whether Glazer will bid? (the source says this is not known)"]


def test_each_event_once_best_dated_with_all_sources_and_statements_when_made():
    from rag.reports.brief.timeline import _each_event_once, _when
    from rag.reports.dates import find_dates
    from rag.reports.report_types import TimelineItem

    def entry(s: Sent, n: int):  # noqa: ANN202
        r = _when(s.text, find_dates(s.text, None))
        return (r.sort_key(), TimelineItem(r.iso, r.qualifier, r.phrase.strip(), None, s.text, [n]), s, r)
    a = _sent("a", "Ebbers is on trial over WorldCom's collapse in 2002.", vec=(1, 0, 0))
    b = _sent("b", "The phone company collapsed in July 2002, prosecutors claim.", vec=(0, 1, 0))
    c = _sent("c", "Cynthia Cooper alerted directors to irregular accounting in 2002.", vec=(0, 0, 1))
    kept = [x[1] for x in _each_event_once([entry(a, 1), entry(b, 2), entry(c, 3)])]
    assert [(t.date, t.citations) for t in kept] == [("2002-07", [1, 2]), ("2002", [3])]
    said = "Sales are expected to fall in 2005, Fiat said this week."
    assert _when(said, find_dates(said, None)).phrase.strip() == "this week"
    ahead = "The Chancellor said the plans would see £50bn in cuts by 2011."
    assert _when(ahead, find_dates(ahead, None)) is None
    quoted = '"Music players are the only established players in Europe today," said Ian Fogg.'
    assert _when(quoted, find_dates(quoted, None)) is None
    d = _sent("d", "Yugansk was sold off at auction in December last year to Rosneft.", vec=(1, 0, 0))
    e = _sent("e", "Yugansk was sold for $9.3bn in an auction last year.", vec=(0, 1, 0))
    assert [x[1].citations for x in _each_event_once([entry(d, 4), entry(e, 5)])] == [[4, 5]]


def test_people_roles_whole_and_each_person_once():
    from rag.reports.brief.people import _appositions, _bare, _clean_name, _not_a_person
    assert [(n, r) for n, r, _, _ in _appositions("Irish horseracing tycoons JP McManus and John Magnier own 29%.")] \
        == [("JP McManus", "Irish horseracing tycoons"), ("John Magnier", "Irish horseracing tycoons")]
    assert _appositions("Menatep Group's managing director Tim Osborne said.")[0][1] == \
        "Menatep Group's managing director"
    assert _appositions("Mr Ebbers' lawyer Reid Weingarten asked.")[0][1] == "Mr Ebbers' lawyer"
    assert _appositions("the board, including chairman John Smith, met")[0][1] == "chairman"
    assert _clean_name("Vadim Mitroshin The") == "Vadim Mitroshin" and _not_a_person("Menatep Group", {})
    assert _bare("founder") and _bare("Chief executive") and not _bare("Yukos founder")


def test_readers_comments_are_not_the_story():
    from rag.reports.brief.evidence import commentary_from
    story = ["Kilroy launches party", "Mr Kilroy-Silk said he wanted change.", "He quit UKIP last week, he said.",
             "UKIP leader Roger Knapman said he was glad.", "Mr Hockney also left UKIP, a spokesman said."]
    comments = ["Thank goodness he has gone!", "I think his views are shared by many.", "Veritas? A clown.",
                "Good luck to him though."]
    text = "\n\n".join(story + comments)
    assert commentary_from(text) == text.index("Thank goodness")
    assert commentary_from("\n\n".join(story + ['"I will fight," he said.'])) is None


def test_one_dated_event_is_one_bullet():
    from rag.reports.brief.evidence import diverse
    from rag.reports.brief.summary import one_event
    a = _sent("a", "The Tories on Monday highlighted their plans for tax cuts worth £4bn.", vec=(1, 0, 0))
    b = _sent("b", "The Tories on Monday highlighted £35bn in wasteful spending they would stop.", vec=(0.7, 0.71, 0))
    c = _sent("c", "On Tuesday Labour challenged the Tories to publish the report.", vec=(0.7, 0.71, 0))
    assert one_event(a, b) and not one_event(b, c)
    assert [s.text for s in diverse([a, b, c], 3, also=one_event)] == [a.text, c.text]
    ebbers = _sent("a", "Ebbers, accused of an $11bn fraud, never made accounting decisions, a witness said.")
    assert not one_event(ebbers, _sent("b", "Ebbers was directly involved in the $11bn fraud, his associate said.",
                                       vec=(0.7, 0.71)))
