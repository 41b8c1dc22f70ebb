"""The README's examples are what the commands print: its `rag ask` output, its `rag ask --json` object and its
seeds retrieval figures are checked against real runs on a seeds index.

After a change that moves them, regenerate the two `rag ask` blocks (and see the table's figures) with
``python tests/test_readme.py`` (it ingests seeds/ into a temporary index and rewrites README.md in place).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EVAL = ROOT.parent / "shared" / "eval"
# The first `rag ask` command of the README, then its output block.
ASK = re.compile(r"```sh\n\.venv/bin/rag (ask [^\n]+)\n```\n```\n(.*?)\n```", re.S)
JSON = re.compile(r"(### `rag ask --json`\n.*?```json\n)(.*?)(\n```)", re.S)
TABLE_ROW = re.compile(r"^\| seeds_dev \(\d+\) \| (hybrid|baseline) \| ([^\n]+) \|$", re.M)
SHORTEN = 60  # strings longer than this are cut (ending in "…") in the JSON example
MEASURED = {"timings_ms"}  # values measured per run: only their keys are documented


def rag(index: Path, args: list[str]) -> str:
    """Run the CLI as a user would from the project folder, without a model configured (extractive)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    p = subprocess.run([sys.executable, "-m", "rag.app.cli", "--index", str(index), *args], capture_output=True,
                       text=True, cwd=ROOT, env=env, timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout


def ask_example(text: str) -> tuple[list[str], str]:
    m = ASK.search(text)
    assert m, "README.md has no `.venv/bin/rag ask` example followed by its output"
    return shlex.split(m.group(1)), m.group(2)


def shorten(value: object) -> object:
    if isinstance(value, str):
        return value if len(value) <= SHORTEN else value[:SHORTEN - 1] + "…"
    if isinstance(value, list):
        return [shorten(v) for v in value]
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    return value


def json_block(obj: dict) -> str:
    """The README's form of a `rag ask --json` object: one key per line, long strings shortened."""
    lines = []
    for k, v in shorten(obj).items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            inner = ",\n   ".join(json.dumps(x, ensure_ascii=False) for x in v)
            lines.append(f'"{k}": [{inner}]')
        else:
            lines.append(f'"{k}": {json.dumps(v, ensure_ascii=False)}')
    return "{" + ",\n ".join(lines) + "}"


def same_shape(shown: object, real: object, path: str = "") -> list[str]:
    """Where the README's JSON differs from the real object: keys, list lengths, values (a shortened string
    must be a prefix of the real one; measured values need only exist)."""
    if isinstance(shown, dict) and isinstance(real, dict):
        if set(shown) != set(real):
            return [f"{path or '.'}: keys {sorted(shown)} != {sorted(real)}"]
        return [d for k in shown for d in ([] if k in MEASURED else same_shape(shown[k], real[k], f"{path}.{k}"))]
    if isinstance(shown, list) and isinstance(real, list):
        if len(shown) != len(real):
            return [f"{path}: {len(shown)} items shown, {len(real)} printed"]
        return [d for i, (a, b) in enumerate(zip(shown, real, strict=True)) for d in same_shape(a, b, f"{path}[{i}]")]
    if isinstance(shown, str) and isinstance(real, str) and shown.endswith("…") and real.startswith(shown[:-1]):
        return []
    if isinstance(shown, float) and isinstance(real, float) and abs(shown - real) < 1e-3:
        return []
    return [] if shown == real else [f"{path}: {shown!r} shown, {real!r} printed"]


def seeds_rows(text: str) -> dict[str, list[str]]:
    return {m.group(1): [x.strip() for x in m.group(2).split("|")] for m in TABLE_ROW.finditer(text)}


def rows_from(report: dict) -> dict[str, list[str]]:
    """The README table's cells (hit@1, hit@5, recall@5, MRR@10) from `rag eval --json --compare-baseline`."""
    out = {}
    for name, key in (("hybrid", "retrieval"), ("baseline", "baseline_retrieval")):
        m = report[key]["all"]
        out[name] = [f"{m[k]:.3f}" for k in ("hit@1", "hit@5", "recall@5", "mrr@10")]
    return out


@pytest.fixture(scope="module")
def index(seeds_engine) -> Path:  # noqa: ANN001
    return seeds_engine.settings.index_dir


def test_readme_ask_example_is_what_rag_ask_prints(index: Path):
    args, shown = ask_example(README.read_text(encoding="utf-8"))
    printed = rag(index, args).rstrip("\n")
    assert shown == printed, f"README.md shows:\n{shown}\n\n`rag {shlex.join(args)}` prints:\n{printed}"


def test_readme_json_example_is_what_rag_ask_json_prints(index: Path):
    text = README.read_text(encoding="utf-8")
    args, _ = ask_example(text)
    m = JSON.search(text)
    assert m, "README.md has no `rag ask --json` example"
    real = json.loads(rag(index, [*args, "--json"]))
    shown = json.loads(m.group(2))
    assert same_shape(shown, real) == []
    assert m.group(2) == json_block({**real, "timings_ms": shown["timings_ms"]})  # written by json_block


def test_readme_seeds_retrieval_figures_are_what_rag_eval_measures(index: Path):
    shown = seeds_rows(README.read_text(encoding="utf-8"))
    assert set(shown) == {"hybrid", "baseline"}
    report = json.loads(rag(index, ["eval", str(EVAL / "seeds_dev.jsonl"), "--json", "--compare-baseline"]))
    real = rows_from(report)
    # Bold marks the better figure; the numbers must be the measured ones.
    assert {k: [c.strip("*") for c in v] for k, v in shown.items()} == real


THRESHOLDS = re.compile(r"^- \*\*Thresholds\*\*.*?\(([\d.]+)\).*?\(([\d.]+)\)\.\n", re.S | re.M)


def test_readme_judge_thresholds_are_the_committed_ones():
    """The thresholds the README quotes are judge.json's, to the digit: retraining the judge moves them, and then
    the README must be changed with it."""
    m = THRESHOLDS.search(README.read_text(encoding="utf-8"))
    assert m, "README.md has no **Thresholds** bullet quoting (answer threshold) ... (entailed threshold)."
    meta = json.loads((ROOT / "rag" / "models" / "judge.json").read_text(encoding="utf-8"))
    entail = json.loads((ROOT / "rag" / "models" / "entail.json").read_text(encoding="utf-8"))["thresholds"]
    assert (float(m.group(1)), float(m.group(2))) == (meta["answer_threshold"], entail["entailed"]), (
        f"README.md quotes {m.group(1)}/{m.group(2)}, rag/models/judge.json and entail.json have "
        f"{meta['answer_threshold']}/{entail['entailed']}")


GENERATED = ("bench/results/",)  # what `make bench` writes: named, not committed


def test_readme_names_only_files_and_modules_that_exist():
    """Every path of the project the README names in backticks, and every `python -m` module it runs, exists."""
    text = README.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:rag|bench|tests|prompts|seeds|\.ci)/[\w./-]+)`", text))
    paths |= set(re.findall(r"(?<![\w./])((?:rag|bench|tests)/[\w/]+\.py)\b", text))
    missing = [p for p in sorted(paths) if not p.startswith(GENERATED) and not (ROOT / p).exists()]
    modules = set(re.findall(r"python -m ([\w.]+)", text))
    assert modules, "README.md runs no `python -m` module: the pattern is stale"
    missing += [f"python -m {m}" for m in sorted(modules)
                if not (ROOT / (m.replace(".", "/") + ".py")).exists() and not (ROOT / m.replace(".", "/")).is_dir()]
    assert missing == []


def update_readme() -> None:
    """Rewrite the README's `rag ask` and `rag ask --json` blocks from a run on a fresh seeds index; print
    the seeds table's figures (the table's layout and bold marks are left to the writer)."""
    text = README.read_text(encoding="utf-8")
    args, _ = ask_example(text)
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        rag(index, ["ingest", str(ROOT / "seeds")])
        printed = rag(index, args).rstrip("\n")
        real = json.loads(rag(index, [*args, "--json"]))
        report = json.loads(rag(index, ["eval", str(EVAL / "seeds_dev.jsonl"), "--json", "--compare-baseline"]))
    m = ASK.search(text)
    text = text[:m.start(2)] + printed + text[m.end(2):]
    m = JSON.search(text)
    text = text[:m.start(2)] + json_block(real) + text[m.end(2):]
    README.write_text(text, encoding="utf-8")
    for name, cells in rows_from(report).items():
        print(f"seeds_dev {name}: hit@1, hit@5, recall@5, MRR@10 = {' | '.join(cells)}")


if __name__ == "__main__":
    update_readme()
