"""Warm invocation overhead: CPU time per request of a warm handler, AWS answered by a fake.

``GET /articles/{article}`` and ``POST /articles`` are invoked in this process with the REST
proxy events API Gateway sends (``local.events.api_gateway_proxy_event``), through:

- Byline's functions (functions/article_get, functions/article_create) with the layer's
  DynamoDB client replaced by :class:`FakeDynamoDB` (``byline.aws.dynamodb``, which
  ``byline.data.table.table()`` holds);
- the floor (bench/floor) and the FastAPI + Mangum version (bench/fastapi_app), their
  module-level client replaced by the same fake.

The fake answers at once from canned responses, so no botocore code runs (no serialisation,
signing or HTTP): what is timed is the handler's own code, from the event to the response dict.
The read returns the same published article to all three (about 9 KB of Markdown and its HTML);
the write creates a draft from the same body and makes one TransactWriteItems. Byline's write is
timed without an ``Idempotency-Key`` (with one, powertools adds a PutItem and an UpdateItem of its
record, answered by the same fake).

Tracing is off (``POWERTOOLS_TRACE_DISABLED``): with it on, every request would also build and
send X-Ray segments, which neither comparison does. Logger and Metrics are on as deployed (their
output goes to /dev/null). Each target runs ``--warmup`` requests, then ``--rounds`` rounds of
``--iterations`` requests timed with ``time.process_time``; the median round's mean is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import report
from bench.sandbox import BENCH, has_module
from local.events import HttpRequest, RouteMatch, api_gateway_proxy_event
from local.template import REPO_ROOT

SECTION_HEADING = "## Warm invocation overhead"
READ_TARGET = 3.0
"""Byline's read within 3x of the floor."""
ENVIRONMENT = {
    "TABLE_NAME": "byline-bench",
    "STAGE": "bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Byline",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_LOGGER_LOG_EVENT": "false",
    "SITE_URL": "https://byline.example",
}
PARAGRAPH = (
    "Serverless Python pays for every millisecond of **init** and every request. This "
    "paragraph has a [link](https://example.com/docs), some `inline code` and enough words "
    "to look like the body of a real article about DynamoDB single-table design.\n\n"
)
BODY = "# A benchmark article\n\n" + PARAGRAPH * 30 + "```python\nprint('hello')\n```\n"
SLUG = "a-benchmark-article"
USER = "author"
SUB = "00000000-0000-0000-0000-000000000001"
PROFILE = {
    "PK": {"S": f"USER#{USER}"},
    "SK": {"S": "PROFILE"},
    "kind": {"S": "profile"},
    "username": {"S": USER},
    "sub": {"S": SUB},
    "role": {"S": "author"},
    "confirmed": {"BOOL": True},
}


class FakeDynamoDB:
    """Answers the DynamoDB calls of these two routes from canned responses."""

    def __init__(self, article: dict[str, Any]) -> None:
        self.article = article
        self.calls = 0

    def query(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {"Items": [self.article], "Count": 1, "ScannedCount": 1}

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {}

    def put_item(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {}

    def update_item(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {"Attributes": {}}

    def get_item(self, **request: Any) -> dict[str, Any]:
        """The caller's profile, which every authenticated request reads first."""
        self.calls += 1
        if request.get("Key", {}).get("PK", {}).get("S") == f"USER#{USER}":
            return {"Item": PROFILE}
        return {}


class Context:
    """A Lambda context, as far as powertools reads it."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = "512"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _prepare() -> None:
    """The functions' environment, and the layer importable as on Lambda."""
    os.environ.update(ENVIRONMENT)
    layer = str(REPO_ROOT / "layers" / "common")
    if layer not in sys.path:
        sys.path.insert(0, layer)


def stored_article() -> dict[str, Any]:
    """The published article as the table holds it (what Byline's create would have written)."""
    _prepare()
    from boto3.dynamodb.types import TypeSerializer

    from byline.content.markdown import excerpt, render

    rendered = render(BODY)
    now = datetime(2026, 11, 1, tzinfo=UTC).isoformat()
    article_id = "01JBENCH0000000000000000AA"
    item = {
        "PK": f"ARTICLE#{article_id}",
        "SK": "ARTICLE",
        "GSI1PK": f"SLUG#{SLUG}",
        "GSI1SK": "ARTICLE",
        "kind": "article",
        "id": article_id,
        "slug": SLUG,
        "title": "A benchmark article",
        "subtitle": "",
        "author": USER,
        "status": "published",
        "tags": ["python", "aws"],
        "body": BODY,
        "html": rendered.html,
        "excerpt": excerpt(rendered.text),
        "reading_minutes": 3,
        "like_count": 0,
        "comment_count": 0,
        "version": 3,
        "created_at": now,
        "updated_at": now,
        "published_at": now,
    }
    serializer = TypeSerializer()
    return {k: serializer.serialize(v) for k, v in item.items()}


def events() -> dict[str, dict[str, Any]]:
    claims = {
        "sub": SUB,
        "cognito:username": USER,
        "cognito:groups": "author",
        "email": "author@example.com",
        "exp": str(int(time.time()) + 86_400),
        "token_use": "id",
    }
    read = api_gateway_proxy_event(
        HttpRequest("GET", f"/articles/{SLUG}", headers=[("Accept", "application/json")]),
        RouteMatch("/articles/{article}", {"article": SLUG}),
        stage="bench",
        api_id="benchapi01",
    )
    body = json.dumps({"title": "A benchmark article", "body": BODY, "tags": ["python", "aws"]})
    write = api_gateway_proxy_event(
        HttpRequest(
            "POST",
            "/articles",
            headers=[("Content-Type", "application/json")],
            body=body.encode(),
        ),
        RouteMatch("/articles", {}),
        stage="bench",
        api_id="benchapi01",
        claims=claims,
    )
    return {"read": read, "write": write}


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


Handler = Callable[[dict[str, Any], Any], Any]


def empty_route() -> Handler:
    """Byline's resolver and entry point (powertools with validation, CORS, Logger, Tracer,
    Metrics, request limits, standard headers) around a route that does nothing: the part of
    a read that is the framework's."""
    from aws_lambda_powertools.event_handler import Response

    from byline.http.api import build_api, entrypoint

    app = build_api()

    @app.get("/articles/<article>")
    def nothing(article: str):  # type: ignore[no-untyped-def]  # no return model to resolve
        return Response(200, content_type="application/json", body="{}")

    return entrypoint(app)


@dataclass
class Target:
    name: str
    route: str
    handler: Handler
    event: dict[str, Any]
    expect: int


def targets(fake: FakeDynamoDB, only_byline: bool = False) -> list[Target]:
    """Handlers with the fake wired in. Byline's functions are loaded the way the local stack
    loads them (their folder's app.py under a unique module name)."""
    _prepare()
    from byline import aws
    from byline.data import table

    aws.dynamodb = lambda: fake  # type: ignore[assignment]  # the fake, not a cached client
    table.table.cache_clear()
    the_events = events()
    functions = REPO_ROOT / "functions"
    found = [
        Target(
            "Byline",
            "read",
            _load(functions / "article_get" / "app.py", "bench_byline_get").lambda_handler,
            the_events["read"],
            200,
        ),
        Target(
            "Byline",
            "write",
            _load(functions / "article_create" / "app.py", "bench_byline_create").lambda_handler,
            the_events["write"],
            201,
        ),
    ]
    found.append(Target("empty route", "read", empty_route(), the_events["read"], 200))
    if only_byline:
        return found
    floor: Any = _load(BENCH / "floor" / "app.py", "bench_floor")
    floor.dynamodb = fake
    found += [
        Target("floor", "read", floor.lambda_handler, the_events["read"], 200),
        Target("floor", "write", floor.lambda_handler, the_events["write"], 201),
    ]
    if has_module("fastapi") and has_module("mangum"):
        fastapi: Any = _load(BENCH / "fastapi_app" / "app.py", "bench_fastapi")
        fastapi.dynamodb = fake
        found += [
            Target("FastAPI", "read", fastapi.lambda_handler, the_events["read"], 200),
            Target("FastAPI", "write", fastapi.lambda_handler, the_events["write"], 201),
        ]
    return found


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Logger and Metrics write to stdout as on Lambda; here that goes to /dev/null."""
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        yield


def time_target(target: Target, warmup: int, rounds: int, iterations: int) -> dict[str, Any]:
    context = Context()
    with quiet():
        for _ in range(warmup):
            response = target.handler(target.event, context)
    if response["statusCode"] != target.expect:
        raise RuntimeError(f"{target.name} {target.route}: {response}")
    means = []
    with quiet():
        for _ in range(rounds):
            started = time.process_time()
            for _ in range(iterations):
                target.handler(target.event, context)
            means.append((time.process_time() - started) / iterations)
    return {
        "name": target.name,
        "route": target.route,
        "per_request": report.median(means),
        "rounds": means,
        "response_bytes": len(response.get("body") or ""),
    }


def measure(
    warmup: int = 50, rounds: int = 5, iterations: int = 300, only_byline: bool = False
) -> dict[str, Any]:
    fake = FakeDynamoDB(stored_article())
    results = []
    for target in targets(fake, only_byline):
        before = fake.calls
        results.append(time_target(target, warmup, rounds, iterations))
        results[-1]["dynamodb_calls_per_request"] = (fake.calls - before) / (
            warmup + rounds * iterations
        )
    return {"warmup": warmup, "rounds": rounds, "iterations": iterations, "results": results}


def render(results: dict[str, Any]) -> str:
    by = {(r["name"], r["route"]): r for r in results["results"]}
    routes = {"read": "GET /articles/{article}", "write": "POST /articles"}
    rows = []
    verdicts = []
    for route, label in routes.items():
        ours = by.get(("Byline", route))
        floor = by.get(("floor", route))
        fastapi = by.get(("FastAPI", route))
        if ours is None:
            continue
        ratio = ours["per_request"] / floor["per_request"] if floor else None
        rows.append(
            [
                label,
                report.us(ours["per_request"]),
                report.us(floor["per_request"]) if floor else "n/a",
                report.us(fastapi["per_request"]) if fastapi else "n/a",
                f"{ratio:.2f}" if ratio else "n/a",
                f"{ours['per_request'] / fastapi['per_request']:.2f}" if fastapi else "n/a",
            ]
        )
        if route == "read" and ratio is not None:
            verdicts.append(
                f"the read is {ratio:.2f}x the floor: "
                + ("within" if ratio <= READ_TARGET else f"{ratio / READ_TARGET:.2f}x over")
                + f" the {READ_TARGET:.0f}x target"
            )
    lines = [
        f"CPU time per request of a warm handler (µs; median of {results['rounds']} rounds of "
        f"{results['iterations']} requests after {results['warmup']} warm-up requests), with "
        "DynamoDB answered in-process by a fake (no botocore code runs) so that only the "
        "handler's code is timed. Tracing off, Logger and Metrics on. Byline's write without an "
        "Idempotency-Key. All three render the same Markdown on the write (Byline's content "
        "module).",
        "",
        report.table(
            ["route", "Byline", "floor", "FastAPI + Mangum", "Byline / floor", "Byline / FastAPI"],
            rows,
        ),
    ]
    if not any(r["name"] == "FastAPI" for r in results["results"]):
        lines += ["", "FastAPI and Mangum are not installed here: `make bench` installs them."]
    empty = by.get(("empty route", "read"))
    ours_read = by.get(("Byline", "read"))
    if empty and ours_read:
        lines += [
            "",
            f"Of Byline's read, {report.us(empty['per_request'])} µs is the framework around an "
            "empty route (the same `build_api()` and `entrypoint()`: powertools' resolver with "
            "validation and CORS, Logger, Tracer, Metrics, request limits, security headers); "
            f"the route itself (Query, deserialising, the model, its JSON and ETag) is the other "
            f"{report.us(ours_read['per_request'] - empty['per_request'])} µs.",
        ]
    if verdicts:
        lines += ["", "Target (reads within 3x of the floor): " + "; ".join(verdicts) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.warm", description=__doc__)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument(
        "--write", action="store_true", help="rewrite its sections of bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    results = measure(args.warmup, args.rounds, args.iterations)
    print(render(results))
    if args.write:
        report.write_section("warm", SECTION_HEADING, render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
