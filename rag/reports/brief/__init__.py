"""Briefings: a structured, cited document on a topic, assembled from retrieved sentences (extractive).

The topic and a few sub-queries derived from it ("... when", "... said", "... denied", "... figures") are
retrieved with the ordinary retriever; every sentence of the retrieved passages is scored by its closeness to
the topic (rag/reports/relevance.py, where a learned judge can take over); the sections pick from them. One module
a job:

- ``evidence``: the retrieved passages, their statements scored (``Sent``), the helpers every section uses;
- ``summary``: the date range, summary (distinct, standing alone, articles' opening lines first) and facts (with
  quantities);
- ``timeline``: events of the topic, date phrases resolved by rag/reports/dates.py, background years left out;
- ``people``: who's who (name-role appositions, one entry per person);
- ``conflicts``: articles giving different values for one fact; denials beside the statement they deny;
- ``questions``: open questions (undated events, what the sources say is unclear, the listed conflicts);
- ``verification``: every item verified against its citation with rag/answer/verify.py's Verifier;
- ``assembly``: ``build_briefing``, the sections in order;
- ``tuning``: every cut-off above, and what they were tuned on.
"""

from rag.reports.brief.assembly import build_briefing
from rag.reports.brief.evidence import stands_alone
from rag.reports.brief.tuning import TUNING, Tuning

__all__ = ["TUNING", "Tuning", "build_briefing", "stands_alone"]
