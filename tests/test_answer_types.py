import pytest

from rag.answer.question_kinds import answer_type, has_answer_of_type


@pytest.mark.parametrize("q, kind", [
    ("How much did JP Morgan pay to buy Bank One?", "money"),
    ("How many students did the e-University attract?", "number"),
    ("In what year did Fifa name Rinus Michels coach of the century?", "year"),
    ("When did the arson attacks start?", "date"),
    ("Who became England's first children's commissioner?", "name"),
    ("Which newspaper reported it?", "name"),
    ("Why did Kahl think Musk had become nervous?", None),
    ("What did SpaceX ask the US to do?", None),
])
def test_answer_type(q, kind):
    assert answer_type(q) == kind


def test_a_value_must_be_new_to_the_question():
    q = "How many tonnes of crops did Ethiopia harvest in 2004?"
    assert has_answer_of_type("Ethiopia produced 14.27 million tonnes of crops in 2004.", "number", q)
    assert not has_answer_of_type("Ethiopia's harvest in 2004 was good.", "number", q)
    assert has_answer_of_type("Bates paid £10m for the club.", "money", "How much did Bates pay?")
    assert not has_answer_of_type("Bates bought a 50% stake.", "money", "How much did Bates pay?")
    assert has_answer_of_type("It started in 1979.", "year", "In which year did it start?")
    assert has_answer_of_type("The winner was Mutants by Armand Leroi.", "name", "Which title won?")
