"""Training pairs for the entailment judge (rag/answer/entail.py): (premise, hypothesis, label).

Labels: 0 entailed, 1 neutral (not found), 2 contradicted. Sources, all from ../shared/training and the BBC corpus:
- MultiNLI (all 10,071 pairs) and Breaking NLI (down-sampled: it is 87% one-word-swap contradictions);
- FRANK's validation half (never its test half, which is reported): a summary sentence against its article's best
  two-sentence window; a consistent summary's sentences are entailed, a one-sentence inconsistent summary is
  contradicted when its annotators saw mostly entity/predicate/circumstance errors, else not found;
- synthetic FactCC-style pairs from BBC articles outside the held-out fold: a sentence (or its main clause) against
  its window is entailed; the same sentence with one number, date, name, direction or negation changed is
  contradicted; a sentence of another article of the same section, or of the same article far away, is not found.
QNLI is left out: its hypotheses are questions, which a claim checker never sees.
"""

from __future__ import annotations

import ast
import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

from rag.evaluation.evaluate import read_jsonl
from rag.ingest.documents import decode_text
from rag.text import sentence_spans, terms

LABELS = ("entailed", "neutral", "contradicted")
_NLI = {"entailment": 0, "neutral": 1, "contradiction": 2, "not_entailment": 1}
HELD_OUT_MOD = 10  # a BBC article whose sha1(path) % 10 == 0 is never trained on (the claim set's articles)


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: int
    group: str  # what must not be split across folds (an article, or an NLI pair's id)
    source: str


def held_out(rel: str) -> bool:
    return int(hashlib.sha1(rel.encode()).hexdigest(), 16) % HELD_OUT_MOD == 0


def jsonl(path: Path) -> list[dict]:
    """The rows of a JSON Lines file, read by the package's one reader."""
    return [row for _, row in read_jsonl(path)]


def nli_pairs(training: Path, rng: random.Random, breaking: int = 2400) -> list[Pair]:
    out = [Pair(r["premise"], r["hypothesis"], _NLI[r["label"]], r["id"], "mnli")
           for r in jsonl(training / "taxinli_mnli.jsonl")]
    rows = list(jsonl(training / "breaking_nli.jsonl"))
    rng.shuffle(rows)
    contra = [r for r in rows if r["label"] == "contradiction"][: breaking * 2 // 3]
    other = [r for r in rows if r["label"] != "contradiction"][: breaking // 3]
    out += [Pair(r["premise"], r["hypothesis"], _NLI[r["label"]], r["id"], "breaking_nli") for r in contra + other]
    return out


def sentences(text: str) -> list[str]:
    return [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]


def best_window(sents: list[str], claim: str, width: int = 2) -> str:
    """The ``width`` adjacent sentences sharing most terms with ``claim``."""
    want = set(terms(claim))
    best, score = "", -1.0
    for i in range(len(sents)):
        win = " ".join(sents[i:i + width])
        s = len(want & set(terms(win)))
        if s > score:
            best, score = win, s
    return best


def frank_pairs(training: Path) -> list[Pair]:
    out = []
    for r in jsonl(training / "frank_valid.jsonl"):
        sents = sentences(r["article"])
        summary = sentences(r["summary"])
        if not sents or not summary:
            continue
        group = "frank:" + r["id"].rsplit("-", 1)[0]
        if r["label"] == "consistent":
            out += [Pair(best_window(sents, s), s, 0, group, "frank") for s in summary]
        elif len(summary) == 1:
            a = ast.literal_eval(r["annotations"]) if isinstance(r["annotations"], str) else r["annotations"]
            wrong = max(a.get("EntE", 0), a.get("PredE", 0), a.get("CircE", 0))
            label = 2 if wrong > a.get("OutE", 0) else 1
            out.append(Pair(best_window(sents, summary[0]), summary[0], label, group, "frank"))
    return out


# -- synthetic BBC pairs ---------------------------------------------------------------------------------------
_DIRECTIONS = [("rose", "fell"), ("risen", "fallen"), ("rise", "fall"), ("rising", "falling"),
               ("increased", "decreased"), ("increase", "decrease"), ("higher", "lower"), ("more", "fewer"),
               ("up", "down"), ("gain", "loss"), ("gains", "losses"), ("profit", "loss"), ("won", "lost"),
               ("win", "lose"), ("before", "after"), ("boosted", "cut"), ("raised", "lowered"),
               ("strong", "weak"), ("stronger", "weaker"), ("best", "worst"), ("highest", "lowest"),
               ("accepted", "rejected"), ("approved", "rejected"), ("support", "oppose"), ("backed", "opposed"),
               ("climbed", "slipped"), ("grew", "shrank"), ("gained", "dropped"), ("jumped", "slumped"),
               ("surged", "plunged"), ("boost", "hit"), ("increases", "decreases"), ("rises", "falls"),
               ("above", "below"), ("ahead", "behind"), ("beat", "missed"), ("success", "failure"),
               ("agreed", "refused"), ("allowed", "banned"), ("easier", "harder"), ("cheaper", "dearer")]
_FLIP = {a: b for a, b in _DIRECTIONS} | {b: a for a, b in _DIRECTIONS}
_AUX = re.compile(r"\b(is|was|are|were|has|have|had|will|would|could|can|should|must|did|does|do)\b(?! not)")
_NEG = re.compile(r"\b(is|was|are|were|has|have|had|will|would|could|can|should|did|does|do)( not|n't)\b")
_NUM = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.])")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_NAME = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)+)\b")


def _swap_number(s: str, rng: random.Random) -> str | None:
    found = [m for m in _NUM.finditer(s) if not _YEAR.fullmatch(m.group())]
    if not found:
        return None
    m = rng.choice(found)
    raw = m.group().replace(",", "")
    value = float(raw)
    factor = rng.choice([0.5, 0.6, 0.75, 1.3, 1.5, 2, 3])
    new = value * factor if value > 2 else value + rng.choice([1, 2, 3])
    text = f"{new:.1f}" if "." in raw else f"{round(new):,}" if "," in m.group() else str(round(new))
    return None if text == m.group() else s[:m.start()] + text + s[m.end():]


def _swap_date(s: str, rng: random.Random) -> str | None:
    m = _YEAR.search(s)
    if m:
        return s[:m.start()] + str(int(m.group()) + rng.choice([-3, -2, -1, 1, 2])) + s[m.end():]
    found = [mo for mo in _MONTHS if re.search(rf"\b{mo}\b", s)]
    if not found:
        return None
    mo = found[0]
    return re.sub(rf"\b{mo}\b", rng.choice([x for x in _MONTHS if x != mo]), s, count=1)


def _swap_name(s: str, article: str, rng: random.Random) -> str | None:
    here = _NAME.findall(s)
    others = sorted({n for n in _NAME.findall(article) if n not in s and len(n.split()) == 2})
    if not here or not others:
        return None
    old = rng.choice(here)
    return s.replace(old, rng.choice(others), 1)


def _swap_direction(s: str, rng: random.Random) -> str | None:
    words = [m for m in re.finditer(r"(?<![-\w])[a-z]+(?![-\w])", s) if m.group() in _FLIP]
    if not words:
        return None
    m = rng.choice(words)
    return s[:m.start()] + _FLIP[m.group()] + s[m.end():]


def _negate(s: str, rng: random.Random) -> str | None:
    m = _NEG.search(s)
    if m:
        return s[:m.start()] + m.group(1) + s[m.end():]
    m = _AUX.search(s)
    if m:
        return s[:m.end()] + " not" + s[m.end():]
    return None


def contradiction(s: str, article: str, rng: random.Random) -> str | None:
    makers = [lambda: _swap_number(s, rng), lambda: _swap_date(s, rng), lambda: _swap_name(s, article, rng),
              lambda: _swap_direction(s, rng), lambda: _negate(s, rng)]
    rng.shuffle(makers)
    for make in makers:
        out = make()
        if out and out != s:
            return out
    return None


_SAID = re.compile(r"^(?P<what>.+?),?\s*(?P<who>(?:he|she|they|it|[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})) "
                   r"(?P<verb>said|says|added|told [A-Z][\w ]+?)\.?$")


def entailed(s: str, rng: random.Random) -> str:
    """The sentence reworded without changing what it states: reported speech turned around, a trailing clause
    dropped, quotes removed; else itself."""
    plain = s.replace('"', "").strip()
    m = _SAID.match(plain)
    if m and len(m.group("what").split()) >= 5:
        what = m.group("what").rstrip(",. ")
        return f"{m.group('who')} {m.group('verb')} that {what[0].lower() + what[1:]}."
    if ", " in plain and rng.random() < 0.6:
        head = plain.rsplit(", ", 1)[0]
        if len(head.split()) >= 6:
            return head.rstrip(",") + "."
    return plain


def _claimable(s: str) -> bool:
    return 8 <= len(s.split()) <= 45


def bbc_articles(corpus: Path) -> dict[str, str]:
    out = {}
    for f in sorted(corpus.rglob("*.txt")):
        out[f.relative_to(corpus).as_posix()] = decode_text(f.read_bytes())[0]
    return out


def _shingles(text: str, n: int = 8) -> set[int]:
    w = text.lower().split()
    return {hash(" ".join(w[i:i + n])) for i in range(max(0, len(w) - n + 1))}


def trainable(articles: dict[str, str]) -> list[str]:
    """Articles outside the held-out fold that do not copy one of its articles (BBC repeats stories)."""
    held = [_shingles(t) for p, t in articles.items() if held_out(p)]
    out = []
    for p, t in articles.items():
        if held_out(p):
            continue
        mine = _shingles(t)
        if mine and any(len(mine & h) > 0.2 * len(mine) for h in held):
            continue
        out.append(p)
    return out


def bbc_pairs(corpus: Path, rng: random.Random, per_article: int = 1, share: float = 0.6) -> list[Pair]:
    """Sentence pairs from ``share`` of the trainable articles, and headline pairs from all of them."""
    articles = bbc_articles(corpus)
    paths = trainable(articles)
    split = {p: sentences(articles[p]) for p in paths}
    by_section: dict[str, list[str]] = {}
    for p in paths:
        by_section.setdefault(p.split("/")[0], []).append(p)
    out = [x for p in paths for x in headline_pairs(p, split, by_section, articles[p], rng)]
    for p in paths:
        if rng.random() >= share:
            continue
        sents = split[p]
        body = [i for i in range(1, len(sents)) if _claimable(sents[i])]  # sentence 0 is the title
        for i in rng.sample(body, min(per_article, len(body))):
            s = sents[i]
            j = i - 1 if i > 1 and rng.random() < 0.5 else i + 1
            window = " ".join(sents[min(i, j):max(i, j) + 1]) if j < len(sents) else s
            out.append(Pair(window, entailed(s, rng), 0, p, "bbc"))
            bad = contradiction(s, articles[p], rng)
            if bad:
                out.append(Pair(window, bad, 2, p, "bbc"))
            out.append(Pair(window, _unrelated(p, window, split, by_section, rng), 1, p, "bbc"))
            far = [k for k in body if abs(k - i) >= 4]
            if far and rng.random() < 0.5:
                out.append(Pair(window, sents[rng.choice(far)], 1, p, "bbc"))
    return out


def headline_pairs(p: str, split: dict[str, list[str]], by_section: dict[str, list[str]], article: str,
                   rng: random.Random) -> list[Pair]:
    """A BBC headline restates its article's opening in other words: entailed by the first two sentences of the
    body (an abstractive paraphrase, which copies of a sentence cannot teach); the headline with one fact changed
    is contradicted; another article's headline of the same section is not found."""
    sents = split[p]
    if len(sents) < 3 or len(sents[0].split()) < 4:
        return []
    lead, title = " ".join(sents[1:3]), sents[0] if sents[0][-1] in ".?!" else sents[0] + "."
    if not set(terms(title)) & set(terms(lead)):
        return []
    out = [Pair(lead, title, 0, p, "bbc_headline")]
    bad = contradiction(title, article, rng)
    if bad:
        out.append(Pair(lead, bad, 2, p, "bbc_headline"))
    if rng.random() < 0.5:
        other = rng.choice(by_section[p.split("/")[0]])
        if other != p and split[other]:
            head = split[other][0]
            out.append(Pair(lead, head if head[-1] in ".?!" else head + ".", 1, p, "bbc_headline"))
    return out


def _unrelated(p: str, window: str, split: dict[str, list[str]], by_section: dict[str, list[str]],
               rng: random.Random) -> str:
    """A claimable sentence of another article of the same section sharing most terms with ``window``."""
    want = set(terms(window))
    section = by_section[p.split("/")[0]]
    pool = [q for q in rng.sample(section, min(8, len(section))) if q != p]
    best, score = "", -1
    for q in pool:
        for s in split[q][1:]:
            if _claimable(s):
                n = len(want & set(terms(s)))
                if n > score:
                    best, score = s, n
    return best


def all_pairs(training: Path, corpus: Path, seed: int = 13) -> list[Pair]:
    rng = random.Random(seed)
    pairs = nli_pairs(training, rng) + frank_pairs(training) + bbc_pairs(corpus, rng)
    return [p for p in pairs if p.premise and p.hypothesis]
