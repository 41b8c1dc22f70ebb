"""Briefings: a structured, cited document on a topic, assembled from retrieved sentences (extractive).

The topic and a few sub-queries derived from it ("... when", "... said", "... denied", "... figures") are
retrieved with the ordinary retriever; every sentence of the retrieved passages is scored by its closeness to
the topic (rag/reports/relevance.py, where a learned judge can take over); the sections pick from them: summary
(distinct, standing alone, articles' opening lines first), facts (with quantities), timeline (events of the
topic, date phrases resolved by rag/reports/dates.py, background years left out), who's who (name-role appositions, one
entry per person), conflicting accounts (articles giving different values for one fact; denials beside the
affirmative statement they deny), open questions (undated events, what the sources say is unclear, the listed
conflicts). Every item is verified against its citation with rag/answer/verify.py's Verifier.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import numpy as np

from rag.answer.components import Components
from rag.answer.extractive import is_statement
from rag.answer.injection import clear_of, instruction_spans
from rag.answer.llm import check_mode
from rag.answer.questions import check_question
from rag.answer.results import Citation
from rag.answer.retrieve import Filters, Hit
from rag.answer.verify import Evidence, missing_facts, numbers
from rag.reports.brief_llm import llm_summary
from rag.reports.dates import MONTHS, find_dates, same_time
from rag.reports.markdown import briefing_markdown
from rag.reports.relevance import Topic, relevance, value_conflict
from rag.reports.report_types import Briefing, Conflict, Item, Person, TimelineItem
from rag.text import STOPWORDS, normalize, sentence_spans, terms

SUBQUERIES = ("{t}", "{t} when", "{t} said", "{t} denied", "{t} figures")
MIN_RELEVANCE = 0.30  # summary and facts leave out sentences less relevant to the topic than this
SUMMARY_MAX, FACTS_MAX, TIMELINE_MAX, PEOPLE_MAX, CONFLICTS_MAX, QUESTIONS_MAX = 5, 6, 15, 10, 4, 8
UNDATED_MAX = 4
SAME_NAME = 0.8  # surnames this alike, with one first name, are one person spelt two ways
SAME_MATTER = 0.5  # a denial and the account it denies are at least this similar
DUPLICATE = 0.85  # sentences closer than this say the same thing: keep one
SHARED_TERMS = 0.6  # ... and so do two sharing this share of the shorter one's content words
EVENT_FLOOR = 0.24  # a sentence of the articles most about the topic is an event at this relevance
BACKGROUND, BACKGROUND_YEARS = 0.85, 2  # events this many years before the topic's era need this share of the best
LEAD_BONUS = 0.05  # the opening lines of an article state its main event: they lead the summary
FOCUS, FOCUS_DOCS = 0.8, 5  # articles whose best sentence is this close to the best article's are read whole
LEAD_CHARS = 400  # a sentence starting this close to its article's start is in the opening lines

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
_ATTRIBUTED = re.compile(r"\b(?:said|says|confirmed|stated|claimed|claiming|told|insisted|maintained)\b", re.I)
_REPORT = re.compile(r"\b(?:report(?:s|ed|edly)?|according to|claimed|told|said|sources?|quoted|revealed)\b", re.I)
_UNCLEAR = re.compile(
    r"\b(?:it )?(?:remains? (?:unclear|uncertain|unknown|to be seen)|(?:is|was) (?:unclear|not clear|uncertain|"
    r"unknown)|no one knows)\b,?\s*(?P<rest>(?:how|whether|what|why|when|who|which|if)\b[^.;]*)", re.I)
_NO_COMMENT = re.compile(
    r"(?P<who>\b(?:the )?[A-Z][\w’']*(?: [A-Z][\w’']*)*) (?:did not|didn't|declined to|could not be reached to) "
    r"(?:respond|comment|reply)[^.;]*?(?:regarding|about|on) (?P<what>[^.;]+)")


@dataclass(frozen=True)
class Sent:
    hit: Hit
    start: int  # offsets into the canonical text of the hit's document
    end: int
    text: str
    relevance: float
    vec: np.ndarray
    sim: float = 0.0  # embedding similarity to the topic
    focus: bool = False  # from one of the articles most about the topic
    lead: bool = False  # in its article's opening lines, where news states the main event


class _Citations:
    """Citations numbered in order of first use, one per distinct span."""

    def __init__(self, parts: Components) -> None:
        self.parts, self.items, self._n = parts, [], {}

    def add(self, hit: Hit, start: int, end: int) -> int:
        key = (hit.doc_id, start, end)
        if key not in self._n:
            self._n[key] = len(self.items) + 1
            self.items.append(self.parts.cite(self._n[key], hit, start, end))
        return self._n[key]


def build_briefing(parts: Components, topic: str, k: int | None = None, filters: Filters | None = None,
                   mode: str = "auto") -> Briefing:
    """``mode``: extractive, llm (the summary written by the model, every sentence verified), or auto (llm when
    a model is configured). Every other section is extractive either way."""
    topic = check_question(topic)
    check_mode(mode)
    t0 = time.perf_counter()
    hits = _retrieve(parts, topic, k, filters)
    t1 = time.perf_counter()
    pool = _sentences(parts, topic, hits)
    cites = _Citations(parts)
    b = Briefing(topic, _date_range(hits, pool))
    used: list[Sent] = []
    b.summary = _summary(pool, cites, used)
    written, b.llm = llm_summary(parts, topic, _passages(_relevant(pool)), mode, cites.add)
    if written:
        b.summary, b.mode = written, "llm"
    b.facts = _facts(pool, cites, used)
    b.timeline = _timeline(parts, pool, cites)
    b.people = _people(pool, cites)
    b.conflicts = _conflicts(parts, pool, cites)
    b.open_questions = _open_questions(b, pool, cites)
    b.citations = _verify(parts, b, cites.items)
    b.markdown = briefing_markdown(b)
    t2 = time.perf_counter()
    b.timings_ms = {"retrieve": (t1 - t0) * 1000, "assemble": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
    return b


# -- evidence ----------------------------------------------------------------------------------------------
def _retrieve(parts: Components, topic: str, k: int | None, filters: Filters | None) -> list[Hit]:
    """The passages of the topic and its sub-queries, each once, best first."""
    retriever, seen, out = parts.retriever, set(), []
    for q in SUBQUERIES:
        for h in retriever.search(q.format(t=topic), k or max(parts.settings.k, 10), filters):
            if h.pid not in seen:
                seen.add(h.pid)
                out.append(h)
    return out


def _sentences(parts: Components, topic: str, hits: list[Hit]) -> list[Sent]:
    """Every statement of the retrieved passages, and of the rest of the articles most about the topic (an
    event's date or a denial is often in a sentence that does not name the topic), scored, best first."""
    pool = _score(parts, topic, _statements(hits, set()))
    best: dict[str, float] = {}
    for s in pool:
        best[s.hit.doc_id] = max(best.get(s.hit.doc_id, 0.0), s.relevance)
    top = max(best.values(), default=0.0)
    focus = sorted((d for d, r in best.items() if r >= max(MIN_RELEVANCE, FOCUS * top)), key=lambda d: -best[d])
    seen = {normalize(s.text) for s in pool}
    more = _statements(_rest_of(parts, hits, focus[:FOCUS_DOCS]), seen)
    articles: dict[str, float] = {}
    for s in pool:
        articles[s.hit.doc_id] = max(articles.get(s.hit.doc_id, 0.0), s.sim)
    pool += _score(parts, topic, more, articles)
    focused = set(focus[:FOCUS_DOCS])
    out = [replace(s, focus=s.hit.doc_id in focused) for s in pool]
    return sorted(out, key=lambda x: -x.relevance)


def _statements(hits: list[Hit], seen: set[str]) -> list[tuple[Hit, int, int, str]]:
    out = []
    for h in hits:
        blocked = instruction_spans(h.text)  # the passage as a whole: what an instruction's colon introduces
        for a, b in sentence_spans(h.text):
            s = h.text[a:b]
            if is_statement(s) and clear_of(blocked, a, b) and normalize(s) not in seen:
                seen.add(normalize(s))
                out.append((h, h.start + a, h.start + b, s))
    return out


def _rest_of(parts: Components, hits: list[Hit], doc_ids: list[str]) -> list[Hit]:
    """The passages of these articles that retrieval did not return, as hits of their article."""
    catalog, have = parts.catalog, {h.pid for h in hits}
    first = {h.doc_id: h for h in reversed(hits)}
    out = []
    for d in doc_ids:
        rest = [p for p in catalog.passages(catalog.pids_of(d)).values() if p.pid not in have]
        out += [replace(first[d], pid=p.pid, start=p.start, end=p.end, text=p.text, score=0.0, dense=None,
                        bm25=None) for p in sorted(rest, key=lambda p: p.start)]
    return out


def _score(parts: Components, topic: str, spans: list[tuple[Hit, int, int, str]],
           articles: dict[str, float] | None = None) -> list[Sent]:
    """Each sentence's relevance to the topic (rag/reports/relevance.py); ``articles``: how much each article is about
    the topic (its best sentence's similarity), computed from these sentences when not given."""
    if not spans:
        return []
    lex = parts.lexical
    vecs = parts.embedder.embed([s for _, _, _, s in spans])
    sims = vecs @ parts.embedder.embed_query(topic)
    t = Topic(topic, {w: lex.idf(w) for w in set(terms(topic))})
    best = dict(articles or {})
    if articles is None:
        for (h, _, _, _), sim in zip(spans, sims, strict=True):
            best[h.doc_id] = max(best.get(h.doc_id, 0.0), float(sim))
    out = []
    for (h, a, b, s), sim, vec in zip(spans, sims, vecs, strict=True):
        score = relevance(t, s, float(sim), h.title, best.get(h.doc_id, 0.0))
        out.append(Sent(h, a, b, s, score, vec, float(sim), lead=a < LEAD_CHARS + h.start and h.start == 0))
    return out


def _passages(sents: list[Sent]) -> list[Hit]:
    """The passages of these sentences, each once, in the sentences' order."""
    return list({s.hit.pid: s.hit for s in sents}.values())


def _relevant(pool: list[Sent], floor: float = MIN_RELEVANCE) -> list[Sent]:
    """Sentences close enough to the topic: above the floor and within reach of the best one."""
    if not pool:
        return []
    bar = max(floor, pool[0].relevance * 0.45)
    return [s for s in pool if s.relevance >= bar]


def _focused(pool: list[Sent]) -> list[Sent]:
    """Every sentence of the articles most about the topic, most relevant first."""
    return [s for s in pool if s.focus]


def _date_range(hits: list[Hit], pool: list[Sent]) -> str:
    docs = {h.doc_id: h.date for h in hits if any(s.hit.doc_id == h.doc_id for s in _relevant(pool))}
    dated = sorted(d for d in docs.values() if d)
    undated = len(docs) - len(dated)
    if not docs:
        return "no evidence found"
    when = (f"published {dated[0]}" if dated and dated[0] == dated[-1] else
            f"published {dated[0]} to {dated[-1]}" if dated else "none dated")
    extra = f", {undated} undated" if undated and dated else ""
    return f"{len(docs)} article{'s' * (len(docs) != 1)}, {when}{extra}"


def _item(s: Sent, cites: _Citations) -> Item:
    return Item(s.text, [cites.add(s.hit, s.start, s.end)])


def _diverse(cands: list[Sent], n: int, taken: list[Sent] | None = None) -> list[Sent]:
    """The best ``n`` that repeat neither each other nor ``taken``."""
    out: list[Sent] = []
    for s in cands:
        if len(out) >= n:
            break
        if not any(_same(s, x) for x in [*(taken or []), *out]):
            out.append(s)
    return out


def _same(a: Sent, b: Sent) -> bool:
    """Near-duplicates: close embeddings, or most content words shared (one article rewords another)."""
    if float(a.vec @ b.vec) >= DUPLICATE:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    return len(ta & tb) >= SHARED_TERMS * min(len(ta), len(tb))


# A sentence that opens like this leans on the one before it ("But he denied it."): shown alone, it misleads.
_DEPENDENT = re.compile(r"^[\"“'‘(]*(?:but|and|or|so|yet|he|she|it|they|this|that|these|those|his|her|its|their|"
                        r"him|them|however|also|meanwhile|instead|still|then|nevertheless|such)\b", re.I)


def stands_alone(text: str) -> bool:
    """Readable without the sentence before it: no leaning opener, not a question, no quotation left open."""
    return not _DEPENDENT.match(text) and not text.rstrip().endswith("?") and _balanced(text)


def _balanced(text: str) -> bool:
    t = normalize(text)
    return t.count('"') % 2 == 0


def _by_importance(sents: list[Sent]) -> list[Sent]:
    """Most relevant first, the opening lines of articles (where news states its main event) ahead."""
    return sorted(sents, key=lambda s: -(s.relevance + LEAD_BONUS * s.lead))


# -- sections ----------------------------------------------------------------------------------------------
def _summary(pool: list[Sent], cites: _Citations, used: list[Sent]) -> list[Item]:
    picked = _diverse(_by_importance([s for s in _relevant(pool) if stands_alone(s.text)]), SUMMARY_MAX)
    used += picked
    return [_item(s, cites) for s in picked]


def _facts(pool: list[Sent], cites: _Citations, used: list[Sent]) -> list[Item]:
    """Sentences that give a quantity (not only a year), most relevant first, not repeating the summary."""
    def quantity(s: str) -> bool:
        return any(not (v.is_integer() and 1900 <= v <= 2100) and v != 1.0 for _, v in numbers(s))
    cands = [s for s in _relevant(pool) if quantity(s.text) and stands_alone(s.text)]
    return [_item(s, cites) for s in _diverse(cands, FACTS_MAX, used)]


def _timeline(parts: Components, pool: list[Sent], cites: _Citations) -> list[TimelineItem]:
    """Each event of the topic with a date phrase (or dated by the sentence before it), sorted by date;
    those whose date cannot be resolved come last, with the reason. An event must itself be about the topic
    (not only its article), and one dated years before the topic's own time (a profile's "elected in 1983")
    needs to be among the most relevant."""
    found = []
    for s in _events(pool):
        refs = find_dates(s.text, s.hit.date)
        phrase = None
        if not refs and (phrase := same_time(s.text)):
            refs = find_dates(_previous(parts, s), s.hit.date)[:1]
        if not refs:
            continue
        r = next((x for x in refs if x.iso), refs[0])  # an absolute date over "a year earlier"
        found.append((s, r, phrase))
    items = []
    era = _era([r for _, r, _ in found[:TIMELINE_MAX]])
    top = pool[0].relevance if pool else 0.0
    for s, r, phrase in found:
        if era and r.iso and int(r.iso[:4]) < era - BACKGROUND_YEARS and s.relevance < BACKGROUND * top:
            continue  # background: a person's career, an old law
        shown = phrase or r.phrase.strip()
        reason = r.note if not phrase else "; ".join(
            x for x in (f"dated by the sentence before it (“{r.phrase.strip()}”)", r.note) if x)
        items.append((r.sort_key(), TimelineItem(r.iso, r.qualifier, shown, reason, s.text,
                                                 [cites.add(s.hit, s.start, s.end)])))
    # The most relevant, in date order; events whose date is unknown only up to a few (a corpus without
    # publication dates would fill the timeline with them).
    undated = [x for x in items if x[1].date is None][:UNDATED_MAX]
    items = sorted([x for x in items if x[1].date is not None][:TIMELINE_MAX - len(undated)] + undated,
                   key=lambda x: x[0])
    return [t for _, t in items]


def _events(pool: list[Sent]) -> list[Sent]:
    """Candidate events, most relevant first: sentences about the topic, and the less relevant sentences of the
    articles most about it (an event's date is often in a sentence that does not name the topic) that read
    on their own ("He was elected in 1983" is someone's biography, not an event of the topic)."""
    relevant = {id(s) for s in _relevant(pool)}
    return [s for s in pool if (id(s) in relevant or (s.focus and s.relevance >= EVENT_FLOOR))
            and not _DEPENDENT.match(s.text)]


def _era(refs: list) -> int | None:
    """The topic's own year: the median year of its most relevant dated events."""
    years = sorted(int(r.iso[:4]) for r in refs if r.iso)
    return years[len(years) // 2] if years else None


def _previous(parts: Components, s: Sent) -> str:
    """The sentence before ``s`` in its article (same paragraph), or ''."""
    text = parts.catalog.text(s.hit.doc_id)
    para = text.rfind("\n", 0, s.start) + 1
    before = sentence_spans(text, para, s.start)
    return text[before[-1][0]:before[-1][1]] if before else ""


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
_NOT_ROLE = re.compile(r"(?i:according|who|which|that|and|but|said|says|told|as|in|on|at|for|with|from)\b")
_ROLE_AFTER = re.compile(rf"\b({_NAME}),\s+((?:then |now |who is |a |an |the )?[^,.;“”\"]{{3,90}}?)(?=[,.;])")


def _people(pool: list[Sent], cites: _Citations) -> list[Person]:
    """Names with the role the source gives them, from appositions: 'Kremlin spokesperson Dmitry Peskov',
    'Colin Kahl, then the under-secretary of defence for policy at the Pentagon,'. One entry per person (a
    misspelt name in one article is the same person), the most mentioned first."""
    found: dict[str, Person] = {}
    relevant = _relevant(pool)
    for s in list({id(x): x for x in [*_focused(pool), *relevant]}.values()):
        for name, role, a, b in _appositions(s.text):
            name = re.sub(r"['’]s$", "", name)
            if _not_a_person(name, found) or _spelt_like(name, found):
                continue
            found[name] = Person(name, role, [cites.add(s.hit, s.start + a, s.start + b)])
    text = " ".join(s.text for s in relevant)
    full = {n.split()[-1] for n in found if n.split()[0].lower() not in _HONORIFICS}
    people = [p for n, p in found.items() if not (n.split()[0].lower() in _HONORIFICS and n.split()[-1] in full)]
    ranked = sorted(people, key=lambda p: -text.count(p.name.split()[-1]))
    return ranked[:PEOPLE_MAX]


def _spelt_like(name: str, found: dict[str, Person]) -> bool:
    """The same person spelt differently ('Khodorkovsky', 'Khordokovsky'): one first name, close surnames."""
    first, last = name.split()[0], name.split()[-1]
    for other in found:
        o_first, o_last = other.split()[0], other.split()[-1]
        same_first = first == o_first or first[:4] == o_first[:4]  # "Bernie" and "Bernard" Ebbers
        if same_first and SequenceMatcher(None, last.lower(), o_last.lower()).ratio() >= SAME_NAME:
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


def _conflicts(parts: Components, pool: list[Sent], cites: _Citations) -> list[Conflict]:
    """Where the sources disagree: two articles giving different values for the same fact (rag/reports/relevance.py's
    value_conflict), and denials beside the account they deny. Statements that agree are never listed."""
    relevant = list({id(s): s for s in [*_relevant(pool), *_focused(pool)]}.values())
    # The other side of a disagreement need only be about the topic at all: it repeats a relevant fact.
    wider = [s for s in pool if s.relevance >= MIN_RELEVANCE]
    out = _value_conflicts(relevant, wider, cites)
    return (out + _denials(parts, relevant, cites))[:CONFLICTS_MAX]


def _value_conflicts(relevant: list[Sent], wider: list[Sent], cites: _Citations) -> list[Conflict]:
    found = []
    for a in relevant:
        for b in wider:
            if a.hit.doc_id == b.hit.doc_id or (b in relevant and id(b) <= id(a)):
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
        out.append(Conflict([_item(a, cites)], _item(b, cites), f"{x} against {y}"))
    return out


def _denials(parts: Components, relevant: list[Sent], cites: _Citations) -> list[Conflict]:
    """Denials (and attributed restrictive statements: 'the only communication was ...') beside the statement
    they deny: the most similar affirmative sentence (an account that itself says 'never' or 'unaware' sides
    with the denial), from another article or another speaker; plus the sentence just before a denial that
    refers back to it ('refuted this'). Each account and each denial is listed once."""
    denials = [s for s in relevant if _is_denial(s.text)]
    out: list[Conflict] = []
    taken: list[Sent] = []
    for d in denials:
        if any(_same(d, x) for x in taken):
            continue
        others = [s for s in relevant if not _is_denial(s.text) and s.text != d.text and _REPORT.search(s.text)
                  and not _NEGATED.search(s.text) and s not in taken]
        accounts: list[Sent] = []
        prev = _previous(parts, d)
        if re.search(r"\b(?:this|that|it|the (?:report|claim|account)s?)\b", d.text) and prev:
            accounts += [s for s in others if s.hit.doc_id == d.hit.doc_id and s.text == prev]
        by_sim = sorted((s for s in others if float(s.vec @ d.vec) >= SAME_MATTER), key=lambda s: -float(s.vec @ d.vec))
        accounts += [s for s in by_sim if s not in accounts][: 2 - len(accounts)]
        if accounts:
            taken += [d, *accounts]
            out.append(Conflict([_item(s, cites) for s in accounts], _item(d, cites), "denied"))
    return out


def _is_denial(text: str) -> bool:
    return bool(_DENIAL.search(text) or (_RESTRICT.search(text) and _ASSERTED.search(text)))


def _short(text: str, words: int = 12) -> str:
    w = text.split()
    return " ".join(w[:words]).rstrip(",.;:") + ("…" if len(w) > words else "")


def _differs(c: Conflict) -> str:
    return "one denies the other" if c.differs == "denied" else c.differs


def _open_questions(b: Briefing, pool: list[Sent], cites: _Citations) -> list[Item]:
    """Derived, never invented: what the sources call unclear, undated events, disputed accounts."""
    unclear: list[Item] = []
    for s in _focused(pool):
        m = _UNCLEAR.search(s.text)
        if m:
            rest = m.group("rest").strip().rstrip(",")
            unclear.append(Item(f"{rest[0].upper()}{rest[1:]}? (the source says this is not known)",
                                [cites.add(s.hit, s.start, s.end)]))
        m = _NO_COMMENT.search(s.text)
        if m:
            unclear.append(Item(f"What does {m.group('who').strip()} say about {m.group('what').strip()}? "
                                "(it did not respond or comment)", [cites.add(s.hit, s.start, s.end)]))
    disputed = [Item(f"Which is right: “{_short(c.accounts[0].text)}” or “{_short(c.denial.text)}”? The sources "
                     f"give both ({_differs(c)}) and settle neither.", c.accounts[0].citations + c.denial.citations)
                for c in b.conflicts[:2]]
    undated = [Item(f"When exactly did this happen: “{t.phrase}”? ({t.reason})", t.citations)
               for t in b.timeline if t.date is None][:2]
    out = unclear[:3] + disputed + undated + unclear[3:]
    return out[:QUESTIONS_MAX]


# -- verification ------------------------------------------------------------------------------------------
def _verify(parts: Components, b: Briefing, citations: list[Citation]) -> list[Citation]:
    """Every statement is checked against its citations like a generated answer; open questions (our own
    wording) must at least name nothing and give no number their citations lack."""
    by_n = {c.n: Evidence(c.n, c.quote, c.start, c.title, c.date) for c in citations}
    claims: list[tuple[object, str, list[int]]] = []
    for x in b.summary + b.facts:
        claims.append((x, x.text, x.citations))
    for c in b.conflicts:
        claims += [(a, a.text, a.citations) for a in [*c.accounts, c.denial]]
    claims += [(t, t.text, t.citations) for t in b.timeline]
    claims += [(p, f"{p.name}, {p.role}", p.citations) for p in b.people]
    verdicts = parts.verifier().check_many(
        [(text, [by_n[n] for n in ns], []) for _, text, ns in claims])
    bad = {id(obj) for (obj, _, _), v in zip(claims, verdicts, strict=True) if not v.supported}
    b.summary = [x for x in b.summary if id(x) not in bad]
    b.facts = [x for x in b.facts if id(x) not in bad]
    b.timeline = [x for x in b.timeline if id(x) not in bad]
    b.people = [x for x in b.people if id(x) not in bad]
    b.conflicts = [c for c in b.conflicts if id(c.denial) not in bad and all(id(a) not in bad for a in c.accounts)]
    b.open_questions = [q for q in b.open_questions
                        if not missing_facts(_without_notes(q.text), [by_n[n] for n in q.citations])]
    return _renumber(b, citations)


def _without_notes(text: str) -> str:
    """An open question without our parenthesised notes; parentheses inside its quotations are the source's."""
    parts = re.split(r"(“[^”]*”)", text)
    return "".join(p if p.startswith("“") else re.sub(r"\(.*?\)", "", p) for p in parts)


def _renumber(b: Briefing, citations: list[Citation]) -> list[Citation]:
    """Citations of the items that survived verification, numbered 1.. in order of first use."""
    order: dict[int, int] = {}
    items = [*b.summary, *b.facts, *b.timeline, *b.people,
             *(x for c in b.conflicts for x in [*c.accounts, c.denial]), *b.open_questions]
    for x in items:
        for n in x.citations:
            order.setdefault(n, len(order) + 1)
    fix = lambda x: replace(x, citations=[order[n] for n in x.citations])  # noqa: E731
    b.summary, b.facts, b.timeline = [fix(x) for x in b.summary], [fix(x) for x in b.facts], [
        fix(x) for x in b.timeline]
    b.people, b.open_questions = [fix(x) for x in b.people], [fix(x) for x in b.open_questions]
    b.conflicts = [Conflict([fix(a) for a in c.accounts], fix(c.denial), c.differs) for c in b.conflicts]
    by_old = {c.n: c for c in citations}
    return [replace(by_old[old], n=new) for old, new in sorted(order.items(), key=lambda x: x[1])]
