"""The embedding backends: the ONNX export gives sentence-transformers' vectors and token counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS

from rag.ingest.embed import MAX_TOKENS, Embedder, get_embedder

TEXTS = ["Elon Musk said he had spoken to Vladimir Putin.", "Shares rose 5% in early trading. " * 60,
         "Kremlin spokesman Dmitry Peskov said there had been only one call.", "x"]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return get_embedder(64, "torch")


def test_onnx_backend_gives_the_same_vectors_as_sentence_transformers(torch_embedder: Embedder):
    onnx = get_embedder(64, "onnx", precision="fp32")
    assert onnx.backend == "onnx" and torch_embedder.backend == "torch"
    a, b = onnx.embed(TEXTS), torch_embedder.embed(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert float((a * b).sum(1).min()) > 0.9999
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert float(onnx.embed_query(TEXTS[2]) @ b[2]) > 0.9999


def test_int8_stays_close_to_fp32_on_corpus_passages(torch_embedder: Embedder):
    """The default (int8 weights): cosine to fp32 at least 0.99 on average over real passages, 0.98 at worst."""
    int8 = get_embedder(64, "onnx")
    assert int8.precision == "int8"
    passages = [p.read_text(encoding="utf-8")[:1200] for p in sorted(SEEDS.glob("*.txt"))] + TEXTS
    cos = (int8.embed(passages) * torch_embedder.embed(passages)).sum(1)
    assert cos.mean() >= 0.99 and cos.min() >= 0.98, cos


def test_a_text_gets_the_same_vector_alone_or_among_others():
    """Each text runs alone (int8 activations are scaled per call): a stored vector equals one made now."""
    e = get_embedder(64, "onnx")
    batch = e.embed(TEXTS)
    for i, t in enumerate(TEXTS):
        np.testing.assert_array_equal(e.embed([t])[0], batch[i])
    np.testing.assert_array_equal(e.embed(TEXTS[::-1])[::-1], batch)


def test_late_chunked_spans_come_from_the_passage_pass():
    """A span's vector is the mean of its word pieces' contextual vectors: near the sentence embedded alone, and
    the whole text's vector is the one ``embed`` gives."""
    e = get_embedder(64, "onnx")
    text = "Yukos unit buyer faces loan claim\nThe owners of Yukos want a loan repaid. Rosneft bought the unit."
    spans = [(34, 72), (73, len(text))]
    vecs, parts = e.embed_spans([text], [spans])
    np.testing.assert_array_equal(vecs[0], e.embed([text])[0])
    assert parts[0].shape == (2, 384)
    alone = e.embed([text[a:b] for a, b in spans])
    sims = parts[0] @ alone.T
    assert sims[0, 0] > 0.8 and sims[0, 0] > sims[0, 1]  # the first sentence is nearest itself
    assert sims[1, 1] > 0.5  # the short second one is read in context (the title's Yukos), so further from alone
    assert float(parts[0][0] @ parts[0][1]) < 0.95 and float((parts[0] @ vecs[0]).max()) < 0.99  # not one vector


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
