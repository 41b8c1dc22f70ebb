"""The embedding backends: the ONNX export gives sentence-transformers' vectors and token counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.ingest.embed import MAX_TOKENS, Embedder, get_embedder

TEXTS = ["Elon Musk said he had spoken to Vladimir Putin.", "Shares rose 5% in early trading. " * 60,
         "Kremlin spokesman Dmitry Peskov said there had been only one call.", "x"]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return get_embedder(64, "torch")


def test_onnx_backend_gives_the_same_vectors_as_sentence_transformers(torch_embedder: Embedder):
    onnx = get_embedder(64, "onnx")
    assert onnx.backend == "onnx" and torch_embedder.backend == "torch"
    a, b = onnx.embed(TEXTS), torch_embedder.embed(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert float((a * b).sum(1).min()) > 0.9999
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    # One text alone (the one-thread path) equals the same text in a batch.
    assert float(onnx.embed_query(TEXTS[2]) @ b[2]) > 0.9999


def test_token_counts_match_the_transformers_tokenizer():
    from transformers import AutoTokenizer

    from rag.ingest.onnx_model import model_dir

    hf = AutoTokenizer.from_pretrained(str(model_dir()))
    expected = [len(x) for x in hf(TEXTS, add_special_tokens=False)["input_ids"]]
    counts = get_embedder(64, "onnx").count_tokens(TEXTS)
    assert counts == expected
    assert counts[1] > MAX_TOKENS  # counting does not truncate (the chunker relies on whole counts)


def test_an_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown embedding backend"):
        Embedder(backend="gpu")


def test_a_question_process_does_not_import_torch(tmp_path: Path):
    """Cold start: answering with the ONNX backend loads neither torch nor sentence-transformers."""
    code = ("import sys; from rag.ingest.embed import get_embedder; e = get_embedder(64, 'onnx'); e.embed_query('hi'); "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'llama_index.core') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_cold_rag_ask_imports_neither_torch_nor_llama_index(seeds_engine):
    """What makes `rag ask` start in seconds: the answer path loads ONNX, Chroma and BM25 only."""
    index = seeds_engine.settings.index_dir
    code = ("import sys; from rag.app.cli import main; "
            f"rc = main(['--index', {str(index)!r}, 'ask', 'Who is Colin Kahl?', '--mode', 'extractive']); "
            "print('LOADED', rc, sorted(m for m in ('torch', 'sentence_transformers', 'llama_index.core') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Kahl" in out and out.strip().endswith("LOADED 0 []")
