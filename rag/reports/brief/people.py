"""The briefing's who's who: names with the role the source gives them, from appositions."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from rag.reports.brief.evidence import Citations, Sent, each_once, focused, relevant
from rag.reports.brief.tuning import TUNING
from rag.reports.dates import MONTHS
from rag.reports.report_types import Person
from rag.text import STOPWORDS, normalize, sentence_spans

_CAP = r"[A-Z][a-zA-Z\-]+"
_NAME = rf"(?:{_CAP}(?: (?:de|van|von|bin|al|la|le) )?(?: {_CAP}){{1,2}})"
_ROLE_NOUN = (r"(?i:spokes(?:person|man|woman)|president|minister|secretary|chairman|chairwoman|chair|chief|"
              r"executive|director|officer|official|analyst|economist|scientist|founder|head|leader|governor|"
              r"senator|ambassador|general|commissioner|chancellor|manager|editor|correspondent|adviser|advisor|"
              r"professor|investor|boss|owner|partner|lawyer|diplomat|expert|strategist|billionaire|tycoon|businessman|"
              r"businesswoman|entrepreneur|magnate|shareholder|candidate|campaigner|host|presenter|patriarch|heir|"
              r"defender|striker|midfielder|goalkeeper|captain|coach|player|author|writer|witness|prosecutor|judge|"
              r"deputy|member|MEP|MP|MSP|peer|envoy|negotiator|activist)(?:e?s)?\b")
# A role before one or two names: "Kremlin spokesperson Dmitry Peskov", "Irish tycoons JP McManus and John Magnier".
_ROLE_BEFORE = re.compile(rf"((?:[\w’'&.-]+\s+){{0,3}}\b{_ROLE_NOUN})\s+({_NAME})(?: and ({_NAME}))?\b")
# Words that end an organisation's name, not a person's ("Menatep Group", "Standard Life Investments").
_ORGANISATION = {"group", "bank", "party", "inc", "corp", "ltd", "plc", "union", "association", "investments",
                 "holdings", "partners", "capital", "council", "commission", "committee", "agency", "company",
                 "exchange", "court", "office", "department", "ministry", "news", "times", "post", "telegraph",
                 "journal", "street", "house", "united", "city", "club", "motors", "airlines", "fund", "trust"}
_HONORIFICS = ("mr", "mrs", "ms", "dr", "miss", "sir", "lord", "lady")
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_ATTRIBUTION_VERBS = {"said", "says", "told", "tells", "added", "according", "warned", "stated", "claimed",
                      "reported", "asked", "wrote"}
_ING_NOT_MODIFIER = {"including", "following", "during", "regarding", "according", "excluding", "concerning",
                     "involving", "being", "having", "saying", "telling", "accusing", "replacing", "joining",
                     "succeeding", "leaving", "naming", "appointing", "backing", "attacking", "meeting", "quoting"}
_ATTRIBUTED = re.compile(r"\b(?:said|says|confirmed|stated|claimed|claiming|told|insisted|maintained)\b", re.I)
_NOT_ROLE = re.compile(r"(?i:according|who|which|that|and|but|said|says|told|as|in|on|at|for|with|from)\b")
_ROLE_AFTER = re.compile(rf"\b({_NAME}),\s+((?:then |now |who is |a |an |the )?[^,.;“”\"]{{3,90}}?)(?=[,.;])")


def people(pool: list[Sent], cites: Citations) -> list[Person]:
    """Names with the role the source gives them, from appositions: 'Kremlin spokesperson Dmitry Peskov',
    'Colin Kahl, then the under-secretary of defence for policy at the Pentagon,'. One entry per person (a
    misspelt name in one article is the same person); a role that does not say of what ('founder') completed
    from any cited article ('Yukos founder'). Ranked by how central the person is to the cited articles
    (sentences naming them, sentences they are the subject of); a bystander, named in only one sentence of
    them and not its subject ("Defence Secretary Geoff Hoon's seat"), is left out."""
    found: dict[str, Person] = {}
    about = relevant(pool)
    material = each_once([*focused(pool), *about])
    for s in material:
        for name, role, a, b in _appositions(s.text):
            _add(found, name, role, lambda a=a, b=b, s=s: cites.add(s.hit, s.start + a, s.start + b))
    full = {n.split()[-1] for n in found if n.split()[0].lower() not in _HONORIFICS}
    listed = [n for n in found if not (n.split()[0].lower() in _HONORIFICS and n.split()[-1] in full)]
    # The cited articles, a copy republished under the same title read once.
    hits = list({(s.hit.title or s.hit.doc_id): s.hit for s in material}.values())
    spans = [(h, a, b, text[a:b]) for h in hits for text in [cites.parts.catalog.text(h.doc_id)]
             for a, b in sentence_spans(text)]
    for h, start, _, sent in spans:
        for name, role, a, b in _appositions(sent):
            if not _bare(role) and (n := _clean_name(name)) in found and _bare(found[n].role):
                _add(found, name, role, lambda a=a, b=b, h=h, start=start: cites.add(h, start + a, start + b))
    weight = {n: _centrality(n, [x[3] for x in spans], listed) for n in listed}
    central = [n for n in listed if weight[n][0] >= TUNING.person_min_sentences or weight[n][2]]
    return [found[n] for n in sorted(central, key=lambda n: (-weight[n][1], -weight[n][0]))][:TUNING.people_max]


def _add(found: dict[str, Person], name: str, role: str, cite) -> None:  # noqa: ANN001 (cite: () -> int)
    """A name and its role, unless not a person's; a role saying of what replaces one that does not."""
    name = _clean_name(name)
    if not name or _not_a_person(name, found):
        return
    same = name if name in found else _spelt_like(name, found)
    if same is None:
        found[name] = Person(name, role, [cite()])
    elif _bare(found[same].role) and not _bare(role) and found[same].role.split()[-1].lower() in role.lower():
        found[same] = Person(same, role, [cite()])  # the fuller role: "Yukos founder" over "founder"


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def _bare(role: str) -> bool:
    """A role that does not say of what: 'founder', 'Chief executive', 'director'."""
    return all(re.fullmatch(_ROLE_NOUN, w) or w.lower() in _GENERIC_TITLE for w in role.split())


_GENERIC_TITLE = {"a", "an", "the", "chief", "executive", "managing", "deputy", "vice", "senior", "former", "ex",
                  "acting", "general", "assistant", "joint", "co", "its", "his", "her", "their"}


def _centrality(name: str, sentences: list[str], names: list[str]) -> tuple[int, float, int]:
    """Sentences of the cited articles naming the person (by surname, or by full name when another listed person
    shares it; a sentence another article repeats counts once), a score (those sentences, and twice those that
    open with the person as their subject: 'Mr Glazer has made ...'), and how many do."""
    shared = sum(n.split()[-1] == name.split()[-1] for n in names) > 1  # "Gianni" and "Umberto" Agnelli
    last = re.escape(name if shared else name.split()[-1])
    naming = {normalize(s) for s in sentences if re.search(rf"\b{last}\b", s)}
    subject = [s for s in naming if re.match(rf"^[\"“]?(?:(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady) |[\w’'.-]+ ){{0,4}}{last}\b",
                                             s)]
    return len(naming), len(naming) + 2 * len(subject), len(subject)


def _clean_name(name: str) -> str:
    """A name without a possessive or a sentence's next word taken as a surname ('Vadim Mitroshin The')."""
    words = re.sub(r"['’]s$", "", name).split()
    while len(words) > 1 and words[-1].lower() in STOPWORDS:
        words.pop()
    return " ".join(words) if len(words) > 1 else ""


def _spelt_like(name: str, found: dict[str, Person]) -> str | None:
    """The listed name of the same person spelt differently ('Khodorkovsky', 'Khordokovsky'): one first name,
    close surnames."""
    first, last = name.split()[0], name.split()[-1]
    for other in found:
        o_first, o_last = other.split()[0], other.split()[-1]
        same_first = first == o_first or first[:4] == o_first[:4]  # "Bernie" and "Bernard" Ebbers
        if same_first and SequenceMatcher(None, last.lower(), o_last.lower()).ratio() >= TUNING.same_name:
            return other
    return None


def _not_a_person(name: str, found: dict[str, Person]) -> bool:
    """Not a person's name: a date ('On Monday'), a sentence opener, an organisation ('Menatep Group'), or 'Mr X'
    for an X already listed."""
    words = name.split()
    low = [w.lower() for w in words]
    if low[0] in STOPWORDS or any(w in MONTHS or w.rstrip("s") in _WEEKDAYS for w in low):
        return True
    if low[-1] in _ORGANISATION:
        return True
    surnames = {n.split()[-1] for n in found}
    return low[0] in _HONORIFICS and words[-1] in surnames


def _appositions(text: str) -> list[tuple[str, str, int, int]]:
    out = []
    for m in _ROLE_BEFORE.finditer(text):
        role, start = _trim_role(m.group(1), m.start())
        if role:
            out += [(n, role, start, m.end()) for n in (m.group(2), m.group(3)) if n]
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
        # "-ed/-ly/-ing" words end a role unless capitalised: "ex-Downing Street media chief" is one role; an
        # "-ing" word just before the noun modifies it ("managing director", "horseracing tycoons") unless it is
        # a verb or preposition ("including chairman X").
        possessive = re.search(r"\w(?:['’]s?)$", w) is not None  # "Mr Ebbers' lawyer", "Yukos's founder"
        modifier = low.endswith("ing") and i == len(words) - 1 and low not in _ING_NOT_MODIFIER
        if (low in STOPWORDS or low in _ATTRIBUTION_VERBS or (not w[-1].isalnum() and not possessive)
                or (low.endswith(("ed", "ly", "ing")) and not w[:1].isupper() and "-" not in w and not modifier)):
            break
        i -= 1
    cut = words[i].start()
    return role[cut:], start + cut
