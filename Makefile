# citable: `make run` (set up, ingest seeds/ if there is no index, serve on 127.0.0.1) and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: install run ingest test lint eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(INDEX)/catalog.sqlite: | $(STAMP)
	$(BIN)/rag --index $(INDEX) ingest seeds

ingest: $(STAMP)
	$(BIN)/rag --index $(INDEX) ingest seeds

run: $(STAMP) $(INDEX)/catalog.sqlite
	RAG_INDEX_DIR=$(INDEX) $(BIN)/rag serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check rag tests app.py
	$(BIN)/python -m pytest -q -ra

lint: $(STAMP)
	$(BIN)/ruff check .

eval: $(STAMP)
	$(BIN)/rag --index $(INDEX) eval ../shared/eval/seeds_dev.jsonl

clean:
	rm -rf $(VENV) $(INDEX)
