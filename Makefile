# Byline developer commands. `make dev` runs the API locally; `make test` runs every check.
# Both create their virtual environments on first use, so a fresh clone needs nothing else.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell pyenv which python3.13 2>/dev/null || command -v python3.13 || echo python3.13)
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
# SAM looks up `python3.13` on PATH to build; put the interpreter we use first.
SAM_PATH := $(dir $(realpath $(PYTHON))):$(PATH)

FUNCTION ?= HealthFunction
EVENT ?= events/health.json
PORT ?= 3000

.PHONY: help dev invoke test lint typecheck cfn-lint sam-validate build pytest openapi lock clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/dev.txt layers/common/requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 13), "Python 3.13 is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e layers/common
	@touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/sam.txt
	@touch $@

dev: $(VENV)/.installed ## Start the whole API on http://127.0.0.1:$(PORT) (Ctrl-C stops it)
	$(PY) -m local serve --port $(PORT)

invoke: $(VENV)/.installed ## Run one function with one event: make invoke FUNCTION=HealthFunction EVENT=events/health.json
	$(PY) -m local invoke $(FUNCTION) $(EVENT)

test: lint typecheck cfn-lint sam-validate build pytest ## Every check CI runs

lint: $(VENV)/.installed ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed ## mypy, strict on the layer
	$(VENV)/bin/mypy

cfn-lint: $(VENV)/.installed ## cfn-lint on template.yaml
	$(VENV)/bin/cfn-lint template.yaml

sam-validate: $(SAM_VENV)/.installed ## sam validate --lint
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region us-east-1

build: $(SAM_VENV)/.installed ## sam build (no Docker; native wheels for arm64)
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM) build --parallel

pytest: $(VENV)/.installed ## unit and integration tests
	$(VENV)/bin/pytest $(PYTEST_ARGS)

openapi: $(VENV)/.installed ## Regenerate layers/common/byline/openapi.json from the code
	$(PY) -m local.openapi --write

lock: ## Re-resolve the pinned requirement files from requirements/*.in
	bash scripts/lock.sh "$(PYTHON)"

clean: ## Remove virtual environments and build output
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .local .pytest_cache .mypy_cache .ruff_cache
