"""Date phrases in a sentence, resolved against the article's publication date.

"late 2023" -> "2023" (qualifier "late"); "October 2022" -> "2022-10"; "in June this year" -> the publication
year's June; "18 months prior" -> counted back from the publication date. A phrase whose year depends on a
publication date the article does not have resolves to ``None`` with the reason, never to a guess.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from rag.text import normalize

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_MON = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|March|Mar|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
        r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())} | {"a": 1, "an": 1}
_QUAL_MONTH = {"early": 2, "beginning of": 1, "start of": 1, "mid": 6, "middle of": 6, "late": 10,
               "end of": 12}
_LEAD = r"(?:(?i:since|in|by|from|until|till|around|before|after|during|on|of|as of)\s+)?"
_YEAR = r"(?:19|20)\d\d"

# Relative phrases take no preposition: in "its role in last year's auction" the date is "last year".
_PATTERNS: list[tuple[str, re.Pattern]] = [(k, re.compile(p, re.I) if k in ("rel", "span") else re.compile(_LEAD + p))
                                            for k, p in [
    # A range kept as one ("between 2000 and 2002", "from January 2004 to July 2009", "either 2006 or 2007").
    ("range", rf"(?i:between|from|either) ((?:{_MON} )?{_YEAR}) (?i:and|to|until|till|or) ((?:{_MON} )?{_YEAR})\b"
              rf"|\b((?:{_MON} )?{_YEAR}) ?[-–] ?((?:{_MON} )?(?:{_YEAR}|\d\d))\b(?![\d%])"),
    ("day", rf"(?:(\d{{1,2}})(?:st|nd|rd|th)? ({_MON}),? ({_YEAR})|"
            rf"({_MON}) (\d{{1,2}})(?:st|nd|rd|th)?,? ({_YEAR}))\b"),
    ("decade", r"(?:(?i:(early|mid|late))[- ])?((?:19|20)\d0)s\b"),
    ("qual", rf"(?i:(early|mid|late|beginning of|start of|middle of|end of))[- ]({_YEAR})\b"),
    ("month_year", rf"({_MON}),? ({_YEAR})\b"),
    ("month_rel", rf"({_MON}) (?i:(this|last|next) year)\b"),
    ("rel_month", rf"(?i:(last|this|next)) ({_MON})\b"),
    ("span", r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) "
             r"(day|week|month|year)s? (ago|earlier|prior|before|previously)\b"),
    ("rel", r"\b(last|this|next|the previous|the past) (year|month|week)\b"),
    ("rel", r"\b(yesterday|today)\b"),
    ("weekday", r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"),
    ("month", rf"(?<=\b[Ii]n )({_MON})\b(?! \d)"),
    ("year", rf"(?<![\d,.$£€])({_YEAR})(?![\d%]|,\d|\s?(?:bn|m|million|billion)\b)"),
]]
_MOVED = re.compile(r"\b(?:push|pushed|put|moved?|delay(?:ed)?|postponed?|brought|bring|forward|back|rais(?:e|ed)|"
                    r"cut|chang(?:e|ed)|rose|fell|increased?|reduced?|lower(?:ed)?)\b", re.I)
# Phrases that place an event at the time of the sentence before ("Around the same time, he tweeted ...").
SAME_TIME = re.compile(r"\b(?:around|at|about) the same time\b|\bat the time\b|\bthat same (?:month|year|week)\b",
                       re.I)


@dataclass(frozen=True)
class DateRef:
    phrase: str  # as written in the sentence
    start: int  # offsets of the phrase in the sentence
    end: int
    iso: str | None  # "2022-10-03", "2022-10" or "2023"; None when it cannot be resolved
    qualifier: str | None = None  # "early", "mid", "late", "about", "at latest"
    note: str | None = None  # how it was resolved, or why it could not be
    until: str | None = None  # a range's last year or month ("between 2000 and 2002": iso "2000", until "2002")

    def to_dict(self) -> dict:
        return asdict(self)

    def sort_key(self) -> tuple[int, float, int]:
        if not self.iso:
            return (9999, 99.0, 99)
        parts = [int(x) for x in self.iso.split("-")]
        if self.qualifier and self.qualifier.endswith("0s"):  # a decade: early, mid or late in it
            return (parts[0] + {"early": 2, "mid": 5, "late": 8}.get(self.qualifier.split()[0], 5), 6.5, 0)
        month = float(parts[1]) if len(parts) > 1 else _QUAL_MONTH.get(self.qualifier or "", 6.5)
        return (parts[0], month, parts[2] if len(parts) > 2 else 0)


def find_dates(sentence: str, published: str | None) -> list[DateRef]:
    """Every date phrase of ``sentence`` (non-overlapping, in order), resolved against ``published``."""
    pub = _parse(published)
    taken: list[tuple[int, int]] = []
    out = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            ref = _resolve(kind, m, pub)
            if ref is not None:
                taken.append((m.start(), m.end()))
                out.append(ref)
    return sorted(out, key=lambda r: r.start)


def _parse(published: str | None) -> date | None:
    try:
        return date.fromisoformat(published) if published else None
    except ValueError:
        return None


def _month(name: str) -> int:
    return [m[:3] for m in MONTHS].index(name[:3].lower()) + 1


def _unknown(m: re.Match, what: str) -> DateRef:
    return DateRef(m.group(0), m.start(), m.end(), None, None,
                   f"the article has no publication date, so the {what} of {m.group(0).strip()!r} is unknown")


def _resolve(kind: str, m: re.Match, pub: date | None) -> DateRef | None:
    g = m.groups()
    ref = lambda iso, qual=None, note=None: DateRef(m.group(0), m.start(), m.end(), iso, qual, note)  # noqa: E731
    if kind == "range":
        if _MOVED.search(m.string[max(0, m.start() - 40):m.start()]):
            return None  # "pushed back its target from 2005 to 2006": a change of date, not a span
        first, last = (g[0], g[1]) if g[0] else (g[2], g[3])
        if len(last) == 2:  # "2003-04": the century of the first year
            last = first[-4:-2] + last
        a, b = _month_or_year(first), _month_or_year(last)
        return DateRef(m.group(0), m.start(), m.end(), a, None, None, b) if a < b else None
    if kind == "day":
        d, mon, y = (g[0], g[1], g[2]) if g[0] else (g[4], g[3], g[5])
        return ref(f"{int(y):04d}-{_month(mon):02d}-{int(d):02d}")
    if kind == "decade":  # "the late 1990s": the decade's first year, the decade named in the qualifier
        return ref(g[1], f"{g[0].lower()} {g[1]}s" if g[0] else f"{g[1]}s")
    if kind == "qual":
        return ref(g[1], g[0].lower())
    if kind == "month_year":
        return ref(f"{g[1]}-{_month(g[0]):02d}")
    if kind in ("month_rel", "rel_month"):
        mon, which = (g[0], g[1]) if kind == "month_rel" else (g[1], g[0])
        if pub is None:
            return _unknown(m, "year")
        return ref(f"{_relative_year(pub, _month(mon), which.lower(), kind == 'rel_month')}-{_month(mon):02d}",
                   None, f"year from the publication date {pub.isoformat()}")
    if kind == "span":
        return _span(m, pub, ref)
    if kind == "rel":
        return _rel(m, pub, ref)
    if kind == "weekday":
        if pub is None:
            return _unknown(m, "date")
        back = (pub.weekday() - _DAYS.index(g[0].lower())) % 7
        return ref((pub - timedelta(days=back)).isoformat(), None,
                   f"the {g[0]} on or before the publication date {pub.isoformat()}")
    if kind == "month":
        if g[0] == "May" and not re.match(r"\s*[,.;]|\s+(?:of|this|last)\b", m.string[m.end():]):
            return None  # "in May" is usually the month, but "May" alone is too often the verb
        if pub is None:
            return _unknown(m, "year")
        mon = _month(g[0])
        y = pub.year if mon <= pub.month else pub.year - 1
        return ref(f"{y}-{mon:02d}", None, f"the latest {g[0]} up to the publication date {pub.isoformat()}")
    return ref(g[0])  # a bare year


def _month_or_year(text: str) -> str:
    """'July 2009' -> '2009-07', '2009' -> '2009'."""
    words = text.split()
    return f"{words[-1]}-{_month(words[0]):02d}" if len(words) == 2 else words[0]


def _relative_year(pub: date, month: int, which: str, before_month: bool) -> int:
    """'June this year' -> the publication year; 'last June' -> the latest June before the publication month."""
    if which == "this":
        return pub.year
    if which == "next":
        return pub.year + 1 if not before_month or month <= pub.month else pub.year
    if before_month:
        return pub.year if month < pub.month else pub.year - 1
    return pub.year - 1


def _span(m: re.Match, pub: date | None, ref) -> DateRef:  # noqa: ANN001
    n_word, unit, direction = m.group(1).lower(), m.group(2).lower(), m.group(3).lower()
    n = int(n_word) if n_word.isdigit() else _NUMBER_WORDS[n_word]
    if pub is None:
        return _unknown(m, "date")
    months = {"year": 12 * n, "month": n}.get(unit)
    if months is not None:
        total = pub.year * 12 + pub.month - 1 - months
        iso = f"{total // 12}" if unit == "year" else f"{total // 12}-{total % 12 + 1:02d}"
    else:
        iso = (pub - timedelta(days=n * (7 if unit == "week" else 1))).isoformat()
    if direction == "ago":
        return ref(iso, "about", f"counted back from the publication date {pub.isoformat()}")
    # "18 months prior" counts back from the event being reported, which happened by the publication date.
    return ref(iso, "at latest", f"counted back from the publication date {pub.isoformat()}; the text counts "
               "from an earlier moment, so the event may be earlier")


def _rel(m: re.Match, pub: date | None, ref) -> DateRef:  # noqa: ANN001
    which = m.group(1).lower()
    unit = (m.group(2) or "").lower() if m.lastindex and m.lastindex >= 2 else ""
    if pub is None:
        return _unknown(m, "date")
    if which in ("yesterday", "today"):
        return ref((pub - timedelta(days=which == "yesterday")).isoformat(), None,
                   f"from the publication date {pub.isoformat()}")
    step = {"last": -1, "the previous": -1, "the past": -1, "this": 0, "next": 1}[which]
    if unit == "year":
        return ref(str(pub.year + step), None, f"from the publication date {pub.isoformat()}")
    if unit == "month":
        total = pub.year * 12 + pub.month - 1 + step
        return ref(f"{total // 12}-{total % 12 + 1:02d}", None, f"from the publication date {pub.isoformat()}")
    return ref((pub + timedelta(weeks=step)).isoformat(), "about", f"from the publication date {pub.isoformat()}")


def same_time(sentence: str) -> str | None:
    """The phrase that dates this sentence by the one before it ("around the same time"), if any."""
    m = SAME_TIME.search(normalize(sentence))
    return m.group(0) if m else None
