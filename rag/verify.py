"""Checking a generated sentence against the passages it cites.

A sentence is supported when it cites at least one existing passage, every number, date, quoted phrase and
name in it appears in the cited passages (normalised: "$3.6 billion" == "3.6bn", curly == straight quotes),
its negation agrees with the closest source sentence, and its meaning is close to a sentence (or two adjacent
sentences) of the cited passages by the bundled embedding model. The citation is narrowed to that closest span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from rag.embed import Embedder
from rag.text import STOPWORDS, normalize, sentence_spans, terms


@dataclass(frozen=True)
class Evidence:
    """One numbered passage shown to the model: ``text == canonical_text[start:start + len(text)]``."""

    n: int
    text: str
    start: int
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    blocked: tuple[tuple[int, int], ...] = ()  # spans (relative to text) that may never support a claim


@dataclass(frozen=True)
class Span:
    n: int  # the passage
    start: int  # absolute offsets into the canonical text
    end: int
    similarity: float


@dataclass
class Verdict:
    supported: bool
    score: float  # 0..1: similarity, reduced by each failed check
    problems: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)  # per cited passage, the closest exact span


# -- facts -------------------------------------------------------------------------------------------
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
           "trillion": 1e12, "tn": 1e12}
_NUM_RE = re.compile(
    r"(?<![\w.])[$£€¥]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s?(thousand|million|billion|trillion|bn|mn|tn|k|m|b)"
    r"\b)?", re.I)
_WORD_NUMBERS = {w: float(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_WORD_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                      "ninety": 90, "hundred": 100, "dozen": 12})
_WORD_NUM_RE = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b(?:\s+(thousand|million|billion|trillion))?", re.I)
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_MONTH_RE = re.compile(r"\b(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
                       r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?")
_WEEKDAY_RE = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_QUOTE_RE = re.compile(r"\"([^\"]{3,}?)\"|(?<![A-Za-z])'([^']{3,}?)'(?![A-Za-z])")
_NAME_RE = re.compile(r"\b[A-Z][a-zA-Z\-]*[a-zA-Z]|\b[A-Z]{2,}\b")
# Capitalised words that are not names: titles, discourse words that open sentences.
_NOT_NAMES = frozenset("""
    mr mrs ms dr president prime minister chief executive ceo senator secretary spokesperson spokesman official
    officials however moreover furthermore additionally meanwhile also although though while despite overall
    previously later earlier instead still yet thus therefore hence finally first second third then now today
    yesterday according reportedly notably indeed besides similarly likewise specifically particularly
    sources source passage passages report reports reported article articles news in on at by for from with
    after before during since until as when where who what which whose why how this that these those there
    it its he she they his her their both neither either each every many several some one two three
""".split()) | STOPWORDS
_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|none|nothing|nobody|without|cannot|denied|deny|denies|denying|refuted|"
    r"refute|refutes|rejected|lacks|lack|lacked|lacking|unable|unwilling|refused|refuse)\b|n't\b", re.I)


_REQUEST = re.compile(r"\b(?:asked|asks|ask|told|tells|urged|urges|requested|requests|ordered|warned|advised|"
                      r"begged|pressed|persuaded|called on)\b[^.,;]{0,40}$", re.I)


def numbers(text: str) -> list[tuple[str, float]]:
    """Quantities as written and their values: '$3.6 billion' and '3.6bn' are both 3.6e9."""
    out = []
    for m in _NUM_RE.finditer(text):
        value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        scale = (m.group(3) or "").lower()
        out.append((m.group(0).strip(), value * _SCALES.get(scale, 1.0)))
    for m in _WORD_NUM_RE.finditer(text):
        value = _WORD_NUMBERS[m.group(1).lower()] * _SCALES.get((m.group(2) or "").lower(), 1.0)
        out.append((m.group(0), value))
    return out


def months(text: str) -> set[str]:
    found = {_MONTHS[[x[:3] for x in _MONTHS].index(m.group(1)[:3].lower())] for m in _MONTH_RE.finditer(text)
             if m.group(1) != "May" or _near_date(text, m.start())}
    return found | {m.group(1).lower() for m in _WEEKDAY_RE.finditer(text)}


def _near_date(text: str, i: int) -> bool:
    """'May' is a month only beside a day or a year ('May 2023', '3 May'), not the verb."""
    return bool(re.match(r"May\s+\d", text[i:]) or re.search(r"\d\s+$", text[max(0, i - 4):i]))


def quotes(text: str) -> list[str]:
    t = normalize(text)
    return [q for m in _QUOTE_RE.finditer(t) if len(_words(q := (m.group(1) or m.group(2)))) >= 1]


def names(text: str) -> list[str]:
    """Capitalised words that look like names (people, places, organisations), possessives stripped."""
    t = normalize(text)
    out = []
    for m in _NAME_RE.finditer(t):
        w = m.group(0)
        if w.lower() in _NOT_NAMES or w.lower() in _MONTHS or _WEEKDAY_RE.fullmatch(w) or _MONTH_RE.fullmatch(w):
            continue
        if m.start() == 0 or re.search(r"[.!?:\"]\s*$", t[:m.start()]):
            # A sentence's first word is capitalised anyway: only a name if it is not an ordinary word.
            if w.lower().endswith("ly") or w.lower() in STOPWORDS:
                continue
        out += [p for p in w.split("-") if len(p) >= 2 and p[0].isupper() and p.lower() not in _NOT_NAMES]
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalize(text).lower())


def _name_in(name: str, words: set[str]) -> bool:
    """Exact, or the same stem ('Russia' ~ 'Russian', 'Ukraine' ~ 'Ukrainian')."""
    n = name.lower()
    if n in words:
        return True
    if len(n) < 5:
        return False
    for w in words:
        k = 0
        while k < min(len(n), len(w)) and n[k] == w[k]:
            k += 1
        if k >= 5 and k >= min(len(n), len(w)) - 2:
            return True
    return False


def missing_facts(sentence: str, sources: list[Evidence]) -> list[str]:
    """The numbers, dates, quoted phrases and names of ``sentence`` that none of ``sources`` contains."""
    text = " \n".join(_visible(e) for e in sources)
    meta = " ".join(f"{e.title or ''} {_date_words(e.date)}" for e in sources)
    everything = f"{text} {meta}"
    values = [v for _, v in numbers(everything)]
    problems = []
    for shown, v in numbers(sentence):
        if v != 1.0 and not any(abs(v - x) <= 1e-9 * max(1.0, abs(x)) for x in values):
            problems.append(f"the number {shown!r} is not in the cited passage")
    for mo in sorted(months(sentence) - months(everything)):
        problems.append(f"the date {mo.title()!r} is not in the cited passage")
    flat = " ".join(_words(everything))
    for q in quotes(sentence):
        if " ".join(_words(q)) not in flat:
            problems.append(f"the quotation {q!r} is not in the cited passage")
    words = set(_words(everything))
    for name in dict.fromkeys(names(sentence)):
        if not _name_in(name, words):
            problems.append(f"the name {name!r} is not in the cited passage")
    return problems


def differing_facts(sentence: str, source: str) -> list[str]:
    """The facts of ``sentence`` that ``source`` states differently: a number, date or name the source lacks
    where it gives another of the same kind ('$4.6 billion' where it says '$3.6 billion', 'Kahl' for 'Bremmer').
    Only meaningful when both speak of the same thing; the caller judges that."""
    out = []
    src_nums = [(s, v) for s, v in numbers(source) if v != 1.0]
    claim_vals = [v for _, v in numbers(sentence)]
    for shown, v in numbers(sentence):
        if v == 1.0 or any(abs(v - x) <= 1e-9 * max(1.0, abs(x)) for _, x in src_nums):
            continue
        other = [s for s, x in src_nums if _is_year(x) == _is_year(v) and x not in claim_vals]
        if other:
            out.append(f"the source says {other[0]!r}, not {shown!r}")
    src_months, claim_months = months(source), months(sentence)
    for mo in sorted(claim_months - src_months):
        if src_months - claim_months:
            out.append(f"the source says {sorted(src_months - claim_months)[0].title()!r}, not {mo.title()!r}")
    words, claim_words = set(_words(source)), set(_words(sentence))
    others = [n for n in dict.fromkeys(names(source)) if not _name_in(n, claim_words)]
    missing = [n for n in dict.fromkeys(names(sentence)) if not _name_in(n, words)]
    if missing and others:  # one message: "the source names 'Ian Bremmer', not 'Fiona Hill'"
        shown = " ".join(others[:len(missing)]) if len(others) == len(missing) else ", ".join(others[:4])
        out.append(f"the source names {shown!r}, not {' '.join(missing)!r}")
    return out


def _is_year(v: float) -> bool:
    return v.is_integer() and 1900 <= v <= 2100


def _date_words(date: str | None) -> str:
    if not date or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return ""
    y, m, d = date.split("-")
    return f"{int(d)} {_MONTHS[int(m) - 1].title()} {y}"


def _visible(e: Evidence) -> str:
    """The passage without its blocked spans (text addressed to an AI never supports a claim)."""
    text = e.text
    for a, b in sorted(e.blocked, reverse=True):
        text = text[:a] + " " + text[b:]
    return text


def negated(text: str) -> bool:
    return bool(_NEGATION.search(normalize(text)))


def negation_scopes(text: str) -> list[set[str]]:
    """For each negation, the content terms it governs: up to three, until the clause ends."""
    t = normalize(text)
    out = []
    for m in _NEGATION.finditer(t):
        if _REQUEST.search(t[:m.start()]) and re.match(r"\s*to\b", t[m.end():]):
            continue  # "asked him not to activate it" is a request, not a statement that it was not activated
        clause = re.split(r"[,.;:!?]", t[m.end():m.end() + 80], maxsplit=1)[0]
        scope = set(terms(clause)[:3])
        if scope:
            out.append(scope)
    return out


def contradicts(sentence: str, source: str) -> bool:
    """One side negates something the other side states: a negation whose terms the other text mentions
    without a negation of its own over them ("did not respond" vs "responded")."""
    def one_way(a: str, b: str) -> bool:
        b_terms, b_scopes = set(terms(b)), negation_scopes(b)
        return any(scope & b_terms and not any(scope & s for s in b_scopes) for scope in negation_scopes(a))
    return one_way(sentence, source) or one_way(source, sentence)


# -- the verifier ------------------------------------------------------------------------------------
class Verifier:
    def __init__(self, embedder: Embedder, threshold: float = 0.55) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def units(self, e: Evidence) -> list[tuple[int, int, bool]]:
        """Candidate spans of a passage (relative offsets): each sentence, and each two adjacent sentences;
        the flag marks single sentences (whose negation is compared)."""
        spans = [(a, b) for a, b in sentence_spans(e.text)
                 if not any(a < y and x < b for x, y in e.blocked)]
        out = [(a, b, True) for a, b in spans]
        out += [(spans[i][0], spans[i + 1][1], False) for i in range(len(spans) - 1)
                if spans[i + 1][0] - spans[i][1] <= 3]  # adjacent on the page, not across a blocked gap
        return out

    def check(self, sentence: str, cited: list[Evidence], invalid: list[int] | None = None) -> Verdict:
        return self.check_many([(sentence, cited, invalid or [])])[0]

    def check_many(self, items: list[tuple[str, list[Evidence], list[int]]]) -> list[Verdict]:
        """Verdicts for many sentences; all texts are embedded in one batch."""
        passages = {id(e): e for _, cited, _ in items for e in cited}
        units = {k: self.units(e) for k, e in passages.items()}
        texts = [s for s, _, _ in items]
        offsets: dict[int, int] = {}
        for k, e in passages.items():
            offsets[k] = len(texts)
            texts += [e.text[a:b] for a, b, _ in units[k]]
        vecs = self.embedder.embed(texts) if texts else np.zeros((0, 1))
        out = []
        for i, (sentence, cited, invalid) in enumerate(items):
            spans: list[Span] = []
            best: tuple[float, Evidence, int, int, bool] | None = None
            for e in cited:
                us = units[id(e)]
                if not us:
                    continue
                sims = vecs[offsets[id(e)]:offsets[id(e)] + len(us)] @ vecs[i]
                j = self._narrowest(sentence, e, us, sims)
                a, b, _ = us[j]
                spans.append(Span(e.n, e.start + a, e.start + b, float(sims[j])))
                top = int(np.argmax(sims))  # meaning is judged by the closest span, cited or not
                if best is None or sims[top] > best[0]:
                    best = (float(sims[top]), e, *us[top])
            out.append(self._judge(sentence, cited, invalid, spans, best, vecs, offsets, units, i))
        return out

    def _judge(self, sentence: str, cited: list[Evidence], invalid: list[int], spans: list[Span],
               best: tuple | None, vecs: np.ndarray, offsets: dict, units: dict, i: int) -> Verdict:
        problems = [f"cites passage [{n}], which does not exist" for n in invalid]
        if not cited:
            return Verdict(False, 0.0, problems + ["no citation"], [])
        if best is None:
            return Verdict(False, 0.0, problems + ["the cited passage has no usable text"], spans)
        sim = best[0]
        facts = missing_facts(sentence, cited)
        problems += facts
        score = max(0.0, sim) * (0.5 ** len(facts))
        source = best[1].text[best[2]:best[3]] + " \n" + self._closest_single(cited, vecs, offsets, units, i)
        if contradicts(sentence, source):
            problems.append("it contradicts the cited passage (negation differs)")
            score *= 0.5
        if sim < self.threshold:
            problems.append(f"its meaning is not close to the cited passage (similarity {sim:.2f})")
        return Verdict(not problems, round(score, 4), problems, spans)

    @staticmethod
    def _narrowest(sentence: str, e: Evidence, us: list[tuple[int, int, bool]], sims: np.ndarray) -> int:
        """The span to cite: the closest in meaning among those holding the most of the sentence's facts, so a
        reader finds the number or name in the quote itself."""
        order = [int(j) for j in np.argsort(-sims)[:6]]
        part = [Evidence(e.n, e.text[a:b], 0, e.title, e.date) for a, b, _ in (us[j] for j in order)]
        misses = [len(missing_facts(sentence, [p])) for p in part]
        return order[min(range(len(order)), key=lambda x: (misses[x], x))]

    @staticmethod
    def _closest_single(cited: list[Evidence], vecs: np.ndarray, offsets: dict, units: dict, i: int) -> str:
        best, text = -2.0, ""
        for e in cited:
            for j, (a, b, single) in enumerate(units[id(e)]):
                s = float(vecs[offsets[id(e)] + j] @ vecs[i])
                if single and s > best:
                    best, text = s, e.text[a:b]
        return text
