"""The briefing's timeline: each event of the topic with a date phrase (rag/reports/dates.py), in date order."""

from __future__ import annotations

import re
from dataclasses import replace

from rag.answer.components import Components
from rag.reports.brief.evidence import DEPENDENT, Citations, Sent, previous, relevant
from rag.reports.brief.tuning import TUNING
from rag.reports.dates import MONTHS, DateRef, find_dates, same_time
from rag.reports.report_types import TimelineItem
from rag.text import STOPWORDS, terms

# A statement is filed under when it was made: its reporting verb, and a date phrase beside it ("said on Tuesday",
# "in 2005 he warned"); a date it only looks ahead to ("would cut £50bn by 2011", "are expected to fall in
# 2005") is not an event.
_REPORTING = re.compile(r"\b(?:said|says|saying|told|tells|warned|announced|admitted|claimed|insisted|revealed|"
                        r"added|argued|predicted|forecast|confirmed|stated|reported|quoted)\b", re.I)
_AHEAD = re.compile(r"\b(?:will|would|could|might|may|shall|expected to|expects? to|forecasts?|plans? to|"
                    r"aims? to|hopes? to|set to|due to|is to|are to|going to)\b", re.I)


def timeline(parts: Components, pool: list[Sent], cites: Citations) -> list[TimelineItem]:
    """Each event of the topic with a date phrase (or dated by the sentence before it), sorted by date;
    those whose date cannot be resolved come last, with the reason. An event must itself be about the topic
    (not only its article), and one dated years before the topic's own time (a profile's "elected in 1983")
    needs to be among the most relevant."""
    found = _dated(parts, _events(pool))
    items = []
    era = _era([r for _, r, _ in found[:TUNING.timeline_max]])
    top = pool[0].relevance if pool else 0.0
    for s, r, phrase in found:
        if (era and r.iso and int(r.iso[:4]) < era - TUNING.background_years
                and s.relevance < TUNING.background * top):
            continue  # background: a person's career, an old law
        shown = phrase or r.phrase.strip()
        reason = r.note if not phrase else "; ".join(
            x for x in (f"dated by the sentence before it (“{r.phrase.strip()}”)", r.note) if x)
        items.append((r.sort_key(), TimelineItem(r.iso, r.qualifier, shown, reason, s.text,
                                                 [cites.add(s.hit, s.start, s.end)], until=r.until), s, r))
    items = [x[:2] for x in _each_event_once(items)]
    # The most relevant, in date order; events whose date is unknown only up to a few (a corpus without
    # publication dates would fill the timeline with them).
    undated = [x for x in items if x[1].date is None][:TUNING.undated_max]
    items = sorted([x for x in items if x[1].date is not None][:TUNING.timeline_max - len(undated)] + undated,
                   key=lambda x: x[0])
    return [t for _, t in items]


def _dated(parts: Components, events: list[Sent]) -> list[tuple[Sent, DateRef, str | None]]:
    """Each event with its date: its own (an absolute date over "a year earlier"), or, for "at the same time",
    the sentence before it's (then the phrase that refers back)."""
    found = []
    for s in events:
        refs = find_dates(s.text, s.hit.date)
        phrase = None
        if not refs and (phrase := same_time(s.text)):
            refs = find_dates(previous(parts, s), s.hit.date)[:1]
        if refs and (ref := refs[0] if phrase else _when(s.text, refs)):
            found.append((s, ref, phrase))
    return found


def _when(text: str, refs: list[DateRef]) -> DateRef | None:
    """The date a sentence is filed under: for a statement, the date beside its reporting verb, else one that is
    not only looked ahead to (None when every date is); for any other sentence, its first resolved date."""
    verbs = list(_REPORTING.finditer(text))
    if verbs:  # a date inside the quotation is the quote's own time ("... today," said X), not the statement's
        quoted = [m.span() for m in re.finditer(r"[\"“][^\"”]*[\"”]", text)]
        refs = [r for r in refs if not any(a < r.start < b for a, b in quoted)]
    for v in verbs:
        beside = [r for r in refs if 0 <= r.start - v.end() <= 4 or 0 <= v.start() - r.end <= 4]
        if beside:
            return beside[0]
    if verbs or _AHEAD.search(text):
        refs = [r for r in refs if not _AHEAD.search(text[max(0, r.start - 100):r.start])]
    if not refs:
        return None
    return next((x for x in refs if x.iso), refs[0])


def _each_event_once(items: list) -> list:  # noqa: ANN001 (sort key, item, sentence, date), most relevant first
    """One entry per event: entries whose dates agree (one the other's year or month, or the same unresolved
    phrase) and that say the same thing (close embeddings) or name the same action beside the date ("collapse in
    2002", "collapsed in 2002") are one event; the best-dated mention is kept with every mention's sources."""
    kept: list[list] = []
    for key, item, s, r in items:
        for k in kept:
            if compatible(r, k[3]) and any(same_event(s, r, o, q) for o, q in k[4]):
                k[4].append((s, r))
                cites = k[1].citations + [n for n in item.citations if n not in k[1].citations]
                if _precision(r, item) > _precision(k[3], k[1]):  # better dated: this mention speaks for it
                    k[:4] = [key, item, s, r]
                k[1] = _with_citations(k[1], cites)
                break
        else:
            kept.append([key, item, s, r, [(s, r)]])
    return [tuple(k[:4]) for k in kept]


def _precision(r: DateRef, item: TimelineItem) -> tuple[int, bool]:
    """How well a mention dates its event: the finer date, then a date in its own words (not the sentence
    before's)."""
    return len(r.iso or ""), item.phrase == r.phrase.strip()


def _with_citations(item: TimelineItem, cites: list[int]) -> TimelineItem:
    return replace(item, citations=cites)


def compatible(a: DateRef, b: DateRef) -> bool:
    if a.iso is None or b.iso is None:  # unresolved: the same phrase, or the same month ("in December last year")
        pa, pb = a.phrase.strip().lower(), b.phrase.strip().lower()
        wa, wb = set(pa.split()) - _PREPOSITIONS, set(pb.split()) - _PREPOSITIONS  # "last year" in "December last year"
        return a.iso is None and b.iso is None and (wa <= wb or wb <= wa or bool(_month_names(pa) & _month_names(pb)))
    return (a.iso.startswith(b.iso) or b.iso.startswith(a.iso)) and a.until == b.until


_PREPOSITIONS = {"in", "on", "at", "by", "since", "until", "from", "during", "of", "the"}


def _month_names(phrase: str) -> set[str]:
    return {m for m in MONTHS if m in phrase}


def same_event(s: Sent, r: DateRef, o: Sent, q: DateRef) -> bool:
    return float(s.vec @ o.vec) >= TUNING.same_event or bool(_action(s.text, r) & _action(o.text, q))


def _action(text: str, r: DateRef) -> set[str]:
    """The stems of the content words just before a date phrase: what happened then ("collapse in 2002")."""
    words = [w for w in terms(text[max(0, r.start - 40):r.start]) if w not in STOPWORDS and len(w) > 3]
    return {w[:6] for w in words[-TUNING.action_words:]} - _GENERIC


_GENERIC = {"compan", "firm", "busine", "group", "year", "month", "week", "recent", "earlie", "later", "first",
            "since", "before", "after", "during", "until"}


def _events(pool: list[Sent]) -> list[Sent]:
    """Candidate events, most relevant first: sentences about the topic, and the less relevant sentences of the
    articles most about it (an event's date is often in a sentence that does not name the topic) that read
    on their own ("He was elected in 1983" is someone's biography, not an event of the topic)."""
    about = {id(s) for s in relevant(pool)}
    bar = TUNING.event_share * (pool[0].relevance if pool else 0.0)  # the firm's other news is not the topic's
    return [s for s in pool if (id(s) in about or (s.focus and s.relevance >= TUNING.event_floor))
            and s.relevance >= bar and not DEPENDENT.match(_LEADING_DATE.sub("", s.text))]


# A date opening a sentence, before its subject: "In February 2004 he said ..." leans on the sentence before.
_LEADING_DATE = re.compile(r"^(?:(?:in|on|by|during|since|until|last|this|next|early|late|mid|around) )?"
                           r"(?:[\w-]+ ){0,2}(?:\d{4}|January|February|March|April|May|June|July|August|"
                           r"September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|"
                           r"Saturday|Sunday|week|month|year)\b,? ", re.I)


def _era(refs: list[DateRef]) -> int | None:
    """The topic's own year: the median year of its most relevant dated events."""
    years = sorted(int(r.iso[:4]) for r in refs if r.iso)
    return years[len(years) // 2] if years else None
