# Storefront tasks. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/storefront_test
PG_LOAD_URL ?= postgresql://postgres@127.0.0.1:5432/storefront_load

.PHONY: help install demo serve init test test-postgres load lint messages compile-messages bench audit fuzz clean

help: ## List the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the shop with its test tools

# The demo runs offline on the bundled FX snapshot, whose date only gets older: it lifts the
# rate-age limit (FX_MAX_AGE_HOURS, 120 h by default) so foreign prices stay visible. A real shop
# refreshes rates (`storefront fx refresh`, FX_REFRESH_MINUTES) and keeps the limit.
DEMO_ENV ?= FX_MAX_AGE_HOURS=0

demo: $(STAMP) ## Set up everything and run the demo shop on http://127.0.0.1:8000
	$(BIN)/storefront init
	$(DEMO_ENV) $(BIN)/storefront serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

init: $(STAMP) ## Migrate, compile translations, load the demo catalogue (idempotent)
	$(BIN)/storefront init

serve: $(STAMP) ## Serve without re-running init
	$(BIN)/storefront serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: $(STAMP) ## Set up and run every test (SQLite; PostgreSQL when TEST_DATABASE_URL is set)
	$(BIN)/pytest

test-postgres: $(STAMP) ## Run every test against PostgreSQL ($(PG_TEST_URL))
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest

load: $(STAMP) ## 1,000 concurrent checkouts on PostgreSQL, 2 workers: prints p50/p99 ($(PG_LOAD_URL), dropped and recreated)
	TEST_DATABASE_URL=$(PG_LOAD_URL) $(BIN)/pytest tests/load -m slow -s

lint: $(STAMP) ## ruff, mypy and the import-linter architecture contracts
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app
	$(BIN)/lint-imports

messages: $(STAMP) ## Extract UI strings into locales/messages.pot and merge them into every .po
	$(BIN)/pybabel extract -F babel.cfg -k N_ --sort-by-file --project=storefront -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching

compile-messages: $(STAMP) ## Compile .po catalogues (the app also does this when they change)
	$(BIN)/storefront i18n compile

bench: $(STAMP) ## Page throughput and latency next to the health endpoint (needs wrk for best figures)
	$(BIN)/python bench/bench_pages.py

audit: ## Lighthouse, axe and Nu HTML checker on a running demo shop (see ../shared/tools/audit)
	../shared/tools/audit/audit.sh http://$(HOST):$(PORT) /en/ /ja/ /ar/ /en/c/apparel /en/orders/lookup

fuzz: ## formfuzz against a running shop on a disposable database (see ../shared/tools/formfuzz)
	/tmp/formfuzz-venv/bin/python ../shared/tools/formfuzz/formfuzz.py http://$(HOST):$(PORT) --start /en/ /de/ /ar/

clean: ## Remove the virtualenv, the local database and media
	rm -rf $(VENV) var test-artifacts
