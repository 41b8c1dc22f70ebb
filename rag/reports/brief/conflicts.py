"""The briefing's conflicting accounts: articles giving different values for one fact, and denials beside the
affirmative statement they deny. Statements that agree are never listed."""

from __future__ import annotations

import re

import numpy as np

from rag.answer.components import Components
from rag.answer.entail import ENTAILED, Entailer, Thresholds
from rag.answer.facts import is_year, numbers
from rag.answer.retrieve import Filters
from rag.reports.brief.evidence import Citations, Sent, each_once, focused, previous, relevant, same, statements_of
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


def conflicts(parts: Components, topic: str, pool: list[Sent], cites: Citations,
              filters: Filters | None = None) -> list[Conflict]:
    """Where the sources disagree: two articles giving different values for the same fact (rag/reports/relevance.py's
    value_conflict), and denials beside the account they deny. A pair the entailment judge finds agreeing (either
    entails the other) is never listed."""
    about = each_once([*relevant(pool), *focused(pool)])
    # The other side of a disagreement need only be about the topic at all: it repeats a relevant fact.
    wider = [s for s in pool if s.relevance >= TUNING.min_relevance]
    wider += other_accounts(parts, topic, about, pool, filters)
    pairs = pairs_of(about, wider)
    judged = Judged(parts.judge.entailer, parts.judge.entail, pairs)
    # Pairs the judge alone calls contradictory are not listed: on the nine test topics all three it found were
    # agreeing paraphrases (the one-epoch model reads some paraphrases as contradictions, issue 24's note).
    out = value_conflicts(pairs, judged, cites)
    return (out + _denials(parts, about, cites, judged))[:TUNING.conflicts_max]


def other_accounts(parts: Components, topic: str, about: list[Sent], pool: list[Sent],
                   filters: Filters | None) -> list[Sent]:
    """Other statements of the figures in the most relevant sentences, found by searching for the words around each
    figure: a figure given differently is often in an article that never names the topic ("The firm had been
    overstating its accounts by $11bn (£8.5bn)")."""
    figures = [(s, shown) for s in about for shown in _figures(s.text)][:TUNING.fact_searches]
    search = parts.retriever.search
    hits = [h for s, shown in figures for h in search(_around(s.text, shown), TUNING.fact_hits, filters)]
    return statements_of(parts, topic, hits, pool, lambda t: bool(_figures(t)))


def _figures(text: str) -> list[str]:
    """The quantities of ``text`` as written, years left out (a year dates a fact; it is not its figure)."""
    return [shown for shown, v in numbers(text) if not is_year(v)]


def _around(text: str, shown: str, words: int = 5) -> str:
    """The words around a figure: what another account of it shares (a search for the whole sentence finds its
    topic's other passages, not the figure's)."""
    i = text.find(shown)
    if i < 0:
        return text
    before, after = text[:i].split()[-words:], text[i + len(shown):].split()[:words]
    return " ".join([*before, shown, *after])


def pairs_of(about: list[Sent], wider: list[Sent]) -> list[tuple[Sent, Sent, float]]:
    """Pairs of sentences of different articles, each pair once: a pair of two sentences both in ``about`` is taken
    with the one earlier in ``about`` (the more relevant) first, so the sides never depend on memory order."""
    rank = {id(s): i for i, s in enumerate(about)}
    return [(a, b, float(a.vec @ b.vec)) for i, a in enumerate(about) for b in wider
            if a.hit.doc_id != b.hit.doc_id and rank.get(id(b), len(about)) > i]


class Judged:
    """The entailment judge on the pairs about one matter (the closest by meaning), read in both directions.
    Judges nothing without the model."""

    def __init__(self, entailer: Entailer | None, th: Thresholds, pairs: list[tuple[Sent, Sent, float]]) -> None:
        self.th = th
        self.probs: dict[tuple[int, int], np.ndarray] = {}  # (a, b) -> [[a entails/... b], [b ... a]]
        close = sorted((p for p in pairs if p[2] >= TUNING.same_matter), key=lambda p: -p[2])[:TUNING.judged_pairs]
        if entailer is None or not close:
            return
        probs = entailer.probs([x for a, b, _ in close for x in ((a.text, b.text), (b.text, a.text))])
        for i, (a, b, _) in enumerate(close):
            self.probs[(id(a), id(b))] = self.probs[(id(b), id(a))] = probs[2 * i:2 * i + 2]

    def agree(self, a: Sent, b: Sent) -> bool:
        """Either entails the other."""
        p = self.probs.get((id(a), id(b)))
        return p is not None and float(p[:, ENTAILED].max()) >= self.th.entailed


def value_conflicts(pairs: list[tuple[Sent, Sent, float]], judged: Judged, cites: Citations) -> list[Conflict]:
    """Pairs giving different values for one fact, the likeliest first, one row per pair of values."""
    found = []
    for a, b, sim in pairs:
        differ = value_conflict(a.text, b.text, sim, (a.hit.title or "", b.hit.title or ""))
        if differ and not judged.agree(a, b):
            found.append((sim + a.relevance + b.relevance, a, b, differ))
    out, shown = [], set()
    for _, a, b, (x, y) in sorted(found, key=lambda f: -f[0]):
        key = frozenset((x, y))  # one row per disagreement, however many articles repeat it
        if key in shown:
            continue
        shown.add(key)
        out.append(Conflict([cites.item(a)], cites.item(b), f"{x} against {y}"))
    return out


def _denials(parts: Components, about: list[Sent], cites: Citations, judged: Judged) -> list[Conflict]:
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
                  and not _NEGATED.search(s.text) and not any(s is t for t in taken) and not judged.agree(s, d)]
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
