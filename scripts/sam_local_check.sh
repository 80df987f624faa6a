#!/usr/bin/env bash
# `make sam-local-check`: the standard SAM path, end to end, against a local stack's moto
# (docs/decisions/0016-sam-local-with-docker.md). Needs root-level Docker (a running dockerd);
# builds the Lambda image offline when it is missing (scripts/lambda_image.sh).
#
#  1. the Lambda image; 2. sam build for x86_64 into .aws-sam/sam-local (the arm64 build in
#  .aws-sam/build stays as it is); 3. a local stack whose moto listens on the Docker bridge;
#  4. python -m local sam-env writes SAM's env-vars file; 5. sam local invoke HealthFunction and
#  TagsListFunction (reads the table the stack seeded); 6. the guard: without the env-vars file
#  the layer refuses to make a client; 7. sam local start-api, and curl on public routes and on
#  one behind the Cognito authorizer (SAM does not run it: the function gets no claims).
# Each check prints one "ok"/"FAIL" line; the exit status is the number of failures (0: all ok).
set -uo pipefail

cd "$(dirname "$0")/.."
# this checkout's layer and local stack, whichever checkout the virtual environment was made in
export PYTHONPATH="$PWD/layers/common:$PWD${PYTHONPATH:+:$PYTHONPATH}"
PY=.venv/bin/python
SAM=.venv-sam/bin/sam
IMAGE=${LAMBDA_IMAGE:-byline/lambda-python3.13:local}
ARCH=${SAM_ARCH:-x86_64}
WORK=.local/sam-check
STATE=$WORK/stack.json
ENV_FILE=$WORK/sam-env.json
API_PORT=${SAM_CHECK_API_PORT:-3091}
LOCAL_PORT=${SAM_CHECK_LOCAL_PORT:-3090}
BUILD=.aws-sam/sam-local
FAILURES=0
PIDS=()

say() { printf '%s\n' "$*"; }
ok() { say "ok    $*"; }
fail() { say "FAIL  $*"; FAILURES=$((FAILURES + 1)); }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
}
trap cleanup EXIT

# SAM passes the caller's credentials into the containers: moto's fake ones, and no profile.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
  AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
  AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  SAM_CLI_TELEMETRY=0
# SAM looks up python3.13 on PATH to build the functions
PYTHON_BIN=$(dirname "$("${LAMBDA_PYTHON:-python3.13}" -c 'import sys; print(sys.executable)')")
export PATH="$PYTHON_BIN:$PATH"

docker info >/dev/null 2>&1 || {
  say "docker does not answer: start dockerd (as root: dockerd &), apt-get install docker.io"
  exit 2
}
mkdir -p "$WORK"

# 1. the image
if [ -n "$IMAGE" ]; then
  bash scripts/lambda_image.sh "$IMAGE" || { fail "Lambda image $IMAGE"; exit "$FAILURES"; }
  ok "Lambda image $IMAGE ($(docker image inspect --format '{{.Architecture}}' "$IMAGE"))"
fi
IMAGE_ARGS=()
[ -n "$IMAGE" ] && IMAGE_ARGS=(--invoke-image "$IMAGE" --skip-pull-image)

# 2. sam build for $ARCH
start=$SECONDS
if BYLINE_LAYER_ARCH=$([ "$ARCH" = arm64 ] && echo aarch64 || echo x86_64) \
  "$SAM" build --no-cached --parallel --build-dir "$BUILD" \
  --parameter-overrides "Architecture=$ARCH" >"$WORK/build.log" 2>&1; then
  ok "sam build ($ARCH) into $BUILD in $((SECONDS - start)) s"
else
  tail -20 "$WORK/build.log"
  fail "sam build: see $WORK/build.log"
  exit "$FAILURES"
fi

# 3. a local stack, moto on the default bridge's gateway (this machine, as containers see it)
BRIDGE=$(docker network inspect bridge --format '{{(index .IPAM.Config 0).Gateway}}' 2>/dev/null)
BRIDGE=${BRIDGE:-172.17.0.1}
rm -f "$STATE"
BYLINE_LOCAL_STATE=$STATE "$PY" -m local serve --port "$LOCAL_PORT" --moto-host "$BRIDGE" \
  --moto-port 0 --state "$STATE" >"$WORK/stack.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 180); do
  [ -s "$STATE" ] && break
  sleep 1
done
if [ -s "$STATE" ]; then
  ok "local stack up, moto at $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["moto_endpoint"])' "$STATE")"
else
  tail -20 "$WORK/stack.log"
  fail "the local stack did not start: see $WORK/stack.log"
  exit "$FAILURES"
fi

# 4. SAM's env-vars file
if "$PY" -m local sam-env --state "$STATE" --write "$ENV_FILE" 2>"$WORK/sam-env.log"; then
  ok "$(cat "$WORK/sam-env.log")"
else
  cat "$WORK/sam-env.log"
  fail "python -m local sam-env"
  exit "$FAILURES"
fi
TABLE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["Parameters"]["TABLE_NAME"])' "$ENV_FILE")

SAM_ARGS=(--template "$BUILD/template.yaml" --parameter-overrides "Architecture=$ARCH"
  --add-host host.docker.internal:host-gateway "${IMAGE_ARGS[@]}")

# Runs sam local invoke; prints the function's answer (its last stdout line).
invoke() { # function event [env-vars file]
  local env_args=()
  [ -n "${3:-}" ] && env_args=(--env-vars "$3")
  for attempt in 1 2; do
    "$SAM" local invoke "$1" --event "$2" "${env_args[@]}" "${SAM_ARGS[@]}" \
      >"$WORK/invoke-$1.out" 2>"$WORK/invoke-$1.err"
    grep -q "timed out after" "$WORK/invoke-$1.out" "$WORK/invoke-$1.err" || break
    # every `sam local invoke` is a cold start; on a busy 2-core machine one can pass the
    # function's 10 s: said, and tried once more
    [ "$attempt" = 1 ] && say "      $1 timed out (a cold start on a busy machine); once more" >&2
  done
  tail -1 "$WORK/invoke-$1.out"
}
# The function's own time from SAM's REPORT line (the rest is container start and image build).
duration() { # function
  sed -nE 's/.*Duration: ([0-9]+)[0-9.]* ms[[:space:]]+Billed.*/\1 ms in the function/p' \
    "$WORK/invoke-$1.out" "$WORK/invoke-$1.err" | tail -1
}
# Checks a Lambda proxy answer: status, and a Python expression on the parsed body (`body`).
check_answer() { # label answer status expression
  if "$PY" - "$2" "$3" "$4" <<'PYCHECK'; then ok "$1"; else fail "$1: $2"; fi
import json, sys
answer = json.loads(sys.argv[1])
body = json.loads(answer.get("body") or "null")
assert answer["statusCode"] == int(sys.argv[2]), answer["statusCode"]
assert eval(sys.argv[3], {"body": body}), body  # noqa: S307 - the check's own expression
PYCHECK
  say "      $(printf '%s' "$2" | head -c 150)..."
}

# 5. sam local invoke, with the env-vars file
start=$SECONDS
answer=$(invoke HealthFunction events/health.json "$ENV_FILE")
check_answer "sam local invoke HealthFunction ($((SECONDS - start)) s, $(duration HealthFunction))" \
  "$answer" 200 \
  'body["status"] == "ok"'
start=$SECONDS
answer=$(invoke TagsListFunction events/tags_list.json "$ENV_FILE")
check_answer "sam local invoke TagsListFunction, reads $TABLE ($((SECONDS - start)) s, $(duration TagsListFunction))" \
  "$answer" 200 'len(body["items"]) > 0'

# 6. without the env-vars file the guard stops the function before any AWS call
answer=$(invoke TagsListFunction events/tags_list.json)
if grep -q "Refusing to call AWS from .sam local." "$WORK/invoke-TagsListFunction.out" \
  "$WORK/invoke-TagsListFunction.err"; then
  ok "without --env-vars: the layer refuses to call AWS (answer $(printf '%s' "$answer" | head -c 80))"
else
  fail "without --env-vars the function did not refuse: $answer"
fi

# 7. sam local start-api, and curl on public routes
"$SAM" local start-api --port "$API_PORT" --host 127.0.0.1 --env-vars "$ENV_FILE" \
  "${SAM_ARGS[@]}" >"$WORK/start-api.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
  curl -s -o /dev/null "http://127.0.0.1:$API_PORT/health" && break
  sleep 1
done
for route in /health /tags /articles; do
  start=$SECONDS
  status=$(curl -s -o "$WORK/curl.out" -w '%{http_code}' "http://127.0.0.1:$API_PORT$route")
  if [ "$status" = 200 ]; then
    ok "sam local start-api: GET $route -> 200 ($((SECONDS - start)) s) $(head -c 100 "$WORK/curl.out")"
  else
    fail "sam local start-api: GET $route -> $status $(head -c 300 "$WORK/curl.out")"
  fi
done

# SAM does not run the Cognito authorizer ("not supported for local emulation, requests will
# not be authorized"): a protected route reaches the function with no claims, whatever the
# token, and the function answers 401. `make dev` verifies tokens as API Gateway does.
status=$(curl -s -o "$WORK/curl.out" -w '%{http_code}' \
  -H "Authorization: Bearer not-a-token" "http://127.0.0.1:$API_PORT/me")
if [ "$status" = 401 ]; then
  ok "sam local start-api: GET /me (Cognito authorizer) -> 401: the function got no claims"
else
  fail "sam local start-api: GET /me -> $status $(head -c 300 "$WORK/curl.out")"
fi

say "sam-local-check: $FAILURES failure(s); logs in $WORK/"
exit "$FAILURES"
