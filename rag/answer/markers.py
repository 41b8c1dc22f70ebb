"""Citation markers in generated text: ``[1]``, ``[1, 3]``, ``[1][2]``, ``[1-2]``, split into cited sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text import sentence_spans

# One marker group: numbers separated by commas, semicolons or ranges; "[Passage 2]" and "[source 1]" too.
SHOWN = re.compile(r"\s*\[(\d+)\]")  # a marker as an answer shows it, after the sentence: " [2]"
MARKER = re.compile(r"\[\s*(?:(?:passage|source|ref)\s*)?(\d{1,3}(?:\s*(?:[,;]|-|–|and)\s*\d{1,3})*)\s*\]", re.I)
_LEADING = re.compile(rf"^(?:\s*{MARKER.pattern})+", re.I)


@dataclass
class CitedSentence:
    text: str  # the sentence without its markers
    markers: list[int] = field(default_factory=list)  # valid passage numbers, in order, no repeats
    invalid: list[int] = field(default_factory=list)  # numbers of passages that do not exist


def numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*(?:[,;]|and)\s*", group):
        m = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part.strip())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            out += list(range(a, b + 1)) if 0 <= b - a <= 20 else [a, b]
        elif part.strip().isdigit():
            out.append(int(part))
    return out


def parse(text: str, n_passages: int) -> list[CitedSentence]:
    """Sentences of a generated answer with the passages each cites. A marker written after the full stop
    ("... Taiwan. [2]") belongs to the sentence before it; a number outside 1..n_passages is kept as invalid."""
    pieces: list[tuple[str, list[int]]] = []
    for a, b in sentence_spans(text):
        s = text[a:b]
        lead = _LEADING.match(s)
        if lead and pieces:
            pieces[-1][1].extend(n for g in MARKER.finditer(lead.group(0)) for n in numbers(g.group(1)))
            s = s[lead.end():]
        found = [n for g in MARKER.finditer(s) for n in numbers(g.group(1))]
        pieces.append((_clean(MARKER.sub(" ", s)), found))
    out = []
    for s, found in pieces:
        if not s and out:  # a line of markers only: they cite the sentence before
            out[-1].markers += [n for n in found if 1 <= n <= n_passages and n not in out[-1].markers]
            out[-1].invalid += [n for n in found if not 1 <= n <= n_passages]
            continue
        if not s:
            continue
        valid = list(dict.fromkeys(n for n in found if 1 <= n <= n_passages))
        out.append(CitedSentence(s, valid, list(dict.fromkeys(n for n in found if not 1 <= n <= n_passages))))
    return out


def _clean(s: str) -> str:
    """Markers removed: no double spaces, no space before punctuation, list bullets gone."""
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\s+([.,;:!?])", r"\1", s)
    s = re.sub(r"^(?:[-*•]|\d+[.)]|#+)\s+", "", s)
    s = re.sub(r"\*\*|__|`", "", s)  # markdown emphasis
    return s.strip()
