# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8123

.PHONY: demo test lint bench bench-clean fixtures clean-data

# Bootstraps .venv from the pinned lock file; re-runs only when the lock or pyproject changes.
$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

demo: $(STAMP)
	$(BIN)/python -m tests.demo --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: bench-clean

bench-clean: $(STAMP)
	$(BIN)/python -m bench.clean

# Rebuild the offline fixture web from ../shared/seeds (the result is committed).
fixtures: $(STAMP)
	$(BIN)/python -m tests.fixtureweb.build

clean-data:
	rm -rf data
