"""A briefing's evidence: the passages of the topic and its sub-queries, every statement in them scored by its
relevance to the topic (rag/reports/relevance.py), and the helpers every section uses to pick from that pool."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from rag.answer.components import Components
from rag.answer.extractive import is_statement
from rag.answer.injection import clear_of, instruction_spans
from rag.answer.retrieve import Filters, Hit
from rag.reports.brief.tuning import TUNING
from rag.reports.relevance import Topic, relevance
from rag.reports.report_types import Item
from rag.text import STOPWORDS, normalize, sentence_spans, terms

SUBQUERIES = ("{t}", "{t} when", "{t} said", "{t} denied", "{t} figures")


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


class Citations:
    """Citations numbered in order of first use, one per distinct span."""

    def __init__(self, parts: Components) -> None:
        self.parts, self.items, self._n = parts, [], {}

    def add(self, hit: Hit, start: int, end: int) -> int:
        key = (hit.doc_id, start, end)
        if key not in self._n:
            self._n[key] = len(self.items) + 1
            self.items.append(self.parts.cite(self._n[key], hit, start, end))
        return self._n[key]

    def item(self, s: Sent) -> Item:
        """``s`` as a briefing item citing its own span."""
        return Item(s.text, [self.add(s.hit, s.start, s.end)])


def retrieve(parts: Components, topic: str, k: int | None, filters: Filters | None) -> list[Hit]:
    """The passages of the topic and its sub-queries, each once, best first."""
    retriever, seen, out = parts.retriever, set(), []
    for q in SUBQUERIES:
        for h in retriever.search(q.format(t=topic), k or max(parts.settings.k, 10), filters):
            if h.pid not in seen:
                seen.add(h.pid)
                out.append(h)
    return out


def sentences(parts: Components, topic: str, hits: list[Hit]) -> list[Sent]:
    """Every statement of the retrieved passages, and of the rest of the articles most about the topic (an
    event's date or a denial is often in a sentence that does not name the topic), scored, best first."""
    hits = _without_commentary(parts, hits)
    pool = _score(parts, topic, _statements(hits, set()))
    best: dict[str, float] = {}
    for s in pool:
        best[s.hit.doc_id] = max(best.get(s.hit.doc_id, 0.0), s.relevance)
    top = max(best.values(), default=0.0)
    bar = max(TUNING.min_relevance, TUNING.focus * top)
    focus = sorted((d for d, r in best.items() if r >= bar), key=lambda d: -best[d])[:TUNING.focus_docs]
    seen = {normalize(s.text) for s in pool}
    more = _statements(_without_commentary(parts, _rest_of(parts, hits, focus)), seen)
    articles: dict[str, float] = {}
    for s in pool:
        articles[s.hit.doc_id] = max(articles.get(s.hit.doc_id, 0.0), s.sim)
    pool += _score(parts, topic, more, articles)
    focused = set(focus)
    out = [replace(s, focus=s.hit.doc_id in focused) for s in pool]
    return sorted(out, key=lambda x: -x.relevance)


def statements_of(parts: Components, topic: str, hits: list[Hit], pool: list[Sent],
                  keep: Callable[[str], bool]) -> list[Sent]:
    """The statements of ``hits`` that ``pool`` lacks and ``keep`` accepts, scored as the pool's are."""
    spans = [x for x in _statements(hits, {normalize(s.text) for s in pool}) if keep(x[3])]
    return _score(parts, topic, spans)


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


def _without_commentary(parts: Components, hits: list[Hit]) -> list[Hit]:
    """The passages cut where their article's readers' comments begin (opinions are not reports)."""
    cut: dict[str, int | None] = {}
    out = []
    for h in hits:
        if h.doc_id not in cut:
            cut[h.doc_id] = commentary_from(parts.catalog.text(h.doc_id))
        c = cut[h.doc_id]
        if c is None or h.end <= c:
            out.append(h)
        elif h.start < c:
            out.append(replace(h, end=c, text=h.text[:c - h.start]))
    return out


def commentary_from(text: str) -> int | None:
    """Where an article's appended comments begin (readers' views after a news story): the first of a run of
    paragraphs most of which give an opinion in the first person, exclaim, or ask; None when there is none."""
    paras = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]
    opinion = [_opinion(p) for _, p in paras]
    for i in range(TUNING.commentary_after, len(paras)):  # appended after a story of a few paragraphs
        rest = opinion[i:]
        if opinion[i] and sum(rest) >= TUNING.commentary_min and sum(rest) >= TUNING.commentary_share * len(rest):
            return paras[i][0]
    return None


_ATTRIBUTION = re.compile(r"\b(?:said|says|told|added|according to|asked|quoted|reported|spokes\w+)\b", re.I)


def _opinion(paragraph: str) -> bool:
    """A reader's view: first person, an exclamation or a question, outside quotations, attributed to no one."""
    t = normalize(paragraph)
    if _ATTRIBUTION.search(t) or re.search(r"[\"“”]", t):
        return False
    return bool(_FIRST_PERSON.search(t) or "!" in t or re.search(r"\?\s|\?$", t))


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
        lead = a < TUNING.lead_chars + h.start and h.start == 0
        out.append(Sent(h, a, b, s, score, vec, float(sim), lead=lead))
    return out


def passages(sents: list[Sent]) -> list[Hit]:
    """The passages of these sentences, each once, in the sentences' order."""
    return list({s.hit.pid: s.hit for s in sents}.values())


def relevant(pool: list[Sent], floor: float = TUNING.min_relevance) -> list[Sent]:
    """Sentences close enough to the topic: above the floor and within reach of the best one."""
    if not pool:
        return []
    bar = max(floor, pool[0].relevance * TUNING.near_best)
    return [s for s in pool if s.relevance >= bar]


def focused(pool: list[Sent]) -> list[Sent]:
    """Every sentence of the articles most about the topic, most relevant first."""
    return [s for s in pool if s.focus]


def each_once(sents: list[Sent]) -> list[Sent]:
    """``sents`` without repeats of one object, in order (Sent holds an array: compared by identity)."""
    return list({id(s): s for s in sents}.values())


def diverse(cands: list[Sent], n: int, taken: list[Sent] | None = None,
            also: Callable[[Sent, Sent], bool] | None = None) -> list[Sent]:
    """The best ``n`` that repeat neither each other nor ``taken`` (near-duplicates, or what ``also`` calls
    the same)."""
    out: list[Sent] = []
    for s in cands:
        if len(out) >= n:
            break
        if not any(same(s, x) or (also and also(s, x)) for x in [*(taken or []), *out]):
            out.append(s)
    return out


def same(a: Sent, b: Sent) -> bool:
    """Near-duplicates: close embeddings, or most content words shared (one article rewords another)."""
    if float(a.vec @ b.vec) >= TUNING.duplicate:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    return len(ta & tb) >= TUNING.shared_terms * min(len(ta), len(tb))


# A sentence that opens like this leans on the one before it ("But he denied it."): shown alone, it misleads.
DEPENDENT = re.compile(r"^[\"“'‘(]*(?:but|and|or|so|yet|he|she|it|they|this|that|these|those|his|her|its|their|"
                       r"him|them|however|also|meanwhile|instead|still|then|nevertheless|such)\b", re.I)


# Openers whose referent is in an earlier sentence: "Indeed, ...", "Of that, ...", "The paper said ...", "The German
# lender is ..." (a generic noun, not named, as the subject).
_NEEDS_REFERENT = re.compile(
    r"^[\"“'‘(]*(?:indeed|in (?:the end|addition|turn)|as a result|by contrast|in contrast|"
    r"of (?:that|this|those|these|it|them)|"
    r"(?:the|this|that) (?:[a-z]+ |[A-Z][a-z]+ ){0,2}(?:paper|newspaper|report|company|firm|lender|bank|group|source|"
    r"study|survey|document|answer|move|deal|plan|statement|agency|unit|club|party|analyst|spokesman|spokeswoman|"
    r"official|change|pay-off|payoff|sale|merger|takeover|bid|offer|proposal|decision|news|case|trial|row|"
    r"dispute|scheme|figure)s?\b(?! (?:of|in|at|for|from|to) ))", re.I)
# A quotation whose speaker is a pronoun ('..., he said.'), or a quotation standing alone with no speaker.
_PRONOUN_SPEAKER = re.compile(r"[,\"”] (?:he|she|they|it) (?:said|added|says|told|warned|argued)\b", re.I)
_CALENDAR = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def _unnamed_person(text: str) -> bool:
    """A person (or an organisation: "its") referred to before anyone is named: "Should he win the election, he
    has earmarked £4bn", "In February 2004 he said ...", "All the money would come from its savings"."""
    for i, w in enumerate(re.findall(r"[\w’'-]+", text)):
        if w.lower() in ("he", "she", "him", "his", "her", "its"):
            return True
        if w[:1].isupper() and w.lower() not in _CALENDAR and (i or w.lower() not in STOPWORDS):
            return False  # a name: "Apple has expanded its range"
    return False


# The writer's (or a reader's) own opinion, not a report: first person outside any quotation.
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|[Mm]y|[Mm]e|[Ll]et's|[Ww]e|[Oo]ur|us)\b")


def _outside_quotes(text: str) -> str:
    return re.sub(r"[\"“][^\"”]*[\"”]", " ", normalize(text))


def stands_alone(text: str) -> bool:
    """Readable without the sentence before it, and a report rather than an opinion: no leaning opener or one
    whose referent is elsewhere, not a question (quoted or not), no quotation left open or without its speaker,
    no first person outside quotations."""
    t = normalize(text).strip()
    bare = t.rstrip("\"”’' ")
    whole_quote = t[:1] in "\"“" and t.rstrip()[-1:] in "\"”" and t.count('"') + t.count("“") <= 2
    return not (DEPENDENT.match(t) or _NEEDS_REFERENT.match(t) or bare.endswith("?") or t.count('"') % 2
                or whole_quote or _PRONOUN_SPEAKER.search(t) or _FIRST_PERSON.search(_outside_quotes(t))
                or _unnamed_person(_outside_quotes(t)))


def previous(parts: Components, s: Sent) -> str:
    """The sentence before ``s`` in its article (same paragraph), or ''."""
    text = parts.catalog.text(s.hit.doc_id)
    para = text.rfind("\n", 0, s.start) + 1
    before = sentence_spans(text, para, s.start)
    return text[before[-1][0]:before[-1][1]] if before else ""
