"""Follow-up questions to suggest under an answer, built from the cited articles without a model.

Other sentences of the cited articles (nearest the quotes first, the quoted ones left out) are turned into questions
by a few shapes that keep the sentence's own words, so the answer is in it:

- a sentence whose subject is a name ("Tomas Brevik founded the orchard in 2011.") asks who did the rest
  ("Who founded the orchard in 2011?");
- a subject whose amount changed ("Quarterly profits at TimeWarner jumped 76% to $1.13bn") asks how much
  ("How much did quarterly profits at TimeWarner jump?");
- a name that said something ("..., said Mr Kahl.") asks what that person said;
- a sentence that gives a full date asks what happened then.

These are only candidates: the engine asks each one (``Engine.follow_ups``) and suggests those answered from the
same articles, so a suggestion is never refused.
"""

from __future__ import annotations

import re

from rag.answer.asked import spans
from rag.text import normalize, sentence_spans, terms

NAMES = ("person", "organisation", "name", "place")
MAX_WORDS = 18  # a longer question is a sentence read back, not a question
_VERB = re.compile(r"(?:[a-z]+ed|is|was|were|are|has|had|have|said|says|will|would|could|can|may|might|must|"
                   r"won|won't|made|took|told|gave|left|led|became|began|bought|sold|paid|got|went|came|saw|"
                   r"met|ran|set|put|hit|cut|lost|kept|held|built|wrote|spent|found|leads|plans|wants|says|"
                   r"remains|faces|hopes|expects|owns|runs|makes|takes|gets|needs|believes|thinks)\b")
_SAID = re.compile(r"\b(?:said|says|told|added|warned|argued|claimed|insisted|explained)\b")
_SUBJECT = re.compile(r"^((?:Mr|Mrs|Ms|Dr|Sir)?\s?[A-Z][\w'’.&-]*"
                      r"(?:\s+(?:of|de|van|von|and|&)?\s*[A-Z][\w'’.&-]*){0,3})\s+(?=[a-z])")
_NOT_SUBJECT = frozenset("""the a an it its he she they we i you his her their this that these those there but and
    however in on at after before when while as if also so yet meanwhile although though despite for from with
    by to of one some many most all no""".split())
_COMMON_HEADS = frozenset("""sales profits profit shares prices price revenue revenues quarterly annual total output
    pre-tax net exports imports growth spending costs""".split())
_REPORTED = re.compile(r"^.{0,60}?\b(?:said|says|added|reported|announced)\s+(?:that\s+)?(?=[A-Za-z])")
_CHANGE = re.compile(r"^([A-Za-z][^,;:]{2,80}?)\s+(\w+)\s+(?:by\s+|to\s+|about\s+|almost\s+|nearly\s+|some\s+)?"
                     r"(?=[$£€¥]|\d)")
_IRREGULAR = {"rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "grew": "grow", "paid": "pay",
              "spent": "spend", "made": "make", "sold": "sell", "bought": "buy", "won": "win", "lost": "lose",
              "cost": "cost", "raised": "raise", "shrank": "shrink", "hit": "hit", "cut": "cut", "gave": "give",
              "took": "take", "earned": "earn", "had": "have", "has": "have", "reached": "reach"}
_DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4}\b|\b[A-Z][a-z]+\s+\d{1,2},\s+\d{4}\b")


def candidates(text: str, cited: list[tuple[int, int]], asked: str, limit: int = 8) -> list[str]:
    """Questions built from the sentences of ``text`` (an article's canonical text) that the cited spans do not
    touch, nearest a cited span first; none repeats ``asked`` or another."""
    if not cited:
        return []
    seen = {_key(asked)}
    out: list[str] = []
    sentences = [(a, b) for a, b in sentence_spans(text) if not any(a < y and x < b for x, y in cited)]
    sentences.sort(key=lambda s: min(abs(s[0] - x) for x, _ in cited))
    for a, b in sentences:
        for q in questions(text[a:b]):
            k = _key(q)
            if k and k not in seen:
                seen.add(k)
                out.append(q)
        if len(out) >= limit:
            break
    return out[:limit]


def questions(sentence: str) -> list[str]:
    """The questions one sentence answers, by the shapes above (none when it fits none)."""
    s = " ".join(normalize(sentence).split())
    if not s.endswith(".") or '"' in s or "“" in s or len(s.split()) > 40:  # a headline, a quotation: not asked
        return []
    out = []
    found = spans(s)
    first = next(iter(found), None)
    subject = _SUBJECT.match(s)
    if subject and subject.group(1).split()[0].lower() not in _NOT_SUBJECT and (
            first is None or first.start > 0 or first.kind in NAMES):
        rest = _clause(s[subject.end():])
        if rest and _VERB.match(rest) and not _SAID.match(rest) and 3 <= len(rest.split()) < MAX_WORDS:
            out.append(f"Who {rest}?")
    if (q := _how_much(s, found)) is not None:
        out.append(q)
    for sp in found:
        if sp.kind == "person" and len(sp.text.split()) >= 2 and _says(s, sp.start, sp.end):
            out.append(f"What did {sp.text} say?")
            break
    if (m := _DAY.search(s)) and any(sp.kind == "date" for sp in found):
        out.append(f"What happened on {m.group(0)}?")
    return out


def _how_much(s: str, found: tuple) -> str | None:  # noqa: ANN001
    """ "X rose 5% to $3bn" -> "How much did X rise?" (reported speech dropped: "The firm said X rose ...")."""
    if not any(sp.kind in ("money", "percent") for sp in found):
        return None
    body = s[m.end():] if (m := _REPORTED.match(s)) else s
    m = _CHANGE.match(body)
    if not m or len(m.group(1).split()) > 9:
        return None
    verb = _lemma(m.group(2).lower())
    if verb is None:
        return None
    subject = m.group(1)
    if subject.split()[0].lower() in _NOT_SUBJECT | _COMMON_HEADS:  # "The firm's sales", "Quarterly profits"
        subject = subject[0].lower() + subject[1:]
    return f"How much did {subject} {verb}?"


def _lemma(verb: str) -> str | None:
    """A past-tense verb's base form ("jumped" -> "jump", "rose" -> "rise"), None when not one."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if not verb.endswith("ed") or len(verb) < 5:
        return None
    base = verb[:-2]
    if base.endswith("i"):
        return base[:-1] + "y"
    if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
        return base[:-1]
    if base.endswith(("s", "c", "v", "z", "u", "in", "at", "iz", "ur", "bl", "pl", "g")) and not base.endswith("ss"):
        return base + "e"
    return base


def _clause(rest: str) -> str:
    """The sentence after its subject, up to its first comma or its end, without the final stop."""
    rest = rest.strip().split(", ")[0].rstrip(" .;:!?")
    return rest


def _says(s: str, a: int, b: int) -> bool:
    """The name at s[a:b] is the one who said something: "NAME said", "said NAME", "NAME, ..., said"."""
    return bool(_SAID.match(s[b:].lstrip(" ,")) or re.search(r"\b(?:said|says|told)\s*$", s[:a]))


def _key(question: str) -> str:
    """What makes two questions the same: their terms; for "What did NAME say?", the surname."""
    if question.startswith("What did ") and question.endswith(" say?"):
        return "say:" + question.split()[-2].lower()
    return " ".join(sorted(set(terms(question))))
