"""What a question, a search or a briefing may be asked with, checked once for every shell (the CLI, the API and
the app): the answer modes and how ``auto`` resolves, and the filters (publication dates, sources)."""

from __future__ import annotations

import re
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
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None
    source: str | None = None  # glob or substring of the path

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.source)


def check_date(value: str | None, name: str = "") -> str | None:
    """``value`` (stripped) when it is a real day written YYYY-MM-DD, None when empty; else a BadInput naming
    the control or field ``name``."""
    value, what = (value or "").strip(), f"invalid {name} date" if name else "invalid date"
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise BadInput(f"{what} {value!r}: use YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{what} {value!r}: no such day (use YYYY-MM-DD)") from None
    return value


def parse_filters(since: str | None, until: str | None, source: str | None,
                  names: tuple[str, str] = ("since", "until")) -> Filters:
    """Filters as a shell received them (blank means none); a bad date is a BadInput naming it as ``names`` do."""
    return Filters(check_date(since, names[0]), check_date(until, names[1]), (source or "").strip() or None)
