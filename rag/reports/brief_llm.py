"""A briefing's summary written by the model (LLM mode): every sentence verified against the passage it cites,
unsupported sentences dropped; too few left, a model failure or no model -> the extractive summary stays."""

from __future__ import annotations

from collections.abc import Callable

from rag.answer import markers
from rag.answer.components import Components
from rag.answer.llm import NOT_CONFIGURED, ChatModel, LLMError
from rag.answer.prompting import fill, load_prompt, passages_block
from rag.answer.results import LLMInfo
from rag.answer.retrieve import Hit
from rag.options import uses_model
from rag.reports.report_types import Item

MAX_PASSAGES = 6
MIN_SENTENCES = 2  # fewer supported sentences than this: the extractive summary is the better one


def llm_summary(c: Components, topic: str, hits: list[Hit], mode: str,
                cite: Callable[[Hit, int, int], int]) -> tuple[list[Item] | None, LLMInfo]:
    """Summary items written by the model, or None (and why) when the extractive summary should stay."""
    s = c.settings
    if not uses_model(mode, s.llm_configured):
        return None, LLMInfo(s.llm_model, False, None)
    if not s.llm_configured:
        return None, LLMInfo(s.llm_model, False, NOT_CONFIGURED)
    hits = hits[:MAX_PASSAGES]
    if not hits:
        return None, LLMInfo(s.llm_model, False, "no passage matched the topic, so the model was not asked")
    evidence = [c.evidence(i + 1, h) for i, h in enumerate(hits)]
    model = ChatModel(s)
    p = load_prompt("brief")
    messages = [{"role": "system", "content": p["system"]},
                {"role": "user", "content": fill(p["user"], passages=passages_block(evidence),
                                                 topic=topic.replace("<", "("))}]
    try:
        text = model.complete(messages)
        name = model.model()
    except LLMError as e:
        return None, LLMInfo(model.chosen or s.llm_model, e.called, str(e))
    parsed = markers.parse(text, len(evidence))
    verdicts = c.verifier().check_many(
        [(x.text, [evidence[n - 1] for n in x.markers], x.invalid) for x in parsed])
    items = [Item(x.text, list(dict.fromkeys(cite(hits[sp.n - 1], sp.start, sp.end) for sp in v.spans)))
             for x, v in zip(parsed, verdicts, strict=True) if v.supported and v.spans]
    if len(items) < MIN_SENTENCES:
        reason = (f"only {len(items)} of the model's {len(parsed)} summary sentences were supported by the "
                  "passages they cite")
        return None, LLMInfo(name, True, reason)
    return items, LLMInfo(name, True, None)
