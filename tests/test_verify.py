"""The verifier on hand-written labelled cases over the seeds (real embedding model), and its pure parts."""

from __future__ import annotations

import pytest
from conftest import SEEDS, file_text

from rag.answer.verify import Evidence, Verifier, contradicts, missing_facts, names, negated, numbers, quotes
from rag.ingest.embed import get_embedder

S0 = file_text(SEEDS / "000_1d78f71aed52c027.txt")
S4 = file_text(SEEDS / "004_b1b54881a5237c4c.txt")


def passage(text: str, first: str, last: str, n: int = 1, title: str | None = None,
            date: str | None = None, after: int = 0) -> Evidence:
    """The span of a seed from the sentence starting with ``first`` to the end of the one starting with ``last``."""
    a = text.index(first, after)
    b = text.index(last, a)
    b = min(x for x in (text.find("\n", b), len(text)) if x != -1)
    return Evidence(n, text[a:b], a, title, date)


HEAD = "Putin Musk Starlink report"
A = passage(S0, "A recent report reveals", "This information was reported", date="2024-10-25", title=HEAD)
B = passage(S0, "According to sources cited", "This relationship raises", after=S0.index("Ongoing Communication"),
            date="2024-10-25", title=HEAD)
C = passage(S0, "The request for Musk to refrain", "However, it remains unclear", date="2024-10-25", title=HEAD)
D = passage(S0, "Taiwan currently lacks", "SpaceX has reportedly", date="2024-10-25", title=HEAD)
E = passage(S0, "Musk’s interactions with Putin", "Around the same time", date="2024-10-25", title=HEAD)
F = passage(S0, "In response to criticism", "He stated, “Obviously", date="2024-10-25", title=HEAD)
G = passage(S0, "Political scientist Ian Bremmer", "Musk later refuted", date="2024-10-25", title=HEAD)
H = passage(S0, "Kremlin spokesperson Dmitry Peskov", "However, the Kremlin did not", date="2024-10-25", title=HEAD)
I_ = passage(S0, "With election day approaching", "With election day approaching", date="2024-10-25", title=HEAD)
J = passage(S4, "Elon Musk said he had engaged", "“Even though Musk is not")
K = passage(S4, "After a 15-minute call", "In June this year")
L = passage(S4, "“If you cut this off", "“If you cut this off")

# (sentence, cited passages, invalid marker numbers, truly unsupported?, kind)
CASES = [
    # faithful paraphrases
    ("Putin asked Elon Musk to limit Starlink access over Taiwan as a favour to Xi Jinping.", [A], [], False, "para"),
    ("The Wall Street Journal reported it, citing unnamed officials from the U.S., Europe and Russia.", [A], [],
     False, "para"),
    ("SpaceX has defense contracts with the Pentagon and NASA worth $3.6bn and $11.8bn.", [B], [], False, "para"),
    ("Musk has been in regular contact with Putin since late 2022.", [B], [], False, "para"),
    ("The request about Starlink over Taiwan reportedly came in late 2023.", [C], [], False, "para"),
    ("Taiwan does not have official Starlink access because local laws require a joint venture with a Taiwanese "
     "operator.", [D], [], False, "para"),
    ("Musk had provided 15,000 Starlink terminals to Kyiv.", [E], [], False, "para"),
    ("Musk said SpaceX had spent about $80m on free Starlink services for Ukraine.", [F], [], False, "para"),
    ("Musk stated: \"Obviously, we are pro-Ukraine.\"", [F], [], False, "para"),
    ("Kremlin spokesperson Dmitry Peskov said Musk and Putin only talked about space and future technologies.",
     [H], [], False, "para"),
    ("Musk has given at least $75 million to a super PAC that backs Trump.", [I_], [], False, "para"),
    ("Colin Kahl, then a Pentagon official, said Musk told him he had spoken to Putin personally.", [J], [], False,
     "para"),
    ("After a 15-minute call, Musk agreed to give the Pentagon more time.", [K], [], False, "para"),
    ("Musk denied this, saying his only conversation with Putin had been 18 months earlier and was about space.",
     [G], [], False, "para"),
    ("Ian Bremmer claimed that Putin warned Musk of a ‘major escalation’.", [G], [], False, "para"),
    ("Kahl recalled telling Musk that cutting it off would not end the war.", [L], [], False, "para"),
    ("The report was published on 25 October 2024 and says Putin asked Musk to keep Starlink off over Taiwan.",
     [A], [], False, "para"),
    ("SpaceX holds large Pentagon contracts, and Taiwan lacks official Starlink access.", [B, D], [], False,
     "para"),
    # wrong number
    ("SpaceX holds defense contracts with the Pentagon and NASA worth $3.6 million and $11.8 billion.", [B], [],
     True, "number"),
    ("Musk had provided 50,000 Starlink terminals to Ukraine.", [E], [], True, "number"),
    ("SpaceX spent around $800 million on free Starlink services for Ukraine.", [F], [], True, "number"),
    ("Musk has contributed at least $57 million to a super PAC backing Trump.", [I_], [], True, "number"),
    ("After a 45-minute call, Musk agreed to give the Pentagon more time.", [K], [], True, "number"),
    # wrong name
    ("Putin asked Musk to restrict Starlink in Taiwan as a favour to Kim Jong Un.", [A], [], True, "name"),
    ("The request was reported by The Washington Post, citing officials.", [A], [], True, "name"),
    ("Kremlin spokesperson Maria Zakharova said Musk and Putin only talked about space.", [H], [], True, "name"),
    ("Political scientist Francis Fukuyama claimed that Musk had spoken with Putin before his peace plan tweet.",
     [G], [], True, "name"),
    # wrong date
    ("The request for Musk not to activate Starlink over Taiwan reportedly came in late 2021.", [C], [], True,
     "date"),
    ("By March 2022, Musk sought funding from the Pentagon for the Starlink services.", [E], [], True, "date"),
    ("In June 2021, the Department of Defence said it had reached an agreement with SpaceX.", [K], [], True, "date"),
    ("Musk has maintained regular communication with Putin since late 2019.", [B], [], True, "date"),
    # claim cited to the wrong passage
    ("Musk has contributed at least $75 million to a super PAC backing Trump.", [D], [], True, "wrong passage"),
    ("Taiwan lacks official Starlink access because of local laws on satellite services.", [H], [], True,
     "wrong passage"),
    ("Dmitry Peskov confirmed that Musk and Putin only discussed space.", [A], [], True, "wrong passage"),
    ("Musk agreed to give the Pentagon more time after the call.", [B], [], True, "wrong passage"),
    # missing citation, or a citation to a passage that does not exist
    ("Putin asked Musk to restrict Starlink access in Taiwan.", [], [], True, "no citation"),
    ("SpaceX spent around $80 million on free Starlink services.", [], [9], True, "no citation"),
    # quotation altered
    ("Musk stated: “Obviously, we are pro-Russia.”", [F], [], True, "quote"),
    ("Mr Musk tweeted: “The hell with it, we will stop funding Ukraine.”", [K], [], True, "quote"),
    ("Kahl recalled telling Musk: \"If you cut this off, it ends the war.\"", [L], [], True, "quote"),
    # negation
    ("Taiwan has official Starlink access through a joint venture with a Taiwanese operator.", [D], [], True,
     "negation"),
    ("Musk never provided Starlink terminals to Ukraine.", [E], [], True, "negation"),
    ("The Kremlin responded to requests for further comment about Musk's interactions.", [H], [], True,
     "negation"),
    ("SpaceX has been willing to enter a joint venture with a Taiwanese operator.", [D], [], True, "negation"),
]

# Written after the verifier was tuned on CASES, and not tuned on: a check of over-fitting.
HELD_OUT = [
    ("A former Russian intelligence officer said the request considered Beijing's interests.", [C], [], False,
     "para"),
    ("Moscow increasingly relies on trade with China, according to a former intelligence officer.", [C], [], False,
     "para"),
    ("Trump's campaign praised Musk as a transformative leader.", [I_, H], [], False, "para"),
    ("SpaceX asked the US and its allies to pay a bigger share of Starlink's costs in Ukraine.",
     [passage(S4, "SpaceX had put forward", "SpaceX had put forward")], [], False, "para"),
    ("Taiwan is building its own low-earth orbit satellite network, The New York Times reported.", [D], [], False,
     "para"),
    ("Musk told Colin Kahl he had spoken to Putin about the war in 2021.", [J], [], True, "date"),
    ("A former Chinese intelligence officer said the request was made for Beijing.", [C], [], True, "name"),
    ("SpaceX has readily agreed to a joint venture with a Taiwanese operator.", [D], [], True, "negation"),
    ("Musk has contributed at least $75 billion to a super PAC backing Trump.", [I_], [], True, "number"),
    ("Peskov said Musk and Putin had discussed Ukraine at length.", [H], [], True, "contradiction"),
]


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(get_embedder())


def score(verifier: Verifier, cases: list, name: str) -> tuple[float, float]:
    verdicts = verifier.check_many([(s, cited, bad) for s, cited, bad, _, _ in cases])
    tp = fp = fn = 0
    for (s, _cited, _, truly_bad, kind), v in zip(cases, verdicts, strict=True):
        flagged = not v.supported
        tp += flagged and truly_bad
        fp += flagged and not truly_bad
        fn += truly_bad and not flagged
        mark = "ok " if flagged == truly_bad else "ERR"
        print(f"{mark} {kind:<13} {'unsupported' if flagged else 'supported  '} {v.score:.2f} {s[:70]!r} "
              f"{v.problems}")
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    print(f"\nverifier on {len(cases)} {name}: precision(unsupported)={precision:.3f} "
          f"recall(unsupported)={recall:.3f} (tp={tp}, fp={fp}, fn={fn})\n")
    return precision, recall


def test_labelled_cases_precision_and_recall(verifier: Verifier):
    assert len(CASES) >= 30
    precision, recall = score(verifier, CASES, "labelled cases")
    assert precision >= 0.9 and recall >= 0.9
    held_p, held_r = score(verifier, HELD_OUT, "held-out cases")
    assert held_p >= 0.75 and held_r >= 0.75  # small sample: one error is 0.2


def test_narrowed_spans_are_exact_and_inside_the_cited_passage(verifier: Verifier):
    v = verifier.check("SpaceX has defense contracts with the Pentagon and NASA worth $3.6bn and $11.8bn.", [B])
    assert v.supported
    (span,) = v.spans
    assert B.start <= span.start < span.end <= B.start + len(B.text)
    assert S0[span.start:span.end].startswith("This relationship raises concerns")
    assert len(S0[span.start:span.end]) < len(B.text)


def test_blocked_text_never_supports_a_claim(verifier: Verifier):
    text = S0[A.start:A.start + len(A.text)]
    blocked = Evidence(1, A.text, A.start, blocked=((0, text.index(" This information") ),))
    v = verifier.check("Putin asked Elon Musk to limit Starlink access over Taiwan as a favour to Xi Jinping.",
                       [blocked])
    assert not v.supported


def test_numbers_are_normalised():
    assert [v for _, v in numbers("$3.6 billion")] == [3.6e9]
    assert [v for _, v in numbers("3.6bn")] == [3.6e9]
    assert [v for _, v in numbers("15,000 terminals and 18 months")] == [15000, 18]
    assert [v for _, v in numbers("three minutes")] == [3]
    assert not missing_facts("It cost $80m.", [Evidence(1, "spent around $80 million on it", 0)])
    assert missing_facts("It cost $8m.", [Evidence(1, "spent around $80 million on it", 0)])


def test_quotes_names_and_negation():
    assert quotes("He said “Obviously, we are pro-Ukraine,” then left.") == ["Obviously, we are pro-Ukraine,"]
    assert "Bremmer" in names("Previously, Ian Bremmer said so.") and "Previously" not in names("Previously, x.")
    assert "Ukrainian" in names("Pro-Ukrainian supporters objected.")
    assert negated("Taiwan currently lacks access") and negated("He didn't") and not negated("He did")
    assert contradicts("The Kremlin responded to requests.", "The Kremlin did not respond to requests.")
    assert not contradicts("Bremmer said Putin warned Musk.", "Putin warned Musk if his goals were not met.")
    assert not missing_facts("Russian officials spoke.", [Evidence(1, "officials from Russia", 0)])
    assert not missing_facts("It was reported on 25 October.", [Evidence(1, "it was reported", 0,
                                                                        date="2024-10-25")])


def test_labelled_cases_with_the_entailment_judge():
    """The product's verifier (Engine.verifier()) adds the entailment judge, which can only withhold support: every
    unsupported case stays flagged; it also rejects 3 of the faithful paraphrases (issue 24's target, every case as
    labelled, is not reached: the judge reads them as contradictions or finds them not stated)."""
    from rag.answer.judge import load_judge

    judged = Verifier(get_embedder(), judge=load_judge())
    precision, recall = score(judged, CASES, "labelled cases, with the entailment judge")
    assert recall == 1.0 and precision >= 0.85  # 26 of 29 flagged are truly unsupported
    held_p, held_r = score(judged, HELD_OUT, "held-out cases, with the entailment judge")
    assert held_p >= 0.75 and held_r >= 0.75
