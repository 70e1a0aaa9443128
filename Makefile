# yibao-mart: `make run` (demo end to end) and `make test`. Everything installs on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data
DEMO_PERSONS ?= 20000
DEMO_YEARS ?= 3
PORT ?= 8050
HOST ?= 127.0.0.1
# chromium + driver: browser tests; fonts-noto-cjk + pango: Chinese PDF (WeasyPrint) and charts;
# poppler-utils (pdftotext, pdftoppm) and tesseract with chi_sim: the tests read the PDF back.
DEBIAN_PACKAGES := chromium chromium-driver fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
	poppler-utils tesseract-ocr tesseract-ocr-chi-sim openjdk-17-jre-headless

export YIBAO_DATA := $(DATA)
export YIBAO_LANDING := $(DATA)/landing/landing.duckdb
export YIBAO_WAREHOUSE := $(DATA)/warehouse/yibao.duckdb
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: run test install system-deps demo-data load build serve bench clean

run: install system-deps build serve ## demo end to end: install, generate, load, build, serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "==> installing into $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

system-deps: ## Debian packages for browser tests, PDF and CJK rendering (idempotent)
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo-data: install $(DATA)/raw/.complete

$(DATA)/raw/.complete:
	@echo "==> generating demo data ($(DEMO_PERSONS) persons, $(DEMO_YEARS) years)"
	$(BIN)/python -m ingest generate --out $(DATA)/raw --persons $(DEMO_PERSONS) --years $(DEMO_YEARS)
	touch $@

load: demo-data
	@echo "==> loading $(DATA)/raw into $(YIBAO_LANDING)"
	$(BIN)/python -m ingest load $(DATA)/raw

build: load
	@echo "==> dbt build into a new file, swapped in when every test passed"
	$(BIN)/python -m ingest build --docs

serve: ## the dashboard under gunicorn (python -m dashboard; docs/load-test.md)
	@echo "==> dashboard on http://$(HOST):$(PORT)/"
	$(BIN)/python -m dashboard --host $(HOST) --port $(PORT)

test: install system-deps ## the whole suite
	$(BIN)/python -m pytest

bench: install ## generate, load and build at demo and county size; figures go in the README
	$(BIN)/python scripts/bench_pipeline.py --persons $(DEMO_PERSONS) --years $(DEMO_YEARS)
	$(BIN)/python scripts/bench_pipeline.py --persons 400000 --years 1 --format csv
	$(BIN)/python scripts/bench_pipeline.py --persons 400000 --years 1 --format parquet

clean:
	rm -rf $(DATA) target logs
