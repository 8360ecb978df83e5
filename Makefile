# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8123
# pywb and py-wacz get their own venv: pywb pins redis==2.10.6, which breaks beside the redis
# client scrapy-redis needs.  Re-installs only when requirements-pywb.lock changes.
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test lint fixtures clean-data browse browser-deps replay wacz bench bench-clean \
  bench-tools soak scrapyd scrapyd-deps redis-deps

# Bootstraps .venv from the pinned lock file; re-runs only when the lock or pyproject changes.
$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(PYWB_STAMP): requirements-pywb.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-pywb.lock
	touch $@

# Serves the bundled fixture web (fixtureweb/) on 127.0.0.1:PORT as a proxy for its sites'
# hostnames, crawls it into data/demo offline, and prints the summary.
demo: $(STAMP)
	$(BIN)/python -m fixtureweb.demo --port $(PORT)

# ruff and the whole suite, offline, loopback only; first what its tests start for real:
# pywb's venv (replay, WACZ), Chromium and CJK fonts, Scrapyd, redis-server.
test: $(STAMP) $(PYWB_STAMP) browser-deps scrapyd-deps redis-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# Rebuild the offline fixture web from ../shared/seeds (the result is committed).
fixtures: $(STAMP)
	$(BIN)/python -m fixtureweb.build

clean-data:
	rm -rf data

# Debian packages, installed once: a quick no-op when they are there already.
define apt_install
@dpkg -s $(1) >/dev/null 2>&1 || { echo "installing $(1) (apt)"; \
  $(SUDO) apt-get update -qq && \
  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1); }
endef

# --- Exploring the database with Datasette (issue 5) ---------------------------------------
BROWSE_DB ?= data/demo/reports.db
BROWSE_PORT ?= 8001
# Where report pages link for replay: pywb as `make replay` serves it.
REPLAY_BASE ?= http://127.0.0.1:$(or $(REPLAY_PORT),8090)/reports/
DATASETTE_ARGS := -m datasette.yml --plugins-dir explore/plugins --template-dir explore/templates \
  --static explore:explore/static --setting truncate_cells_html 160 --setting facet_time_limit_ms 1000 \
  --setting max_returned_rows 5000
BROWSER_PKGS := chromium fonts-noto-cjk

# -i: immutable.  `BROWSE_MODE=` serves a database a crawl is still writing (read-only
# connections that follow its write-ahead log).
BROWSE_MODE ?= -i

# Datasette on loopback over a crawl database, read-only.  `make demo` first.  A killed crawl
# leaves rows in the write-ahead log, which an immutable open would not see: fold it in first.
browse: $(STAMP)
	@test -f $(BROWSE_DB) || { echo "no $(BROWSE_DB): run 'make demo' first, or set BROWSE_DB="; exit 1; }
	$(BIN)/python -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("pragma wal_checkpoint(truncate)")' $(BROWSE_DB)
	exec env GZBG_REPLAY_BASE=$(REPLAY_BASE) $(BIN)/datasette serve $(BROWSE_MODE) $(BROWSE_DB) \
	  $(DATASETTE_ARGS) -h 127.0.0.1 -p $(BROWSE_PORT)

# Debian's Chromium and CJK fonts for tests/e2e/test_browser.py.
browser-deps:
	$(call apt_install,$(BROWSER_PKGS))

# --- Archive: replay and WACZ (issue 4) ------------------------------------------------------
DATA ?= data/demo
REPLAY_PORT ?= 8090

# Serve DATA's WARCs with pywb on 127.0.0.1:REPLAY_PORT (collection `reports`).  `make demo` first.
replay: $(STAMP) $(PYWB_STAMP)
	$(BIN)/scrapy replay -s DATA_DIR=$(DATA) --port $(REPLAY_PORT)

# Package DATA's WARCs as DATA/reports.wacz (CDXJ index, pages.jsonl), validated by py-wacz.
wacz: $(STAMP) $(PYWB_STAMP)
	$(BIN)/scrapy wacz -s DATA_DIR=$(DATA)

# --- Benchmarks against peers (issue 8) ------------------------------------------------------
# `make bench`: bench.clean's table, then every crawl/cleaning/extraction/memory benchmark in one
# table (bench/results.md).  Not a dependency of `test`; the smoke test needs none of the tools.
BENCH_ARGS ?=
BENCH_PKGS := wget wrk

bench: bench-tools bench-clean
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-clean: $(STAMP)
	$(BIN)/python -m bench.clean

# wget (the archiving peer) and wrk (the server measured alone) from Debian, py-spy (profiles)
# pinned into .venv.
bench-tools: $(STAMP)
	$(call apt_install,$(BENCH_PKGS))
	@test -x $(BIN)/py-spy || $(BIN)/python -m pip install --quiet --disable-pip-version-check py-spy==0.4.3

# --- faults and safety (issue 7) ---
# Not in CI: a few thousand pages with faults mixed in; prints memory and open files over time.
SOAK_PAGES ?= 3000
soak: $(STAMP)
	$(BIN)/python -m bench.soak --pages $(SOAK_PAGES)
# --- end faults and safety ---

# --- scheduled crawls: Scrapyd (issue 6) ---
# Scrapyd and scrapyd-client pinned into .venv (a quick no-op once installed; the lock file
# carries them too).  `make scrapyd`: Scrapyd on 127.0.0.1:6800 (scrapyd.conf; eggs, logs and
# job database under data/scrapyd) with this project deployed (scrapy.cfg [deploy]), in the
# foreground: Ctrl-C stops it.  Jobs run from the repository root, so DATA_DIR=data is ./data.
# Scrapyd's job runner imports pkg_resources, which setuptools 81 removed: scrapyd 1.6.0
# requires setuptools<81.
SCRAPYD_PKGS := scrapyd==1.6.0 scrapyd-client==2.0.3 uberegg==0.1.1 setuptools==80.10.2
SCRAPYD_URL := http://127.0.0.1:6800/

scrapyd-deps: $(STAMP)
	@{ test -x $(BIN)/scrapyd -a -x $(BIN)/scrapyd-deploy && \
	  $(BIN)/python -c 'import pkg_resources' 2>/dev/null; } || \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check $(SCRAPYD_PKGS)

scrapyd: scrapyd-deps
	mkdir -p data/scrapyd
	@$(BIN)/scrapyd --pidfile= & pid=$$!; trap 'kill $$pid 2>/dev/null' INT TERM EXIT; \
	for i in $$(seq 150); do \
	  $(BIN)/python -c 'import urllib.request as r; r.urlopen("$(SCRAPYD_URL)daemonstatus.json")' \
	    2>/dev/null && break; sleep 0.2; done; \
	$(BIN)/scrapyd-deploy && echo "Scrapyd on $(SCRAPYD_URL) with gzbg deployed; Ctrl-C stops it" \
	  && wait $$pid
# --- end scheduled crawls ---

# --- distributed mode (issue 10) -------------------------------------------------------------
# Debian's redis-server for tests/e2e/test_distributed.py (the test starts its own on loopback).
redis-deps:
	$(call apt_install,redis-server)
# --- end distributed mode ---
