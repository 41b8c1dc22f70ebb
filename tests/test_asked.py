"""What a question asks for, and the typed spans that can answer it (rag/answer/asked.py): pure rules, tested on
questions of many kinds and subjects, most of them not from the dev sets."""

import pytest

from rag.answer.asked import TYPE_FEATURES, asked, new_spans, spans, type_features


@pytest.mark.parametrize("q, kind", [
    ("How much did JP Morgan pay to buy Bank One?", "money"),
    ("How much profit did the airline make last year?", "money"),
    ("How much did house prices rise in March?", "number"),
    ("What percentage of voters backed the plan?", "percent"),
    ("What proportion of the budget goes on defence?", "percent"),
    ("How many people died in the floods?", "number"),
    ("How old was the singer when she died?", "number"),
    ("What was the final score?", "number"),
    ("When did the strike begin?", "date"),
    ("In which year was the company founded?", "date"),
    ("On what day will the results be announced?", "date"),
    ("Who wrote the report?", "person"),
    ("Whom did the board appoint as chairman?", "person"),
    ("Which striker scored the winning goal?", "person"),
    ("Which company bought the brewery?", "organisation"),
    ("What newspaper first published the story?", "organisation"),
    ("Where will the summit be held?", "place"),
    ("Which country hosted the 2002 World Cup?", "place"),
    ("Why did the talks collapse?", "reason"),
    ("What caused the power cut?", "reason"),
    ("What was the reason for the delay?", "reason"),
    ("How did the thieves get into the bank?", "manner"),
    ("How did the minister describe the deal?", "other"),
    ("Is the euro stronger than the dollar?", "yesno"),
    ("Did the minister resign?", "yesno"),
    ("What did the spokesman say about the merger?", "other"),
    ("In 2004, how many cars did the firm sell?", "number"),
])
def test_answer_type(q, kind):
    assert asked(q).kind == kind


def test_focus_is_the_asked_thing():
    assert "profit" in asked("How much profit did the airline make?").focus
    assert asked("Which company bought the brewery?").focus == {"company"}
    # Without a head noun the focus is the question's other content words, names left out.
    focus = asked("When did Gordon Brown deliver the budget?").focus
    assert "budget" in focus and "gordon" not in focus


@pytest.mark.parametrize("sentence, kind, text", [
    ("The club paid £10m for the striker.", "money", "£10m"),
    ("Sales reached 481.42m yuan.", "money", "481.42m yuan"),
    ("It cost $3.6bn.", "money", "$3.6bn"),
    ("Unemployment fell to 4.7% in May.", "percent", "4.7%"),
    ("Prices rose by 3 per cent.", "percent", "3 per cent"),
    ("The strike began on 12 March 2004.", "date", "12 March 2004"),
    ("The firm was founded in 1998.", "date", "in 1998"),
    ("Talks resume on Monday.", "date", "on Monday"),
    ("More than 200 people attended.", "number", "200"),
    ("Mr Tsutsumi was arrested in Tokyo.", "person", "Mr Tsutsumi"),
    ("Mr Tsutsumi was arrested in Tokyo.", "place", "Tokyo"),
    ("Shares in British Airways fell.", "organisation", "British Airways"),
    ("The BBC reported the story.", "organisation", "BBC"),
    ("The talks failed because neither side would move.", "reason", "because"),
    ("They got in by cutting the fence.", "manner", "by cutting"),
])
def test_spans(sentence, kind, text):
    found = [(s.kind, s.text) for s in spans(sentence)]
    assert any(k == kind and text in t for k, t in found), found


def test_a_capital_at_the_start_is_not_a_name():
    assert not [s for s in spans("Shares fell sharply after the report.") if s.kind in ("name", "person")]


def test_only_spans_the_question_lacks_count():
    a = asked("How many tonnes of crops did Ethiopia harvest in 2004?")
    assert [s.text for s in new_spans(a, "Ethiopia produced 14.27 million tonnes of crops in 2004.")] \
        == ["14.27 million"]
    assert not new_spans(a, "Ethiopia's harvest in 2004 was good.")
    who = asked("Who did Tottenham sign from Porto?")
    assert not new_spans(who, "Tottenham signed a player from Porto.")
    assert new_spans(who, "Tottenham signed Pedro Mendes from Porto.")


def test_type_features_separate_the_answer_from_a_near_miss():
    a = asked("How much did Yukos pay in back taxes?")
    answer = dict(zip(TYPE_FEATURES, type_features(a, "Yukos paid $3.4bn in back taxes last year."), strict=True))
    near = dict(zip(TYPE_FEATURES, type_features(a, "Yukos has disputed the back taxes in court."), strict=True))
    assert answer["span_new"] == 1 and near["span_new"] == 0
    assert answer["span_focus_dist"] < near["span_focus_dist"]
    other = dict(zip(TYPE_FEATURES, type_features(asked("What did Yukos say?"), "Yukos said no."), strict=True))
    assert other["span_new"] == -1  # no type asked: the feature says so rather than guessing
