"""What a briefing may show: how much a sentence is about the topic, and whether two sentences disagree.

Both decisions sit behind small functions (``relevance``, ``value_conflict``) so that a learned judge can
replace them later; today they combine what exists: the sentence's embedding similarity to the topic, the
share of the topic's (idf-weighted) terms present in the sentence and its article's title, and how much the
sentence's article is about the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text import STOPWORDS, normalize, terms

# Weights of relevance(): similarity to the topic, the topic's terms in the sentence, the article's focus.
W_SIM, W_COVER, W_ARTICLE = 0.5, 0.3, 0.2


@dataclass(frozen=True)
class Topic:
    text: str
    weights: dict[str, float]  # the topic's terms -> idf

    def cover(self, text: str) -> float:
        """The idf-weighted share of the topic's terms that ``text`` contains."""
        total = sum(self.weights.values()) or 1.0
        have = set(terms(text))
        return sum(w for t, w in self.weights.items() if t in have) / total


def relevance(topic: Topic, sentence: str, similarity: float, title: str | None = None,
              article: float = 0.0) -> float:
    """0..1-ish: how much ``sentence`` is about ``topic``. ``similarity`` is the cosine of the sentence's and the
    topic's embeddings; ``article`` how much its article is about the topic (its best sentence's similarity)."""
    cover = max(topic.cover(sentence), 0.5 * topic.cover(f"{title or ''} {sentence}"))
    return W_SIM * similarity + W_COVER * cover + W_ARTICLE * article


# -- disagreement ------------------------------------------------------------------------------------------
_SCALE = {"bn": 1e9, "billion": 1e9, "m": 1e6, "mn": 1e6, "million": 1e6, "tn": 1e12, "trillion": 1e12,
          "k": 1e3, "thousand": 1e3}
_QTY = re.compile(
    r"(?P<cur>[$£€¥])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<scale>bn|billion|mn|m|million|tn|"
    r"trillion|k|thousand)?\b\s?(?P<unit>%|per ?cent|euros?|dollars?|pounds?|[a-z]+)?", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_AFTER_WORDS = 3  # the words after a quantity that name what it counts ("38,000 people", "29% stake")


@dataclass(frozen=True)
class Quantity:
    kind: str  # "$", "£", "%", or the counted noun ("people", "stake")
    value: float
    text: str
    start: int
    end: int


def quantities(sentence: str) -> list[Quantity]:
    """Amounts of money, percentages and counts of a named thing; years, days and bare numbers are left out."""
    out = []
    for m in _QTY.finditer(sentence):
        num = float(m.group("num").replace(",", ""))
        scale = (m.group("scale") or "").lower()
        unit = (m.group("unit") or "").lower()
        cur = m.group("cur") or {"euro": "€", "euros": "€", "dollar": "$", "dollars": "$", "pound": "£",
                                 "pounds": "£"}.get(unit)
        if cur:
            kind = cur
        elif unit in ("%", "per cent", "percent"):
            kind = "%"
        elif unit and unit not in _NOT_COUNTED | STOPWORDS and (scale or not _YEAR.fullmatch(m.group("num"))):
            kind = unit.rstrip("s")
        else:
            continue
        if _CHANGE.search(sentence[max(0, m.start() - 20):m.start()]):
            kind += " change"  # "closed up $2.80": a movement, not a level
        written = f"{m.group('cur') or ''}{m.group('num')}{scale}{'%' if kind.startswith('%') else ''}"
        out.append(Quantity(kind, num * _SCALE.get(scale, 1.0), written, m.start(), m.end()))
    return out


_CHANGE = re.compile(r"\b(?:up|down|rose|fell|gained|lost|added|shed|jumped|dropped|climbed|slipped)\s*$", re.I)
_NOT_COUNTED = frozenset("""gmt bst et utc january february march april may june july august september october
    november december am pm and or to of in on at the a for by from with than years year months month weeks
    week days day hours hour minutes times time st nd rd th as is was were be points point""".split())


def _subject(sentence: str, q: Quantity) -> set[str]:
    """The content terms of the sentence other than numbers: what the quantity is said of."""
    rest = sentence[:q.start] + " " + sentence[q.end:]
    return {t for t in terms(rest) if not any(ch.isdigit() for ch in t)}


def value_conflict(a: str, b: str, similarity: float, titles: tuple[str, str] = ("", ""),
                   same_subject: float = 0.5) -> tuple[str, str] | None:
    """The two differing quantities when ``a`` and ``b`` give different values for the same fact: the same
    kind of quantity (money in one currency, a share, a count of one thing), said of the same thing (the words
    around each quantity shared, most content terms shared, embeddings close), values that cannot both hold
    ("more than $27bn" and "$27.5bn" can; "29%" is "28.9%" rounded). Different years named in the two
    (profits of 2003 and of 2004), or different names beside the quantities, are different facts."""
    if similarity < MIN_SIMILARITY or normalize(a) == normalize(b):
        return None
    ya, yb = set(_YEAR.findall(a)), set(_YEAR.findall(b))
    if ya and yb and not ya & yb:
        return None
    qa, qb = quantities(a), quantities(b)
    va, vb = {q.value for q in qa}, {q.value for q in qb}
    if va <= vb or vb <= va:  # every figure of one is in the other: it states part of the same account
        return None
    # One amount given in both ("$11bn (£8.5bn)", "$11bn (£5.7bn)"): their other quantities are the same fact.
    shared = bool(va & vb)
    for x in qa:
        # Close values ("$27bn", "$27.5bn") need one word in common around them; distant ones two.
        y = _counterpart(a, x, b, qb, 1 if shared else 2) or _counterpart(a, x, b, [q for q in qb if _close(x, q)])
        if y is None or any(_consistent(a, x, b, z) or z.value == x.value for z in qb):
            continue
        back = _counterpart(b, y, a, qa, 1 if shared else 2) or _counterpart(b, y, a, [q for q in qa if _close(y, q)])
        if back is not x:  # each is the other's counterpart
            continue
        sa, sb = _subject(a, x), _subject(b, y)
        alike = len(sa & sb) >= same_subject * min(len(sa), len(sb)) or similarity >= SAME_FACT
        if (alike and not _other_names(a, x, b, y)
                and _names(f"{a} {titles[0]}") & _names(f"{b} {titles[1]}")):
            return x.text, y.text
    return None


MIN_SIMILARITY = 0.55
SAME_FACT = 0.75  # sentences this close in meaning are about the same thing, however worded


def _close(x: Quantity, y: Quantity) -> bool:
    return x.kind == y.kind and 0 < min(x.value, y.value) and max(x.value, y.value) <= 1.3 * min(x.value, y.value)


def _counterpart(a: str, x: Quantity, b: str, qb: list[Quantity], least: int = 1) -> Quantity | None:
    """The quantity of ``b`` said of the same thing as ``x``: same kind, most words around it shared (at least
    ``least`` of them)."""
    near = _near_words(a, x)
    scored = [(len(near & _near_words(b, y)), y) for y in qb if y.kind == x.kind]
    scored = [(n, y) for n, y in scored if n >= least]
    return max(scored, key=lambda t: t[0])[1] if scored else None


_BOUND = re.compile(r"(?P<q>more than|over|at least|above|in excess of|less than|under|below|up to|almost|nearly|"
                    r"about|around|some|roughly|approximately|an estimated|estimated at|close to)\s*(?:an? )?$", re.I)


def _qualifier(sentence: str, q: Quantity) -> str | None:
    m = _BOUND.search(sentence[max(0, q.start - 25):q.start])
    return m.group("q").lower() if m else None


def _consistent(a: str, x: Quantity, b: str, y: Quantity) -> bool:
    """Both can be true: equal, one the other rounded, or within what a qualifier allows."""
    if x.kind != y.kind:
        return False
    if x.value == y.value or _rounded(x, y) or _rounded(y, x):
        return True
    for s, q, other in ((a, x, y), (b, y, x)):
        bound = _qualifier(s, q)
        if bound in ("more than", "over", "at least", "above", "in excess of") and other.value >= q.value:
            return True
        if bound in ("less than", "under", "below", "up to") and other.value <= q.value:
            return True
        if bound and bound not in _LOWER + _UPPER and abs(other.value - q.value) <= 0.1 * q.value:
            return True
        if bound in ("almost", "nearly", "close to") and q.value * 0.9 <= other.value <= q.value:
            return True
    return False


_LOWER = ("more than", "over", "at least", "above", "in excess of")
_UPPER = ("less than", "under", "below", "up to")


def _rounded(coarse: Quantity, fine: Quantity) -> bool:
    """``coarse`` is ``fine`` written with fewer digits ('29%' for '28.9%', '$9bn' for '$9.3bn')."""
    digits = re.sub(r"[^\d.]", "", coarse.text.split()[0])
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    fine_digits = re.sub(r"[^\d.]", "", fine.text.split()[0])
    if decimals >= (len(fine_digits.split(".")[1]) if "." in fine_digits else 0):
        return False
    unit = coarse.value / float(digits) if float(digits) else 1.0
    return abs(fine.value / unit - float(digits)) < 10 ** -decimals / 2 - 1e-9  # 27.5 is not "27"


_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)?\b")


def _names(sentence: str) -> set[str]:
    """Capitalised words other than sentence openers: the names a sentence is about ('Yugansk', 'Ebbers')."""
    return {w.lower() for w in _NAME.findall(sentence)  # "WorldCom" and "Worldcom" are one name
            if w not in _COMMON and w not in _CALENDAR and w.lower() not in STOPWORDS}


_CALENDAR = frozenset("""Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December GMT""".split())


def _other_names(a: str, x: Quantity, b: str, y: Quantity) -> bool:
    """Different names just before or after the two quantities ('Gazprom control of 8%' and 'Rosneft ... about
    16%'; '31% of the vote in Erewash' and '16.1% of the vote at the European elections')."""
    def names(s: str, lo: int, hi: int) -> set[str]:  # not the sentence's first word ("Shares in Umbro")
        return {m.group(0) for m in _NAME.finditer(s, max(lo, 1), hi)} - _COMMON
    for wa, wb in (((max(0, x.start - 50), x.start), (max(0, y.start - 50), y.start)),
                   ((x.end, x.end + 40), (y.end, y.end + 40))):
        na, nb = names(a, *wa), names(b, *wb)
        if na and nb and not na & nb:
            return True
    return False


_COMMON = frozenset("The A An It Its In On At By For Mr Mrs Ms Dr He She They This That But And".split())


def _subject(sentence: str, q: Quantity) -> set[str]:
    """The content terms of the sentence other than numbers: what the quantity is said of."""
    rest = sentence[:q.start] + " " + sentence[q.end:]
    return {t for t in terms(rest) if not any(ch.isdigit() for ch in t)}


def _near_words(sentence: str, q: Quantity) -> set[str]:
    """The content terms just around a quantity: 'a $27bn tax bill' -> {tax, bill}, '38,000 people' -> {people}."""
    def words(text: str) -> list[str]:
        return [t for t in terms(text) if not any(ch.isdigit() for ch in t)]
    before = words(" ".join(sentence[:q.start].split()[-4:]))[-2:]
    after = words(" ".join(sentence[q.end:].split()[:6]))[:_AFTER_WORDS]
    return set(before + after) | (
        {q.kind} if q.kind.isalpha() else set())
