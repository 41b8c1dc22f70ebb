"""Sentence spans and word terms: the shared text primitives of chunking, BM25 and answer scoring."""

from __future__ import annotations

import re
import unicodedata

# Tokens before a period that do not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt", "jr", "sr",
    "inc", "co", "corp", "ltd", "plc", "vs", "etc", "eg", "ie", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "rev", "hon", "u.s", "u.k",
    "e.g", "i.e", "approx", "dept", "est", "univ",
}
_NUMBERED = {"no", "nos", "vol", "fig", "art", "pp"}  # abbreviations only before a number
# A candidate end: terminal punctuation, optional closing quotes/brackets, then space and a sentence start.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9£$€])")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’][A-Za-z0-9]+)*")

TOKENIZER_VERSION = 2  # bump when terms() changes: saved BM25 indexes are rebuilt

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been before being
    below between both but by can could did didn do does doesn doing don down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is isn it its itself just let
    me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was wasn we were weren what when where which while who whom why will with won would
    you your yours yourself yourselves s t ve ll re d m says said say according""".split()
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences; returns (start, end) offsets, stripped of white space.

    Line breaks always end a sentence (headlines, paragraphs); periods after abbreviations and initials do not.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        ls, le = start + line.start(), start + line.end()
        cut = ls
        for m in _END.finditer(text, ls, le):
            if _is_abbreviation(text, cut, m.start()):
                continue
            spans.append((cut, m.end()))
            cut = m.end()
        spans.append((cut, le))
    return [s for s in (_strip(text, a, b) for a, b in spans) if s[1] > s[0]]


def _is_abbreviation(text: str, lo: int, dot: int) -> bool:
    # A whole word only: the "m" of "£800m." or the "bn" of "$1.2bn." is a unit, and a sentence may end there.
    word = re.search(r"(?<![A-Za-z0-9£$€%])([A-Za-z.]+)$", text[lo:dot])
    if not word:
        return False
    w = word.group(1).lower().rstrip(".")
    if w in _NUMBERED:  # "No. 10", "Vol. 3"; "the answer was no." ends a sentence
        return bool(re.match(r"\.\s*\d", text[dot:dot + 4]))
    return w in _ABBREV or (len(w) == 1 and w.isalpha())


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def normalize(text: str) -> str:
    """Fold curly quotes, dashes and compatibility characters so comparisons see the same text."""
    text = unicodedata.normalize("NFKC", text)
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
    return re.sub(r"\s+", " ", text.translate(table)).strip()


# Irregular verb forms, so that "spent" matches "spend" and "bought" matches "buy".
_IRREGULAR = {
    f: base for base, forms in {
        "buy": "bought", "sell": "sold", "pay": "paid", "spend": "spent", "win": "won", "lose": "lost",
        "make": "made", "take": "took taken", "give": "gave given", "get": "got gotten", "go": "went gone",
        "come": "came", "find": "found", "tell": "told", "think": "thought", "bring": "brought",
        "begin": "began begun", "become": "became", "build": "built", "hold": "held", "keep": "kept",
        "leave": "left", "lead": "led", "meet": "met", "run": "ran", "see": "saw seen", "speak": "spoke spoken",
        "steal": "stole stolen", "write": "wrote written", "rise": "rose risen", "fall": "fell fallen",
        "grow": "grew grown", "know": "knew known", "show": "shown", "break": "broke broken",
        "choose": "chose chosen", "drive": "drove driven", "eat": "ate eaten", "fly": "flew flown",
        "hear": "heard", "send": "sent", "set": "set", "sit": "sat", "stand": "stood", "teach": "taught",
        "understand": "understood", "wear": "wore worn", "cut": "cut", "put": "put", "hit": "hit",
        "deny": "denied denies", "raise": "raised raising", "die": "died dying", "cost": "cost",
    }.items() for f in forms.split()
}


def stem(word: str) -> str:
    """A light English stemmer: irregular verbs to their base, then plural and -ing/-ed endings, then a final e
    ('sales' ~ 'sale', 'based' ~ 'base', 'cutting' ~ 'cut', 'spent' ~ 'spend')."""
    w = _IRREGULAR.get(word, word)
    suffixed = False
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("es") and w[:-2].endswith(("s", "x", "z", "ch", "sh")) and len(w) > 4:
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    elif w.endswith("ing") and len(w) > 5:
        w, suffixed = w[:-3], True
    elif w.endswith("ed") and len(w) > 4:
        w, suffixed = w[:-2], True
    if suffixed and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # cutting -> cut
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def terms(text: str) -> list[str]:
    """Content terms: lower-cased, stop words removed, lightly stemmed. Numbers are kept as written."""
    out = []
    for m in _WORD.finditer(normalize(text)):
        w = m.group(0).lower().replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace("'", "")
        if w and w not in STOPWORDS:
            out.append(stem(w) if w.isalpha() else w)
    return out
