"""What kind of answer a question asks for, and whether a sentence contains one it did not already say."""

from __future__ import annotations

import re

from rag.text import STOPWORDS, normalize

_SCALE = r"(?:thousand|million|billion|trillion|bn|m|k|tn)"
_CURRENCY_WORD = r"(?:euros?|dollars?|pounds?|yen|yuan|rupees?|pesos?|francs?|roubles?|rubles?|cents?|pence|p)"
_NUM = r"\d[\d,]*(?:\.\d+)?"
_MONEY = re.compile(
    rf"[$£€¥]\s?{_NUM}|{_NUM}\s?(?:{_SCALE}\s?)?{_CURRENCY_WORD}\b|{_NUM}\s?(?:trillion|billion|bn|tn)\b", re.I)
_NUMBER_WORDS = (r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                 r"hundred|thousand|million|billion|dozen|half)\b")
_NUMBER = re.compile(rf"{_NUM}|{_NUMBER_WORDS}", re.I)
_MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
           r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)")
_YEAR = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)s?\b")
_DATE = re.compile(
    rf"\b{_YEAR.pattern[2:-2]}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b|\b{_MONTHS}\s+\d{{1,2}}\b|\b{_MONTHS}\b|"
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|last (?:year|month|week)|"
    r"next (?:year|month|week)|this (?:year|month|week))\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’\-]+|\b[A-Z]{2,}\b")

_MONEY_CUE = re.compile(r"\b(?:pay|paid|cost|costs|spend|spent|price|priced|raise|raised|worth|fee|fees|damages|"
                        r"money|debt|debts|salary|fine|fined|budget|revenue|profit|profits|sales|bid|sum|save)\b", re.I)


def answer_type(question: str) -> str | None:
    """One of money, number, year, date, name, or None when the question does not fix a type."""
    q = normalize(question).lower()
    if re.search(r"\bhow much\b", q):
        return "money" if _MONEY_CUE.search(q) else "number"
    if re.search(r"\b(?:what|which|at what) (?:price|amount|sum|fee)\b", q):
        return "money"
    if re.search(r"\bhow (?:many|big|large|fast|long|far|old|high|tall|heavy|often|quickly)\b|"
                 r"\bwhat (?:percentage|proportion|share|number|majority|speed|size|age|time)\b", q):
        return "number"
    if re.search(r"\b(?:what|which|since what|in what|in which) year\b", q):
        return "year"
    if re.search(r"\bwhen\b|\b(?:what|which|on what) (?:date|day|month)\b", q):
        return "date"
    if re.search(r"^(?:who|whom|whose)\b|\bwho\b(?! (?:is|are|was|were) (?:the|a) )", q):
        return "name"
    if re.match(r"which\b", q) or re.match(
            r"what\s+(?:\w+[- ]){0,2}(?:firm|company|newspaper|paper|minister|official|sculptor|"
                r"researcher|player|team|club|country|city|stadium|title|film|book|band|group|bank|person|"
                r"man|woman|artist|singer|actor|author|writer|politician|party|organisation|organization|"
                r"agency|airline|network|channel|brand|court)\b", q):
        return "name"
    return None


def _question_tokens(question: str) -> set[str]:
    words = re.findall(r"[\w$£€%.,]+", normalize(question).replace("'s ", " ").replace("'", " "))
    return {t.lower().strip(".,") for t in words}


def has_answer_of_type(sentence: str, kind: str | None, question: str) -> bool:
    """True when the sentence holds a value of the kind asked for that the question itself did not give."""
    if kind is None:
        return True
    s = normalize(sentence)
    asked = _question_tokens(question)
    asked_text = normalize(question).lower()

    def new(matches: list[str]) -> bool:
        return any(m.strip().lower() not in asked_text for m in matches)

    if kind == "money":
        return new(_MONEY.findall(s))
    if kind == "number":
        return new([m for m in _NUMBER.findall(s)])
    if kind == "year":
        return new(_YEAR.findall(s))
    if kind == "date":
        return new(_DATE.findall(s))
    if kind == "name":
        names = [m for m in _NAME.findall(s) if m.lower() not in STOPWORDS and m.lower() not in asked]
        return bool(names)
    return True
