"""Suggested follow-up questions: built from the cited articles' other sentences, kept only when answered."""

from __future__ import annotations

from pathlib import Path

from rag.answer.followups import candidates, questions


def test_sentences_become_questions_in_their_own_words():
    assert questions("Tomas Brevik founded the orchard in 2011, after a hailstorm destroyed his hives.") == [
        "Who founded the orchard in 2011?"]
    assert "How much did quarterly profits at US media giant TimeWarner jump?" in questions(
        "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months.")
    assert questions("TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn.") == [
        "How much did fourth quarter sales rise?"]
    assert questions("How much did Baikal pay?") == []  # not a statement
    assert "How much did Baikal pay?" in questions("Baikal paid $9.4bn for the unit in December 2004.")
    assert questions("The deal was approved, said Mr Kahl on Monday.") == ["What did Mr Kahl say?"]
    assert questions("Yukos sold its main unit on 19 December 2004 to an unknown firm.")[-1] == (
        "What happened on 19 December 2004?")
    # a headline, a quotation, a sentence with no name for a subject: no question
    assert questions("Ad sales boost Time Warner profit") == []
    assert questions('"I am delighted," he said.') == []
    assert questions("It was a good year for the firm.") == []


def test_candidates_skip_the_cited_sentences_and_the_question_asked():
    text = ("Kelvara Orchards harvest report\nKelvara Orchards grows quince and medlar in the Tarn valley. "
            "Tomas Brevik founded the orchard in 2011, after a hailstorm destroyed his hives. "
            "Mr Brevik said the quince harvest was a record.")
    cited = (text.index("Kelvara Orchards grows"), text.index(" Tomas"))
    got = candidates(text, [cited], "Who founded the orchard in 2011?")
    assert got == ["What did Mr Brevik say?"]  # the question asked is not suggested again; nor the cited sentence
    assert candidates(text, [], "x") == []


def test_every_suggestion_is_answered_from_the_cited_articles(seeds_engine):  # noqa: ANN001
    ans = seeds_engine.ask("Why did Kahl think Musk had become nervous?", mode="extractive")
    suggested = seeds_engine.follow_ups(ans)
    assert len(suggested) >= 2, suggested
    assert len({q.split()[-2] for q in suggested}) == len(suggested)  # "Colin Kahl" and "Mr Kahl": one question
    # a candidate the engine refuses is never suggested (the other seed's only candidate is refused)
    other = seeds_engine.ask("Which newspaper reported that Putin asked Musk to restrict Starlink in Taiwan?",
                             mode="extractive")
    assert not other.refused and "Who has reportedly been unwilling to enter such an arrangement?" not in (
        seeds_engine.follow_ups(other))
    cited = {Path(c.source).name for c in ans.citations}
    for q in suggested:
        got = seeds_engine.ask(q, mode="extractive")
        assert not got.refused and cited & {Path(c.source).name for c in got.citations}, q
    refused = seeds_engine.ask("What is the boiling point of tungsten on Mars?", mode="extractive")
    assert refused.refused and seeds_engine.follow_ups(refused) == []
