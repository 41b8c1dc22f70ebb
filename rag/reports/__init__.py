"""Briefings and grounding checks built on the answer layer, their types, Markdown and Word."""
