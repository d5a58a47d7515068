# tpdn_outcomes: every target builds its own virtual environment from nothing but Python.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint format notebooks bench clean help

help:
	@echo "make demo   - install and run the analysis on the bundled sample data"
	@echo "make test   - install with test extras, lint, type-check and run the whole suite"
	@echo "make lint   - ruff check, ruff format --check, mypy"
	@echo "make bench  - run the benchmarks in benchmarks/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[test]"
	@touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/tpdn-outcomes demo data/sample/sessions.csv

lint: $(VENV)/.installed-test
	$(BIN)/ruff check tpdn_outcomes tests benchmarks
	$(BIN)/ruff format --check tpdn_outcomes tests benchmarks
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format tpdn_outcomes tests benchmarks
	$(BIN)/ruff check --fix tpdn_outcomes tests benchmarks

test: $(VENV)/.installed-test lint
	MPLBACKEND=Agg $(BIN)/python -m pytest --nbmake notebooks tests tpdn_outcomes

notebooks: $(VENV)/.installed-test
	MPLBACKEND=Agg $(BIN)/python -m pytest --nbmake --overwrite notebooks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_load.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
