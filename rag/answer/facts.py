"""Facts in a sentence, found by pattern: numbers (normalised: "$3.6 billion" == "3.6bn"), months and weekdays,
quoted phrases, names, negations. The verifier, the grounding check and the judge's features all use them."""

from __future__ import annotations

import re

from rag.text import STOPWORDS, normalize, terms

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
MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
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
    found = {MONTH_NAMES[[x[:3] for x in MONTH_NAMES].index(m.group(1)[:3].lower())] for m in _MONTH_RE.finditer(text)
             if m.group(1) != "May" or _near_date(text, m.start())}
    return found | {m.group(1).lower() for m in _WEEKDAY_RE.finditer(text)}


def _near_date(text: str, i: int) -> bool:
    """'May' is a month only beside a day or a year ('May 2023', '3 May'), not the verb."""
    return bool(re.match(r"May\s+\d", text[i:]) or re.search(r"\d\s+$", text[max(0, i - 4):i]))


def quotes(text: str) -> list[str]:
    t = normalize(text)
    return [q for m in _QUOTE_RE.finditer(t) if len(words_of(q := (m.group(1) or m.group(2)))) >= 1]


def names(text: str) -> list[str]:
    """Capitalised words that look like names (people, places, organisations), possessives stripped."""
    t = normalize(text)
    out = []
    for m in _NAME_RE.finditer(t):
        w = m.group(0)
        if w.lower() in _NOT_NAMES or w.lower() in MONTH_NAMES or _WEEKDAY_RE.fullmatch(w) or _MONTH_RE.fullmatch(w):
            continue
        if m.start() == 0 or re.search(r"[.!?:\"]\s*$", t[:m.start()]):
            # A sentence's first word is capitalised anyway: only a name if it is not an ordinary word.
            if w.lower().endswith("ly") or w.lower() in STOPWORDS:
                continue
        out += [p for p in w.split("-") if len(p) >= 2 and p[0].isupper() and p.lower() not in _NOT_NAMES]
    return out


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalize(text).lower())


def name_in(name: str, words: set[str]) -> bool:
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


def facts_missing_from(sentence: str, everything: str) -> list[str]:
    """The numbers, dates, quoted phrases and names of ``sentence`` that ``everything`` lacks (worded for a
    sentence citing a passage)."""
    values = [v for _, v in numbers(everything)]
    problems = []
    for shown, v in numbers(sentence):
        if v != 1.0 and not any(abs(v - x) <= 1e-9 * max(1.0, abs(x)) for x in values):
            problems.append(f"the number {shown!r} is not in the cited passage")
    for mo in sorted(months(sentence) - months(everything)):
        problems.append(f"the date {mo.title()!r} is not in the cited passage")
    flat = " ".join(words_of(everything))
    for q in quotes(sentence):
        if " ".join(words_of(q)) not in flat:
            problems.append(f"the quotation {q!r} is not in the cited passage")
    words = set(words_of(everything))
    for name in dict.fromkeys(names(sentence)):
        if not name_in(name, words):
            problems.append(f"the name {name!r} is not in the cited passage")
    return problems


def differing_facts(sentence: str, source: str, with_names: bool = True) -> list[str]:
    """The facts of ``sentence`` that ``source`` states differently: a number, date or name the source lacks
    where it gives another of the same kind ('$4.6 billion' where it says '$3.6 billion', 'Kahl' for 'Bremmer';
    names only ``with_names``). Only meaningful when both speak of the same thing; the caller judges that."""
    out = []
    src_nums = [(s, v) for s, v in numbers(source) if v != 1.0]
    claim_vals = [v for _, v in numbers(sentence)]
    for shown, v in numbers(sentence):
        if v == 1.0 or any(abs(v - x) <= 1e-9 * max(1.0, abs(x)) for _, x in src_nums):
            continue
        other = [s for s, x in src_nums if is_year(x) == is_year(v) and x not in claim_vals]
        if other:
            out.append(f"the source says {other[0]!r}, not {shown!r}")
    src_months, claim_months = months(source), months(sentence)
    for mo in sorted(claim_months - src_months):
        if src_months - claim_months:
            out.append(f"the source says {sorted(src_months - claim_months)[0].title()!r}, not {mo.title()!r}")
    words, claim_words = set(words_of(source)), set(words_of(sentence))
    others = [n for n in dict.fromkeys(names(source)) if not name_in(n, claim_words)]
    missing = [n for n in dict.fromkeys(names(sentence)) if not name_in(n, words)]
    if with_names and missing and others:  # one message: "the source names 'Ian Bremmer', not 'Fiona Hill'"
        shown = " ".join(others[:len(missing)]) if len(others) == len(missing) else ", ".join(others[:4])
        out.append(f"the source names {shown!r}, not {' '.join(missing)!r}")
    return out


def is_year(v: float) -> bool:
    return v.is_integer() and 1900 <= v <= 2100


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
