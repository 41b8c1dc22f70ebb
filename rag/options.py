"""What a question, a search or a briefing may be asked with, checked once for every shell (the CLI, the API and
the app): the answer modes and how ``auto`` resolves, and the filters (publication dates, sources)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from rag.errors import BadInput

Mode = Literal["auto", "extractive", "llm"]  # how an answer or a briefing's summary is written
MODES: tuple[str, ...] = get_args(Mode)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise BadInput(f"unknown mode {mode!r}: use {', '.join(MODES[:-1])} or {MODES[-1]}")
    return mode


def uses_model(mode: str, llm_configured: bool) -> bool:
    """Whether ``mode`` asks the model: ``llm`` always (failing over to extractive when none is configured),
    ``auto`` when one is configured."""
    return check_mode(mode) == "llm" or (mode == "auto" and llm_configured)


@dataclass(frozen=True)
class Filters:
    """What a question, search, briefing or check may draw on; each filter given narrows it further."""

    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None
    source: str | None = None  # glob or substring of the path
    sections: tuple[str, ...] = ()  # top-level folders of the corpus ("business", "sport"): any of them
    docs: tuple[str, ...] = ()  # documents (id, or path as given, shown or relative to the corpus root): any of them

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.source or self.sections or self.docs)


def check_date(value: str | None, name: str = "") -> str | None:
    """``value`` (stripped) when it is a real day written YYYY-MM-DD, None when empty; else a BadInput naming
    the control or field ``name``."""
    value, what = (value or "").strip(), f"invalid {name} date" if name else "invalid date"
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise BadInput(f"{what} {value[:40]!r}: use YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{what} {value!r}: no such day (use YYYY-MM-DD)") from None
    return value


def parse_filters(since: str | None = None, until: str | None = None, source: str | None = None,
                  sections: Iterable[str] | None = None, docs: Iterable[str] | None = None,
                  names: tuple[str, str] = ("since", "until")) -> Filters:
    """Filters as a shell received them (blank means none): dates must be real days written YYYY-MM-DD with
    ``since`` <= ``until``; a mistake is a BadInput (one line) naming the date as ``names`` do."""
    since, until = check_date(since, names[0]), check_date(until, names[1])
    if since and until and since > until:
        raise BadInput(f"the date range is empty: {names[0]} {since} is after {names[1]} {until}")
    return Filters(since, until, (source or "").strip() or None, _names(sections), _names(docs))


def _names(values: Iterable[str] | None) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(v.strip() for v in values or () if v and v.strip()))
