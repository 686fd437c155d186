# Two commands: `make run` (install, migrate, seed, start web + worker + beat)
# and `make test` (install, run the whole suite). Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n 2
# `make run PORT=8080` when 8000 is taken; `make serve` listens on it too.
PORT ?= 8000
# Links in mails and the admin login line follow the port, unless SITE_URL is set.
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: install run test db lint format serve clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "SSB Tracker needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

db: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py ensure_admin

# Ctrl-C: honcho stops web, worker and beat, then exits 130. The trap keeps this
# shell alive through the SIGINT and 130 counts as success, so make does not
# end with "Error 130".
run: db
	@echo "Starting web ($(SITE_URL)), Celery worker and beat — Ctrl-C stops all three."
	@trap 'exit 0' INT; SITE_URL=$(SITE_URL) $(BIN)/honcho start --no-colour --port $(PORT) -f Procfile.dev \
		|| [ $$? -eq 130 ]

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var

# Production server: gunicorn sized from the CPU count (ssbtracker/gunicorn.conf.py),
# static files collected for WhiteNoise first. Needs DEBUG=0, SECRET_KEY, ALLOWED_HOSTS.
serve: install
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	PORT=$(PORT) $(BIN)/gunicorn --config ssbtracker/gunicorn.conf.py

# Benchmarks own the PostgreSQL databases they are given: each target names its own
# (created when missing), never the shell's DATABASE_URL, which they would wipe.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
# The load test measures this earlier commit first, the same way, for the CPU comparison.
LOAD_BEFORE ?= 75a9b22
BENCHES := bench-targets bench-intake bench-api bench-pages bench-search bench-reminders bench-webhooks bench-load

# Every benchmark, one after another; each prints its figures and goals. Exits non-zero
# when any goal is missed, after running the rest.
.PHONY: bench
bench: install
	@failed=""; for target in $(BENCHES); do \
		echo "== make $$target"; $(MAKE) --no-print-directory $$target || failed="$$failed $$target"; \
	done; \
	if [ -n "$$failed" ]; then echo "goals missed:$$failed"; exit 1; fi; echo "every benchmark met its goals"

# Timeline page vs the same rows as JSON, 2,000 milestones, through gunicorn (PostgreSQL).
.PHONY: bench-pages
bench-pages: install
	DATABASE_URL=$(BENCH_PG)/ssb_pages_bench $(BIN)/python bench/pages.py

# Load: 50 clients in 10 processes for 60 s, per-kind latency and server CPU, against
# LOAD_BEFORE too (PostgreSQL, Redis db 9).
.PHONY: bench-load
bench-load: install
	DATABASE_URL=$(BENCH_PG)/ssb_load REDIS_URL=redis://127.0.0.1:6379/9 $(BIN)/python bench/load.py --before $(LOAD_BEFORE)

# Reminder scan benchmark: needs PostgreSQL and wipes the database it is given.
.PHONY: bench-reminders
bench-reminders: install
	DATABASE_URL=$(BENCH_PG)/ssb_rem_bench $(BIN)/python bench/reminders.py

# Target parser: 100,000 mixed phrases, goal >= 50,000 phrases/s (no database).
.PHONY: bench-targets
bench-targets: install
	$(BIN)/python bench/targets.py

# REST API: milestone list vs a values()+orjson baseline, deep cursor page. PostgreSQL;
# the bench owns the database it is given (builds 2,000 orgs / 20,000 announcements / 10,000 milestones).
.PHONY: bench-api
bench-api: install
	DATABASE_URL=$(BENCH_PG)/ssb_bench $(BIN)/python bench/api.py

# Webhook sender benchmark: 10,000 events to 10 endpoints on a local receiver (any database).
.PHONY: bench-webhooks
bench-webhooks: install
	DATABASE_URL=$(BENCH_PG)/ssb_hook_bench $(BIN)/python bench/webhooks.py

# Search: full-text search (GIN) vs icontains on 10,000 milestones and 20,000 announcements,
# goal >= 5x. PostgreSQL; creates and owns ssb_search_bench.
.PHONY: bench-search
bench-search: install
	DATABASE_URL=$(BENCH_PG)/ssb_search_bench $(BIN)/python bench/search.py

# Intake reader: recall/precision of claims on the annotated corpus (goals >= 90% / >= 85%) and a
# 5,000-word article against 2,000 organisations in < 0.5 s (no database).
.PHONY: bench-intake
bench-intake: install
	$(BIN)/python bench/intake.py
