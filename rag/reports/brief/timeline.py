"""The briefing's timeline: each event of the topic with a date phrase (rag/reports/dates.py), in date order."""

from __future__ import annotations

from rag.answer.components import Components
from rag.reports.brief.evidence import DEPENDENT, Citations, Sent, previous, relevant
from rag.reports.brief.tuning import TUNING
from rag.reports.dates import DateRef, find_dates, same_time
from rag.reports.report_types import TimelineItem


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
                                                 [cites.add(s.hit, s.start, s.end)])))
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
        if refs:
            found.append((s, next((x for x in refs if x.iso), refs[0]), phrase))
    return found


def _events(pool: list[Sent]) -> list[Sent]:
    """Candidate events, most relevant first: sentences about the topic, and the less relevant sentences of the
    articles most about it (an event's date is often in a sentence that does not name the topic) that read
    on their own ("He was elected in 1983" is someone's biography, not an event of the topic)."""
    about = {id(s) for s in relevant(pool)}
    return [s for s in pool if (id(s) in about or (s.focus and s.relevance >= TUNING.event_floor))
            and not DEPENDENT.match(s.text)]


def _era(refs: list[DateRef]) -> int | None:
    """The topic's own year: the median year of its most relevant dated events."""
    years = sorted(int(r.iso[:4]) for r in refs if r.iso)
    return years[len(years) // 2] if years else None
