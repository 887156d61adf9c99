# Waymark — the two promised commands are `make run` and `make test`; the rest serve them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
CACHE_DIR ?= $(HOME)/.cache/waymark
# The machine's Python is the project's Python: uv never downloads one.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_CACHE_DIR ?= $(CACHE_DIR)/uv-cache
UV := $(or $(shell command -v uv 2>/dev/null),$(CACHE_DIR)/uv/bin/uv)
VENV := .venv
RUN := $(UV) run --frozen --no-sync

.PHONY: help setup test lint fmt infra-up infra-down infra-status run demo bench topics

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(CACHE_DIR)/uv/bin/uv:
	@echo "installing uv into $(CACHE_DIR)/uv"
	$(PYTHON) -m venv $(CACHE_DIR)/uv
	$(CACHE_DIR)/uv/bin/pip install --quiet 'uv>=0.5,<1'

$(VENV)/.synced: $(UV) uv.lock pyproject.toml libs/core/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --all-packages --frozen
	@touch $@

setup: $(VENV)/.synced ## install uv, the venv from uv.lock, the Kafka jars and FerretDB (idempotent)
	@deploy/local/stack.sh install

test: ## set up, start the local stack unless addresses are given, run every test suite
	@UV="$(UV)" bash tests/run.sh

lint: $(VENV)/.synced ## ruff, mypy strict, schema drift and compatibility, import contracts
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy libs/core/src services/trigger-ingest/src services/journey-engine/src services/channel-dispatch/src services/analytics/src
	$(RUN) python -m waymark.core.contracts.codegen --check
	$(RUN) python -m waymark.core.contracts.compat
	$(RUN) lint-imports

fmt: $(VENV)/.synced ## format and autofix
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

infra-up: ## start Kafka (KRaft) and FerretDB under .local/ (reuses a running stack)
	@deploy/local/stack.sh up

infra-down: ## stop the local stack
	@deploy/local/stack.sh down

infra-status:
	@deploy/local/stack.sh status

topics: $(VENV)/.synced ## create every topic on the local stack
	@set -a; eval "$$(deploy/local/stack.sh env)"; set +a; $(RUN) waymark topics ensure

run: setup infra-up topics ## the platform on the local stack, with its console and demo traffic
	@deploy/observability/install-tools.sh || echo "Prometheus could not be installed here; make run goes on without it"
	@set -a; eval "$$(deploy/local/stack.sh env)"; set +a; \
	$(RUN) python deploy/local/supervisor.py $(RUN_ARGS)

demo: setup infra-up topics ## the platform over a bounded scenario: a summary, checked against the simulator
	@set -a; eval "$$(deploy/local/stack.sh env)"; set +a; \
	$(RUN) python deploy/local/demo.py $(DEMO_ARGS)

bench: setup infra-up ## every benchmark; writes docs/benchmarks.md and bench/results/latest.json
	@set -a; eval "$$(deploy/local/stack.sh env)"; set +a; \
	$(RUN) python bench/run_all.py $(BENCH_ARGS)

# Docker path (needs a Docker engine with compose v2): one image, then the whole platform.
IMAGE ?= waymark:0.1.0

.PHONY: image compose-up compose-down

image: ## build the Waymark image from uv.lock (needs Docker)
	docker build -f deploy/docker/Dockerfile -t $(IMAGE) .

compose-up: image ## the platform with Kafka, MongoDB, Prometheus, Grafana and demo traffic (needs Docker)
	WAYMARK_IMAGE=$(IMAGE) docker compose -f deploy/compose/compose.yaml --env-file "$$(deploy/compose/env.sh)" up -d

compose-down:
	docker compose -f deploy/compose/compose.yaml --env-file "$$(deploy/compose/env.sh)" down

.PHONY: observability-tools
observability-tools: ## Prometheus and promtool (Debian package) for the observability tests
	@deploy/observability/install-tools.sh
