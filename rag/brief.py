"""Briefings: a structured, cited document on a topic, assembled from retrieved sentences (extractive).

The topic and a few sub-queries derived from it ("... when", "... said", "... denied", "... figures") are
retrieved with the ordinary retriever; every sentence of the retrieved passages is scored by its closeness to
the topic; the sections pick from them: summary (diverse, most relevant), facts (with quantities), timeline
(date phrases resolved by rag/dates.py), who's who (name-role appositions), conflicting accounts (denials
beside the most similar statement they deny), open questions (undated events, what the sources say is
unclear, unresolved conflicts). Every item is verified against its citation with rag/verify.py's Verifier.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from rag.answer import is_statement
from rag.brief_llm import llm_summary
from rag.brief_types import Briefing, Conflict, Item, Person, TimelineItem
from rag.dates import MONTHS, find_dates, same_time
from rag.results import Citation
from rag.retrieve import Filters, Hit
from rag.text import STOPWORDS, normalize, sentence_spans, terms
from rag.verify import Evidence, missing_facts, numbers

if TYPE_CHECKING:
    from rag.engine import Engine

SUBQUERIES = ("{t}", "{t} when", "{t} said", "{t} denied", "{t} figures")
MIN_RELEVANCE = 0.30  # summary and facts leave out sentences less relevant to the topic than this
SUMMARY_MAX, FACTS_MAX, TIMELINE_MAX, PEOPLE_MAX, CONFLICTS_MAX, QUESTIONS_MAX = 5, 6, 15, 10, 4, 8
UNDATED_MAX = 4
SAME_MATTER = 0.5  # a denial and the account it denies are at least this similar
DUPLICATE = 0.9  # sentences closer than this say the same thing: keep one
FOCUS, FOCUS_DOCS = 0.8, 5  # articles whose best sentence is this close to the best article's are read whole

# Cue words of a denial. Nouns ("a tax dispute") and business verbs ("shareholders rejected the offer") are not
# denials, so "dispute", "reject" and "dismiss" count only with what they deny.
_WHAT = r"(?:the |these |those |this |that |such )?(?:claims?|reports?|allegations?|accounts?|accusations?|" \
        r"suggestions?|charges?|story|stories)\b"
_DENIAL = re.compile(
    rf"\b(?:den(?:y|ies|ied|ying)(?! (?:bail|access|entry|visas?|permission|the request))|refut(?:e|es|ed|ing)|"
    rf"contradict(?:s|ed|ing)?|insist(?:s|ed|ing)?|(?:disput|reject|dismiss)(?:e|es|ed|ing|s)? {_WHAT}|"
    rf"not true|no such|untrue|(?:is|was|are|were) [\"“']?false|falsely|never (?:happened|said|spoke|met)|"
    rf"baseless|groundless)\b", re.I)
# Restrictive statements contradict an account only when asserted in reply: "X confirmed that the only call
# was ..." (not any "the only bidder is ..., he said").
_RESTRICT = re.compile(r"\b(?:the only|(?:his|her|its|their) only|solely|nothing but|no other)\b", re.I)
_ASSERTED = re.compile(r"\b(?:confirmed|confirms|insisted|insists|maintained|maintains|stated|asserted|claimed|"
                       r"claiming)\b", re.I)
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
    focus: bool = False  # from one of the articles most about the topic


class _Citations:
    """Citations numbered in order of first use, one per distinct span."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.items, self._n = engine, [], {}

    def add(self, hit: Hit, start: int, end: int) -> int:
        key = (hit.doc_id, start, end)
        if key not in self._n:
            self._n[key] = len(self.items) + 1
            self.items.append(self.engine.cite(self._n[key], hit, start, end))
        return self._n[key]


def build_briefing(engine: Engine, topic: str, k: int | None = None, filters: Filters | None = None,
                   mode: str = "auto") -> Briefing:
    """``mode``: extractive, llm (the summary written by the model, every sentence verified), or auto (llm when
    a model is configured). Every other section is extractive either way."""
    from rag.engine import check_question

    topic = check_question(topic)
    t0 = time.perf_counter()
    hits = _retrieve(engine, topic, k, filters)
    t1 = time.perf_counter()
    pool = _sentences(engine, topic, hits)
    cites = _Citations(engine)
    b = Briefing(topic, _date_range(hits, pool))
    used: set[tuple[str, int]] = set()
    b.summary = _summary(pool, cites, used)
    written, b.llm = llm_summary(engine, topic, _passages(_relevant(pool)), mode, cites.add)
    if written:
        b.summary, b.mode = written, "llm"
    b.facts = _facts(pool, cites, used)
    b.timeline = _timeline(engine, pool, cites)
    b.people = _people(pool, cites)
    b.conflicts = _conflicts(engine, pool, cites)
    b.open_questions = _open_questions(b, pool, cites)
    b.citations = _verify(engine, b, cites.items)
    from rag.brief_render import briefing_markdown

    b.markdown = briefing_markdown(b)
    t2 = time.perf_counter()
    b.timings_ms = {"retrieve": (t1 - t0) * 1000, "assemble": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
    return b


# -- evidence ----------------------------------------------------------------------------------------------
def _retrieve(engine: Engine, topic: str, k: int | None, filters: Filters | None) -> list[Hit]:
    """The passages of the topic and its sub-queries, each once, best first."""
    retriever, seen, out = engine.retriever(), set(), []
    for q in SUBQUERIES:
        for h in retriever.search(q.format(t=topic), k or max(engine.settings.k, 10), filters):
            if h.pid not in seen:
                seen.add(h.pid)
                out.append(h)
    return out


def _sentences(engine: Engine, topic: str, hits: list[Hit]) -> list[Sent]:
    """Every statement of the retrieved passages, and of the rest of the articles most about the topic (an
    event's date or a denial is often in a sentence that does not name the topic), scored, best first."""
    pool = _score(engine, topic, _statements(hits, set()))
    best: dict[str, float] = {}
    for s in pool:
        best[s.hit.doc_id] = max(best.get(s.hit.doc_id, 0.0), s.relevance)
    top = max(best.values(), default=0.0)
    focus = sorted((d for d, r in best.items() if r >= max(MIN_RELEVANCE, FOCUS * top)), key=lambda d: -best[d])
    seen = {normalize(s.text) for s in pool}
    more = _statements(_rest_of(engine, hits, focus[:FOCUS_DOCS]), seen)
    pool += _score(engine, topic, more)
    focused = set(focus[:FOCUS_DOCS])
    out = [replace(s, focus=s.hit.doc_id in focused) for s in pool]
    return sorted(out, key=lambda x: -x.relevance)


def _statements(hits: list[Hit], seen: set[str]) -> list[tuple[Hit, int, int, str]]:
    out = []
    for h in hits:
        for a, b in sentence_spans(h.text):
            s = h.text[a:b]
            if is_statement(s) and normalize(s) not in seen:
                seen.add(normalize(s))
                out.append((h, h.start + a, h.start + b, s))
    return out


def _rest_of(engine: Engine, hits: list[Hit], doc_ids: list[str]) -> list[Hit]:
    """The passages of these articles that retrieval did not return, as hits of their article."""
    catalog, have = engine.index().catalog, {h.pid for h in hits}
    first = {h.doc_id: h for h in reversed(hits)}
    out = []
    for d in doc_ids:
        rest = [p for p in catalog.passages(catalog.pids_of(d)).values() if p.pid not in have]
        out += [replace(first[d], pid=p.pid, start=p.start, end=p.end, text=p.text, score=0.0, dense=None,
                        bm25=None) for p in sorted(rest, key=lambda p: p.start)]
    return out


def _score(engine: Engine, topic: str, spans: list[tuple[Hit, int, int, str]]) -> list[Sent]:
    if not spans:
        return []
    lex = engine.index().lexical()
    vecs = engine.embedder.embed([s for _, _, _, s in spans])
    sims = vecs @ engine.embedder.embed_query(topic)
    weights = {t: lex.idf(t) for t in set(terms(topic))}
    total = sum(weights.values()) or 1.0
    out = []
    for (h, a, b, s), sim, vec in zip(spans, sims, vecs, strict=True):
        cover = sum(w for t, w in weights.items() if t in set(terms(f"{h.title or ''} {s}"))) / total
        out.append(Sent(h, a, b, s, 0.6 * float(sim) + 0.4 * cover, vec))
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


def _diverse(cands: list[Sent], n: int) -> list[Sent]:
    """The best ``n`` that do not repeat each other."""
    out: list[Sent] = []
    for s in cands:
        if len(out) >= n:
            break
        if all(float(s.vec @ x.vec) < DUPLICATE for x in out):
            out.append(s)
    return out


# -- sections ----------------------------------------------------------------------------------------------
def _summary(pool: list[Sent], cites: _Citations, used: set) -> list[Item]:
    picked = _diverse(_relevant(pool), SUMMARY_MAX)
    used.update((s.hit.doc_id, s.start) for s in picked)
    return [_item(s, cites) for s in picked]


def _facts(pool: list[Sent], cites: _Citations, used: set) -> list[Item]:
    """Sentences that give a quantity (not only a year), most relevant first, not already in the summary."""
    def quantity(s: str) -> bool:
        return any(not (v.is_integer() and 1900 <= v <= 2100) and v != 1.0 for _, v in numbers(s))
    cands = [s for s in _relevant(pool) if quantity(s.text) and (s.hit.doc_id, s.start) not in used]
    return [_item(s, cites) for s in _diverse(cands, FACTS_MAX)]


def _timeline(engine: Engine, pool: list[Sent], cites: _Citations) -> list[TimelineItem]:
    """Each relevant sentence with a date phrase (or dated by the sentence before it), sorted by date;
    those whose date cannot be resolved come last, with the reason."""
    items = []
    for s in _focused(pool):
        refs = find_dates(s.text, s.hit.date)
        phrase = None
        if not refs and (phrase := same_time(s.text)):
            refs = find_dates(_previous(engine, s), s.hit.date)[:1]
        if not refs:
            continue
        r = next((x for x in refs if x.iso), refs[0])  # an absolute date over "a year earlier"
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


def _previous(engine: Engine, s: Sent) -> str:
    """The sentence before ``s`` in its article (same paragraph), or ''."""
    text = engine.index().catalog.text(s.hit.doc_id)
    para = text.rfind("\n", 0, s.start) + 1
    before = sentence_spans(text, para, s.start)
    return text[before[-1][0]:before[-1][1]] if before else ""


_CAP = r"[A-Z][a-zA-Z\-]+"
_NAME = rf"(?:{_CAP}(?: (?:de|van|von|bin|al|la|le) )?(?: {_CAP}){{1,2}})"
_ROLE_NOUN = (r"(?i:spokes(?:person|man|woman)|president|minister|secretary|chairman|chairwoman|chair|chief|"
              r"executive|director|officer|official|analyst|economist|scientist|founder|head|leader|governor|"
              r"senator|ambassador|general|commissioner|chancellor|manager|editor|correspondent|adviser|advisor|"
              r"professor|investor|boss|owner|partner|lawyer|diplomat|expert|strategist|billionaire)")
_ROLE_BEFORE = re.compile(rf"((?:[\w’'&.-]+\s+){{0,3}}{_ROLE_NOUN})\s+({_NAME})\b")
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_ATTRIBUTION_VERBS = {"said", "says", "told", "tells", "added", "according", "warned", "stated", "claimed",
                      "reported", "asked", "wrote"}
_NOT_ROLE = re.compile(r"(?i:according|who|which|that|and|but|said|says|told|as|in|on|at|for|with|from)\b")
_ROLE_AFTER = re.compile(rf"\b({_NAME}),\s+((?:then |now |who is |a |an |the )?[^,.;“”\"]{{3,90}}?)(?=[,.;])")


def _people(pool: list[Sent], cites: _Citations) -> list[Person]:
    """Names with the role the source gives them, from appositions: 'Kremlin spokesperson Dmitry Peskov',
    'Colin Kahl, then the under-secretary of defence for policy at the Pentagon,'."""
    found: dict[str, Person] = {}
    for s in _focused(pool):
        for name, role, a, b in _appositions(s.text):
            name = re.sub(r"['’]s$", "", name)
            if _not_a_person(name, found) or len(found) >= PEOPLE_MAX:
                continue
            found[name] = Person(name, role, [cites.add(s.hit, s.start + a, s.start + b)])
    return list(found.values())


def _not_a_person(name: str, found: dict[str, Person]) -> bool:
    """Not a new name: a date ('On Monday'), a sentence opener, or 'Mr X' for an X already listed."""
    words = name.split()
    low = [w.lower() for w in words]
    if low[0] in STOPWORDS or any(w in MONTHS or w.rstrip("s") in _WEEKDAYS for w in low):
        return True
    surnames = {n.split()[-1] for n in found}
    return name in found or (low[0] in ("mr", "mrs", "ms", "dr") and words[-1] in surnames)


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
        if (low in STOPWORDS or low in _ATTRIBUTION_VERBS or low.endswith(("ed", "ly", "ing"))
                or not w[-1].isalnum()):
            break
        i -= 1
    cut = words[i].start()
    return role[cut:], start + cut


def _conflicts(engine: Engine, pool: list[Sent], cites: _Citations) -> list[Conflict]:
    """Denials (and attributed restrictive statements: 'the only communication was ...') beside the statement
    they deny: the most similar sentence, from another article or another speaker, that asserts rather than
    denies; plus the sentence just before a denial that refers back to it ('refuted this')."""
    relevant = _focused(pool)
    denials = [s for s in relevant if _is_denial(s.text)]
    out = []
    for d in denials[:CONFLICTS_MAX]:
        others = [s for s in relevant if not _is_denial(s.text) and s.text != d.text and _REPORT.search(s.text)]
        accounts: list[Sent] = []
        prev = _previous(engine, d)
        if re.search(r"\b(?:this|that|it|the (?:report|claim|account)s?)\b", d.text) and prev:
            accounts += [s for s in others if s.hit.doc_id == d.hit.doc_id and s.text == prev]
        by_sim = sorted((s for s in others if float(s.vec @ d.vec) >= SAME_MATTER), key=lambda s: -float(s.vec @ d.vec))
        accounts += [s for s in by_sim if s not in accounts][: 2 - len(accounts)]
        if accounts:
            out.append(Conflict([_item(s, cites) for s in accounts], _item(d, cites)))
    return out


def _is_denial(text: str) -> bool:
    return bool(_DENIAL.search(text) or (_RESTRICT.search(text) and _ASSERTED.search(text)))


def _short(text: str, words: int = 12) -> str:
    w = text.split()
    return " ".join(w[:words]).rstrip(",.;:") + ("…" if len(w) > words else "")


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
                     "give both and settle neither.", c.accounts[0].citations + c.denial.citations)
                for c in b.conflicts[:2]]
    undated = [Item(f"When exactly did this happen: “{t.phrase}”? ({t.reason})", t.citations)
               for t in b.timeline if t.date is None][:2]
    out = unclear[:3] + disputed + undated + unclear[3:]
    return out[:QUESTIONS_MAX]


# -- verification ------------------------------------------------------------------------------------------
def _verify(engine: Engine, b: Briefing, citations: list[Citation]) -> list[Citation]:
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
    verdicts = engine.verifier().check_many(
        [(text, [by_n[n] for n in ns], []) for _, text, ns in claims])
    bad = {id(obj) for (obj, _, _), v in zip(claims, verdicts, strict=True) if not v.supported}
    b.summary = [x for x in b.summary if id(x) not in bad]
    b.facts = [x for x in b.facts if id(x) not in bad]
    b.timeline = [x for x in b.timeline if id(x) not in bad]
    b.people = [x for x in b.people if id(x) not in bad]
    b.conflicts = [c for c in b.conflicts if id(c.denial) not in bad and all(id(a) not in bad for a in c.accounts)]
    b.open_questions = [q for q in b.open_questions
                        if not missing_facts(re.sub(r"\(.*?\)", "", q.text), [by_n[n] for n in q.citations])]
    return _renumber(b, citations)


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
    b.conflicts = [Conflict([fix(a) for a in c.accounts], fix(c.denial)) for c in b.conflicts]
    by_old = {c.n: c for c in citations}
    return [replace(by_old[old], n=new) for old, new in sorted(order.items(), key=lambda x: x[1])]
