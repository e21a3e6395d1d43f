# auth0link — developer entry points. `make demo` and `make test` work on a fresh Debian or Ubuntu machine.
# PYTHON: python3 when it is 3.11 or newer, else the newest python3.N (N >= 11) on PATH.
PYTHON ?= $(shell scripts/find-python.sh)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# pytest-xdist workers: one per core (the suite keeps ports, keyrings and browsers apart per worker).
WORKERS     ?= auto
PYTEST      := $(BIN)/python -m pytest -p no:cacheprovider -n $(WORKERS) --dist loadgroup
PYTEST_ARGS ?=

.PHONY: help venv system-deps lint fmt types test unit e2e demo bench docs docs-build docs-serve dist clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python 3.11 or newer found; install one, or pass PYTHON=python3.N" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || scripts/install-system-deps.sh --python-venv $(notdir $(PYTHON))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check pip==26.0.1
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[emulator,qr]' --group test --group lint --group dist --group docs
	touch $(STAMP)

venv: $(STAMP) ## Create .venv with the project, its extras and the pinned tools

system-deps: ## Install gnome-keyring, dbus and chromium if missing (apt)
	@scripts/install-system-deps.sh

lint: venv ## ruff check + ruff format --check + test docstrings (interrogate)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/interrogate -c pyproject.toml tests

fmt: venv ## Format and autofix (ruff format + ruff check --fix)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

types: venv ## mypy --strict
	$(BIN)/mypy

# pytest exits 5 when it collected no test: like any other non-zero exit, that fails the target.
test: venv system-deps lint types docs-build ## Lint, types, the docs build and every test in parallel, with coverage
	$(PYTEST) --cov --cov-report= $(PYTEST_ARGS)
	@$(BIN)/coverage report --format=total | sed 's/^/coverage (in-process, branches): /; s/$$/ %/'

unit: venv ## Only the fast tests (no subprocess, no browser, no keyring, nothing slow)
	$(PYTEST) -m "not e2e and not browser and not keyring and not slow" $(PYTEST_ARGS)

e2e: venv system-deps ## Only the end-to-end and browser tests (real CLI processes, emulator, Chromium)
	$(PYTEST) -m "e2e or browser" $(PYTEST_ARGS)

demo: venv system-deps ## Emulator + login -> link -> identities -> unlink, end to end
	$(BIN)/python scripts/demo.py

bench: venv ## Benchmarks (figures for docs/performance.md)
	@scripts/install-system-deps.sh --bench
	scripts/with-keyring.sh $(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/emulator.py
	$(BIN)/python benchmarks/emulator_startup.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/batch_pipeline.py
	$(BIN)/python benchmarks/suggest.py
	$(BIN)/python benchmarks/suggest_memory.py
	$(BIN)/python benchmarks/emulator_export.py

docs: venv ## Regenerate the docs' captured help output, walkthrough transcript and identities SVG
	$(BIN)/python scripts/gen_docs.py

docs-build: venv ## Build the documentation site into site/ (mkdocs --strict: a broken link fails)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: venv ## Preview the documentation site on http://127.0.0.1:8000 (reloads on save)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

dist: venv ## Build the sdist and wheel into dist/ and check them (twine check)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

clean: ## Remove the venv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache build dist site .coverage .coverage.*
