# tpdn_outcomes: every target builds its own virtual environment from nothing but Python.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint format notebooks bench docs screenshots app-screenshots clean help

help:
	@echo "make demo   - install and write the quarterly report of the bundled sample data"
	@echo "make test   - install with test extras, lint, type-check and run the whole suite"
	@echo "make lint   - ruff check, ruff format --check, mypy"
	@echo "make bench  - run the benchmarks in benchmarks/"
	@echo "make docs   - build the documentation site into site/ (warnings are errors)"
	@echo "make screenshots - re-take the report pictures of the clinic guide (docs/img/; needs chromium, poppler-utils)"
	@echo "make app-screenshots - re-take the pictures of the clinic app (docs/img/app_*.png; needs chromium)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[pdf]"
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[test]"
	@touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/tpdn-outcomes report data/sample/sessions.csv --quarter 2026Q2 --out reports \
		--export-date 2026-07-01 --format html,xlsx
	@# the PDF needs the system's Pango; without it the command says what to install
	-$(BIN)/tpdn-outcomes report data/sample/sessions.csv --quarter 2026Q2 --out reports \
		--export-date 2026-07-01 --format pdf --quiet
	@echo "The report is in reports/: open reports/tpdn_report_2026Q2_all_clinics.html"

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

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[docs]"
	@touch $@

docs: $(VENV)/.installed-docs
	rm -rf docs/notebooks && mkdir -p docs/notebooks && cp notebooks/*.ipynb docs/notebooks/
	$(BIN)/mkdocs build --strict --site-dir site

# the pictures of the sample report in docs/guide/clinic.md; re-take them when the report changes
screenshots: $(VENV)/.installed
	$(BIN)/python docs/scripts/screenshots.py

# the pictures of the clinic app in docs/app.md, the README and the clinic guide
app-screenshots: $(VENV)/.installed-test
	$(BIN)/python docs/scripts/app_screenshots.py

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_outcomes.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_hodges_lehmann.py
	$(BIN)/python benchmarks/bench_registry_measures.py

clean:
	rm -rf $(VENV) build site docs/notebooks *.egg-info .pytest_cache .mypy_cache .ruff_cache
