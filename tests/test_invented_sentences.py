"""Issue 24: a generated answer's invented sentence that cites a real passage is never shown as supported.

A scripted OpenAI-compatible server answers 8 questions about the seed articles with two sentences, both citing the
same real passage (the one the prompt shows that holds ``anchor``): a faithful paraphrase of what that passage
says, and an invented sentence on the same topic that the passage does not state (a changed number or date, an
added cause, a reversed outcome). The answer goes through the real path (Engine in llm mode over a real seeds
index: retrieval, prompt, stream, markers, verification): every faithful sentence must be supported, no invented
one. Pairs today's overlap verifier gets wrong are strict xfails, to be flipped when the 3-way judge lands.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from llm_fixtures import engine_with, passages_of, scripted_model  # noqa: F401

from rag.app.engine import Engine


@dataclass(frozen=True)
class Pair:
    question: str
    anchor: str  # exact text of the passage both sentences cite
    faithful: str
    invented: str
    how: str  # what makes the invented sentence unsupported


PAIRS = [
    Pair("Who reported that Putin asked Musk to restrict Starlink in Taiwan?",
         "according to The Wall Street Journal",
         "The Wall Street Journal reported that Putin had asked Musk to limit Starlink access in Taiwan as a favour "
         "to Xi Jinping.",
         "The Wall Street Journal reported that Musk agreed to Putin's request and switched off Starlink over "
         "Taiwan.",
         "added outcome"),
    Pair("How large are SpaceX's contracts with the Pentagon and NASA?",
         "totaling $3.6 billion and $11.8 billion",
         "SpaceX's defense contracts with the Pentagon and NASA are worth $3.6 billion and $11.8 billion "
         "respectively.",
         "SpaceX's defense contracts with the Pentagon and NASA are worth $5.2 billion and $11.8 billion "
         "respectively.",
         "changed number"),
    Pair("When did the Kremlin ask Musk not to activate Starlink over Taiwan?",
         "reportedly came in late 2023",
         "The request for Musk not to switch on Starlink over Taiwan reportedly came in late 2023.",
         "The request for Musk not to switch on Starlink over Taiwan reportedly came in early 2022.",
         "changed date"),
    Pair("Why does Taiwan lack official Starlink access?",
         "local laws requiring satellite services",
         "Taiwan has no official Starlink access because its laws require satellite services to be provided "
         "through a joint venture with a Taiwanese operator.",
         "Taiwan has no official Starlink access because SpaceX refused to pay a licence fee demanded by the "
         "Taiwanese government.",
         "invented cause"),
    Pair("How many Starlink terminals did Musk provide to Ukraine?",
         "providing 15,000 Starlink terminals",
         "Musk had been a vocal supporter of Kyiv and provided it with 15,000 Starlink terminals.",
         "Musk had been a vocal critic of Kyiv even as he provided it with 15,000 Starlink terminals.",
         "reversed stance"),
    Pair("How much did SpaceX spend on free Starlink services for Ukraine?",
         "spent around $80 million",
         "Musk said SpaceX had spent about $80 million on free Starlink services for Ukraine.",
         "Musk said Ukraine had paid SpaceX about $80 million for its Starlink services.",
         "reversed who paid"),
    Pair("How much has Musk contributed to the super PAC backing Trump?",
         "at least $75 million",
         "Musk has given at least $75 million to a super PAC that backs Trump.",
         "Musk has received at least $75 million from a super PAC that backs Trump.",
         "reversed who gave"),
    Pair("What did Musk agree to after his call with the Pentagon?",
         "After a 15-minute call",
         "After a call lasting 15 minutes, Musk reportedly agreed to give the Pentagon more time.",
         "After a call lasting 15 minutes, Musk reportedly refused to give the Pentagon any more time.",
         "reversed outcome"),
]

# Pairs today's verifier (embedding closeness + facts present + the overlap judge) gets wrong: strict, so each
# becomes a failure (XPASS) once the 3-way judge labels it right, and its mark must then go.
# What the verifier with the entailment judge (rag/answer/entail.py, one epoch of MiniLM-L6) still gets wrong; before
# it, the overlap rules with the logistic judge got 0, 2, 4, 5 and 6 wrong (3 of 8 right), the rules alone 0, 2-6.
TODAY_WRONG: dict[int, str] = {
    0: "supports an added outcome ('Musk agreed and switched off Starlink'): entailed 0.72",
    2: "rejects the faithful paraphrase ('not to switch on' for 'refrain from activating'): the negation rule, "
       "and the judge reads it as contradicted (0.92)",
    3: "reads the faithful paraphrase of the joint-venture rule as contradicted (0.91)",
    4: "supports 'a vocal critic of Kyiv' on 'a vocal supporter of Kyiv' (same facts, stance reversed)",
    5: "supports 'Ukraine had paid SpaceX' on 'SpaceX had spent ... on free Starlink services' (payer reversed)",
    6: "supports 'received ... from a super PAC' on 'contributed ... to a super PAC' (giver reversed)",
}


def _params() -> list:
    def marks(i: int) -> list:
        why = TODAY_WRONG.get(i)
        return [pytest.mark.xfail(strict=True, reason=f"issue 24: the entailment judge {why}")] if why else []

    return [pytest.param(p, id=f"q{i}-{p.how.replace(' ', '-')}", marks=marks(i)) for i, p in enumerate(PAIRS)]


def _reply(pair: Pair):  # noqa: ANN202
    def reply(messages: list[dict[str, str]]) -> str:
        shown = passages_of(messages)
        n = next((n for n, text in shown.items() if pair.anchor in text), None)
        assert n is not None, f"retrieval did not show the passage holding {pair.anchor!r}: {shown}"
        return f"{pair.faithful} [{n}] {pair.invented} [{n}]"

    return reply


@pytest.mark.parametrize("pair", _params())
def test_faithful_sentence_supported_invented_one_not(seeds_engine: Engine, scripted_model, pair: Pair):  # noqa: ANN001, F811
    model = scripted_model(_reply(pair))
    engine = engine_with(seeds_engine, llm_base_url=model.base_url, llm_api_key="x", llm_model="scripted", k=4)
    ans = engine.ask(pair.question, mode="llm")
    assert ans.mode == "llm" and ans.llm.fallback_reason is None, ans.llm
    faithful, invented = ans.sentences
    assert (faithful.text, invented.text) == (pair.faithful, pair.invented)
    for c in ans.citations:  # both sentences cite the real passage, narrowed to exact quotes
        assert engine.canonical_text(c.source)[c.start:c.end] == c.quote
    verdicts = (faithful.supported, invented.supported)
    assert verdicts == (True, False), (
        f"faithful supported={faithful.supported} {faithful.problems}; invented ({pair.how}) "
        f"supported={invented.supported} (support {invented.support}) {invented.problems}")
    assert invented.problems  # an unsupported sentence says why
