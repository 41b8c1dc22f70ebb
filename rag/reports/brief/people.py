"""The briefing's who's who: names with the role the source gives them, from appositions."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from rag.reports.brief.evidence import Citations, Sent, each_once, focused, relevant
from rag.reports.brief.tuning import TUNING
from rag.reports.dates import MONTHS
from rag.reports.report_types import Person
from rag.text import STOPWORDS

_CAP = r"[A-Z][a-zA-Z\-]+"
_NAME = rf"(?:{_CAP}(?: (?:de|van|von|bin|al|la|le) )?(?: {_CAP}){{1,2}})"
_ROLE_NOUN = (r"(?i:spokes(?:person|man|woman)|president|minister|secretary|chairman|chairwoman|chair|chief|"
              r"executive|director|officer|official|analyst|economist|scientist|founder|head|leader|governor|"
              r"senator|ambassador|general|commissioner|chancellor|manager|editor|correspondent|adviser|advisor|"
              r"professor|investor|boss|owner|partner|lawyer|diplomat|expert|strategist|billionaire|tycoon|businessman|"
              r"businesswoman|entrepreneur|magnate|shareholders?|candidate|campaigner)")
_ROLE_BEFORE = re.compile(rf"((?:[\w’'&.-]+\s+){{0,3}}{_ROLE_NOUN})\s+({_NAME})\b")
_HONORIFICS = ("mr", "mrs", "ms", "dr", "miss", "sir", "lord", "lady")
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_ATTRIBUTION_VERBS = {"said", "says", "told", "tells", "added", "according", "warned", "stated", "claimed",
                      "reported", "asked", "wrote"}
_ATTRIBUTED = re.compile(r"\b(?:said|says|confirmed|stated|claimed|claiming|told|insisted|maintained)\b", re.I)
_NOT_ROLE = re.compile(r"(?i:according|who|which|that|and|but|said|says|told|as|in|on|at|for|with|from)\b")
_ROLE_AFTER = re.compile(rf"\b({_NAME}),\s+((?:then |now |who is |a |an |the )?[^,.;“”\"]{{3,90}}?)(?=[,.;])")


def people(pool: list[Sent], cites: Citations) -> list[Person]:
    """Names with the role the source gives them, from appositions: 'Kremlin spokesperson Dmitry Peskov',
    'Colin Kahl, then the under-secretary of defence for policy at the Pentagon,'. One entry per person (a
    misspelt name in one article is the same person), the most mentioned first."""
    found: dict[str, Person] = {}
    about = relevant(pool)
    for s in each_once([*focused(pool), *about]):
        for name, role, a, b in _appositions(s.text):
            name = re.sub(r"['’]s$", "", name)
            if _not_a_person(name, found) or _spelt_like(name, found):
                continue
            found[name] = Person(name, role, [cites.add(s.hit, s.start + a, s.start + b)])
    text = " ".join(s.text for s in about)
    full = {n.split()[-1] for n in found if n.split()[0].lower() not in _HONORIFICS}
    listed = [p for n, p in found.items() if not (n.split()[0].lower() in _HONORIFICS and n.split()[-1] in full)]
    ranked = sorted(listed, key=lambda p: -text.count(p.name.split()[-1]))
    return ranked[:TUNING.people_max]


def _spelt_like(name: str, found: dict[str, Person]) -> bool:
    """The same person spelt differently ('Khodorkovsky', 'Khordokovsky'): one first name, close surnames."""
    first, last = name.split()[0], name.split()[-1]
    for other in found:
        o_first, o_last = other.split()[0], other.split()[-1]
        same_first = first == o_first or first[:4] == o_first[:4]  # "Bernie" and "Bernard" Ebbers
        if same_first and SequenceMatcher(None, last.lower(), o_last.lower()).ratio() >= TUNING.same_name:
            return True
    return False


def _not_a_person(name: str, found: dict[str, Person]) -> bool:
    """Not a new name: a date ('On Monday'), a sentence opener, or 'Mr X' for an X already listed."""
    words = name.split()
    low = [w.lower() for w in words]
    if low[0] in STOPWORDS or any(w in MONTHS or w.rstrip("s") in _WEEKDAYS for w in low):
        return True
    surnames = {n.split()[-1] for n in found}
    return name in found or (low[0] in _HONORIFICS and words[-1] in surnames)


def _appositions(text: str) -> list[tuple[str, str, int, int]]:
    out = []
    for m in _ROLE_BEFORE.finditer(text):
        role, start = _trim_role(m.group(1), m.start())
        if role:
            out.append((m.group(2), role, start, m.end()))
    for m in _ROLE_AFTER.finditer(text):
        role = m.group(2).strip()
        if (re.search(_ROLE_NOUN, role) and not _ATTRIBUTED.search(role) and len(role.split()) <= 14
                and not _NOT_ROLE.match(role)):
            out.append((m.group(1), role, m.start(), m.end()))
    return out


def _trim_role(role: str, start: int) -> tuple[str, int]:
    """The role's own words, read leftwards from its noun until a word that cannot modify it
    ('driven by Russian president' -> 'Russian president', 'said ONGC chairman' -> 'ONGC chairman')."""
    words = list(re.finditer(r"\S+", role))
    i = len(words) - 1
    while i > 0:
        w = words[i - 1].group(0)
        low = w.lower()
        # "-ed/-ly/-ing" words end a role unless capitalised: "ex-Downing Street media chief" is one role.
        if (low in STOPWORDS or low in _ATTRIBUTION_VERBS or not w[-1].isalnum()
                or (low.endswith(("ed", "ly", "ing")) and not w[:1].isupper() and "-" not in w)):
            break
        i -= 1
    cut = words[i].start()
    return role[cut:], start + cut
