"""Scoring question and claim sets, retrieval metrics, the LlamaIndex starter baseline."""
