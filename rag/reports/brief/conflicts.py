"""The briefing's conflicting accounts: articles giving different values for one fact, and denials beside the
affirmative statement they deny. Statements that agree are never listed."""

from __future__ import annotations

import re

from rag.answer.components import Components
from rag.reports.brief.evidence import Citations, Sent, each_once, focused, previous, relevant, same
from rag.reports.brief.tuning import TUNING
from rag.reports.relevance import value_conflict
from rag.reports.report_types import Conflict

# Cue words of a denial. Nouns ("a tax dispute") and business verbs ("shareholders rejected the offer") are not
# denials, so "dispute", "reject" and "dismiss" count only with what they deny.
_WHAT = r"(?:the |these |those |this |that |such )?(?:claims?|reports?|allegations?|accounts?|accusations?|" \
        r"suggestions?|charges?|story|stories)\b"
_DENIAL = re.compile(
    rf"\b(?:den(?:y|ies|ied|ying)(?! (?:bail|access|entry|visas?|permission|the request))|refut(?:e|es|ed|ing)|"
    rf"contradict(?:s|ed|ing)?|(?:disput|reject|dismiss)(?:e|es|ed|ing|s)? {_WHAT}|"
    rf"not true|no such|untrue|(?:is|was|are|were) [\"“']?false|falsely|never (?:happened|said|spoke|met)|"
    rf"baseless|groundless)\b", re.I)
# Restrictive statements contradict an account only when asserted in reply: "X confirmed that the only call
# was ..." (not any "the only bidder is ..., he said").
_RESTRICT = re.compile(r"\b(?:the only|(?:his|her|its|their) only|solely|nothing but|no other)\b", re.I)
_ASSERTED = re.compile(r"\b(?:confirmed|confirms|insisted|insists|maintained|maintains|stated|asserted|claimed|"
                       r"claiming)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|no|never|nothing|unaware|reject(?:s|ed)?|den(?:y|ies|ied)|refus(?:e|es|ed))\b|n't\b",
                      re.I)  # an account saying this sides with a denial rather than contradicting it
_REPORT = re.compile(r"\b(?:report(?:s|ed|edly)?|according to|claimed|told|said|sources?|quoted|revealed)\b", re.I)
_REFERS_BACK = re.compile(r"\b(?:this|that|it|the (?:report|claim|account)s?)\b")


def conflicts(parts: Components, pool: list[Sent], cites: Citations) -> list[Conflict]:
    """Where the sources disagree: two articles giving different values for the same fact (rag/reports/relevance.py's
    value_conflict), and denials beside the account they deny."""
    about = each_once([*relevant(pool), *focused(pool)])
    # The other side of a disagreement need only be about the topic at all: it repeats a relevant fact.
    wider = [s for s in pool if s.relevance >= TUNING.min_relevance]
    out = value_conflicts(about, wider, cites)
    return (out + _denials(parts, about, cites))[:TUNING.conflicts_max]


def value_conflicts(about: list[Sent], wider: list[Sent], cites: Citations) -> list[Conflict]:
    """Pairs from different articles giving different values for one fact, the likeliest first, one row per pair
    of values. A pair of two sentences both in ``about`` is taken once, the one earlier in ``about`` (the more
    relevant) as the account: the sides do not depend on where the sentences happen to sit in memory."""
    rank = {id(s): i for i, s in enumerate(about)}
    found = []
    for i, a in enumerate(about):
        for b in wider:
            if a.hit.doc_id == b.hit.doc_id or rank.get(id(b), len(about)) <= i:
                continue
            sim = float(a.vec @ b.vec)
            differ = value_conflict(a.text, b.text, sim, (a.hit.title or "", b.hit.title or ""))
            if differ:
                found.append((sim + a.relevance + b.relevance, a, b, differ))
    out, shown = [], set()
    for _, a, b, (x, y) in sorted(found, key=lambda f: -f[0]):
        key = frozenset((x, y))  # one row per disagreement, however many articles repeat it
        if key in shown:
            continue
        shown.add(key)
        out.append(Conflict([cites.item(a)], cites.item(b), f"{x} against {y}"))
    return out


def _denials(parts: Components, about: list[Sent], cites: Citations) -> list[Conflict]:
    """Denials (and attributed restrictive statements: 'the only communication was ...') beside the statement
    they deny: the most similar affirmative sentence (an account that itself says 'never' or 'unaware' sides
    with the denial), from another article or another speaker; plus the sentence just before a denial that
    refers back to it ('refuted this'). Each account and each denial is listed once."""
    out: list[Conflict] = []
    taken: list[Sent] = []
    for d in [s for s in about if is_denial(s.text)]:
        if any(same(d, x) for x in taken):
            continue
        others = [s for s in about if not is_denial(s.text) and s.text != d.text and _REPORT.search(s.text)
                  and not _NEGATED.search(s.text) and not any(s is t for t in taken)]
        accounts: list[Sent] = []
        prev = previous(parts, d)
        if _REFERS_BACK.search(d.text) and prev:
            accounts += [s for s in others if s.hit.doc_id == d.hit.doc_id and s.text == prev]
        by_sim = sorted((s for s in others if float(s.vec @ d.vec) >= TUNING.same_matter),
                        key=lambda s: -float(s.vec @ d.vec))
        accounts += [s for s in by_sim if not any(s is t for t in accounts)][: 2 - len(accounts)]
        if accounts:
            taken += [d, *accounts]
            out.append(Conflict([cites.item(s) for s in accounts], cites.item(d), "denied"))
    return out


def is_denial(text: str) -> bool:
    """A denial, or a restrictive statement asserted in reply ("confirmed that the only call was ...")."""
    return bool(_DENIAL.search(text) or (_RESTRICT.search(text) and _ASSERTED.search(text)))
