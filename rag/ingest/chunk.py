"""Passages: runs of whole sentences that fit the embedding model's window, with offsets into the text.

Size: at most ``chunk_tokens`` word pieces (default 160). The model reads 256 and we prepend the title
(~15 pieces) when embedding, so nothing is silently cut; 160 pieces is ~4 news sentences, small enough that
a passage is about one thing (better dense matches) and that its citation stays readable. A BBC article
gives ~4-5 passages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from rag.text import sentence_spans

CountTokens = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class Passage:
    pid: str
    doc_id: str
    ord: int
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def chunk_spans(text: str, body_start: int, budget: int, count: CountTokens) -> list[tuple[int, int]]:
    """Group sentence spans into passages of at most ``budget`` tokens (a longer sentence is split)."""
    sents = sentence_spans(text, body_start)
    if not sents:
        return []
    sizes = count([text[a:b] for a, b in sents])
    pieces: list[tuple[int, int, int]] = []
    for (a, b), n in zip(sents, sizes, strict=True):
        pieces.extend(_split_long(text, a, b, n, budget))
    chunks: list[tuple[int, int]] = []
    cur_start, cur_end, cur_n = pieces[0]
    for a, b, n in pieces[1:]:
        if cur_n + n <= budget:
            cur_end, cur_n = b, cur_n + n
        else:
            chunks.append((cur_start, cur_end))
            cur_start, cur_end, cur_n = a, b, n
    chunks.append((cur_start, cur_end))
    return chunks


def _split_long(text: str, a: int, b: int, n: int, budget: int) -> list[tuple[int, int, int]]:
    """Cut an over-long sentence at spaces into parts of roughly ``budget`` tokens."""
    if n <= budget:
        return [(a, b, n)]
    parts = -(-n // budget)
    step = (b - a) // parts
    out, cur = [], a
    for i in range(1, parts):
        cut = text.rfind(" ", cur, a + i * step) + 1 or a + i * step
        if cut > cur:
            out.append((cur, cut - 1 if text[cut - 1] == " " else cut))
            cur = cut
    out.append((cur, b))
    per = -(-n // len(out))
    return [(x, y, per) for x, y in out if y > x]


def make_passages(doc_id: str, sha: str, text: str, spans: list[tuple[int, int]]) -> list[Passage]:
    # The content hash in the id lets a changed file's new passages coexist with the old until swapped.
    return [Passage(f"{doc_id}-{sha[:8]}-{i}", doc_id, i, a, b, text[a:b]) for i, (a, b) in enumerate(spans)]
