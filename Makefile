# Yachay — the two commands a newcomer needs are `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Web worker processes; empty: gunicorn.conf.py's default, 2 × cores + 1.
WORKERS ?=
# Links in emails and in the printed demo credentials point at the address served.
export YACHAY_SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: install js run test test-postgres test-credentials test-browser lint typecheck check messages bench-intake bench-checkin bench-learning bench-demo bench-promotion bench-selection bench-assignment bench-import bench-certificate-pdf bench-certificates bench-verify bench-peak bench-learning-profile bench-export bench-reports bench-transparency bench-privacy bench-engagement bench-engagement-send bench-risk clean bench-impact

# axe-core, pinned in package-lock.json, for the accessibility checks of the browser tests.
AXE := node_modules/axe-core/axe.min.js

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The JavaScript tools from npm (axe-core; the W3C credential verifiers), exactly as package-lock.json pins them.
js: $(AXE)

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

## Serve the demo on http://$(HOST):$(PORT) with gunicorn (DEBUG off, static files by WhiteNoise).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py signing_key_create --if-missing
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py surveys_import
	$(BIN)/python manage.py demo_credentials
	# The task worker (promotions, emails, offer expiry) runs beside the web server and stops with
	# it; it rides out a database restart, and if it dies anyway it is started again in 2 s.
	# The web server: gunicorn.conf.py (threaded workers, keep-alive, backlog, timeouts, the
	# overload limiter's threads; docs/operators.md).
	(trap 'kill $$w 2>/dev/null; exit 0' TERM; while :; do \
		$(BIN)/python manage.py worker & w=$$!; wait $$w; \
		echo "The task worker stopped (exit $$?); starting it again in 2 s." >&2; sleep 2; \
	done) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(if $(WORKERS),WEB_CONCURRENCY=$(WORKERS)) GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py

## The whole suite on SQLite (browser tests are run by `make test-browser`).
test: install
	$(BIN)/python -m pytest -m "not browser and not node" -q

## The same suite on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/yachay make test-postgres
test-postgres: install
	$(BIN)/python -m pytest -m "not browser and not node" -q

## Credentials issued here, verified by the W3C editors' JavaScript libraries (tools/verify-credentials.mjs).
test-credentials: install $(AXE)
	$(BIN)/python -m pytest -m node -q

## Browser tests: Playwright driving /usr/bin/chromium (Debian's), phone-sized viewport;
## axe-core checks every page they visit for WCAG 2.2 A/AA violations.
test-browser: install $(AXE)
	$(BIN)/python -m pytest -m browser -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy yachay

check: lint typecheck

## Extract and compile translations (needs GNU gettext).
messages: install
	cd yachay && ../$(BIN)/django-admin makemessages -l es -l en --no-location --no-obsolete
	cd yachay && ../$(BIN)/django-admin makemessages -d djangojs -l es -l en --no-location --no-obsolete
	cd yachay && ../$(BIN)/django-admin compilemessages

# Options for a bench, e.g. make bench-selection BENCH_ARGS='--candidates 2000 --no-write'
BENCH_ARGS ?=

bench-intake: install
	$(BIN)/python bench/intake_load.py $(BENCH_ARGS)

bench-checkin: install
	$(BIN)/python bench/checkin_load.py $(BENCH_ARGS)

bench-learning: install
	$(BIN)/python bench/learning_load.py $(BENCH_ARGS)

## Issue #17's figures: 5,000 learners (the goal) and 10,000 (past capacity: served, shed, p95).
bench-peak: install
	$(BIN)/python bench/learning_load.py --learners 5000 --output bench/results/learning-5000.md $(BENCH_ARGS)
	$(BIN)/python bench/learning_load.py --learners 10000 --output bench/results/learning-10000.md $(BENCH_ARGS)

## CPU time and queries per learner page, this checkout against another (MAIN_SRC: e.g. `git archive main | tar -x -C /tmp/main-src`).
MAIN_SRC ?= /tmp/main-src
bench-learning-profile: install
	$(BIN)/python bench/learning_profile.py --src $(MAIN_SRC) $(BENCH_ARGS)

bench-promotion: install
	$(BIN)/python bench/promotion_bench.py $(BENCH_ARGS)

bench-assignment: install
	$(BIN)/python bench/assignment_bench.py $(BENCH_ARGS)

bench-import: install
	$(BIN)/python bench/import_bench.py $(BENCH_ARGS)

bench-selection: install
	$(BIN)/python bench/selection_bench.py $(BENCH_ARGS)

bench-certificate-pdf: install
	$(BIN)/python bench/certificate_pdf_bench.py $(BENCH_ARGS)

# 20,000 certificates issued by two workers on PostgreSQL, beside the bare PDF render.
bench-certificates: install
	$(BIN)/python bench/certificate_issue_bench.py $(BENCH_ARGS)

# The verification page under 50 clients on gunicorn + PostgreSQL, beside a static file.
bench-verify: install
	$(BIN)/python bench/verify_load.py $(BENCH_ARGS)
bench-export: install
	$(BIN)/python bench/export_bench.py $(BENCH_ARGS)

bench-transparency: install
	$(BIN)/python bench/transparency_load.py $(BENCH_ARGS)

bench-reports: install
	$(BIN)/python bench/reports_bench.py $(BENCH_ARGS)
bench-engagement: install
	$(BIN)/python bench/engagement_bench.py $(BENCH_ARGS)

## Scoring the at-risk signal for 20,000 learners on PostgreSQL, beside a per-learner loop (BENCH_PG).
bench-risk: install
	$(BIN)/python bench/risk_bench.py $(BENCH_ARGS)

bench-engagement-send: install
	$(BIN)/python bench/engagement_send_bench.py $(BENCH_ARGS)
## The randomisation band of a 100,000-applicant run; the impact report on 20,000 respondents.
bench-impact: install
	$(BIN)/python bench/impact_bench.py $(BENCH_ARGS)

bench-demo: install
	$(BIN)/python bench/load_demo_bench.py $(BENCH_ARGS)

## Shredding 100,000 applicants, a learner's access export and cancellation, on PostgreSQL
## (BENCH_DB, default yachay_privreg, is dropped and made again).
bench-privacy: install
	$(BIN)/python bench/privacy_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles node_modules
