"""Answering: retrieval, the learned judge, extractive and generated answers, verification, citations."""
