# The two commands that matter: `make run` (serve on the embedded SQLite default) and
# `make test` (the whole suite). Both create .venv and install into it on first use.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: run test schema

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/tandem serve

test: $(BIN)/.installed
	$(BIN)/ruff check app tests migrations
	$(BIN)/ruff format --check app tests migrations
	$(BIN)/python -m pytest

schema: $(BIN)/.installed
	$(BIN)/tandem export-schema
