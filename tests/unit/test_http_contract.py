"""The HTTP contract every function shares, exercised through a resolver built like theirs."""

import json
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field

from byline.errors import Conflict
from byline.http.api import build_api, entrypoint
from byline.settings import get_settings


class Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=10)]


class Context:
    function_name = "test"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "ctx-1"


@pytest.fixture
def handler(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "byline-test")
    monkeypatch.setenv("MAX_BODY_BYTES", "1024")
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://app.example,https://admin.example")
    get_settings.cache_clear()
    app = build_api()

    @app.post("/drafts")
    def create(draft: Draft) -> Draft:
        if draft.title == "taken":
            raise Conflict("That title is taken.")
        if draft.title == "boom":
            raise RuntimeError("secret internals")
        return draft

    yield entrypoint(app)
    get_settings.cache_clear()


def call(handler, body, *, path="/drafts", method="POST", headers=None):
    event = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "pathParameters": None,
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"requestId": "req-42", "stage": "test", "path": path},
    }
    response = handler(event, Context())
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    return response["statusCode"], headers, response["body"]


def test_valid_body_reaches_the_route(handler):
    status, headers, body = call(handler, '{"title": "Hello"}')
    assert status == 200
    assert json.loads(body) == {"title": "Hello"}
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Request-Id"] == "req-42"


def test_schema_violations_are_422_problems_listing_each_field(handler):
    status, headers, body = call(handler, '{"title": "far too long a title", "extra": 1}')
    problem = json.loads(body)
    assert status == 422
    assert headers["Content-Type"] == "application/problem+json"
    assert problem["instance"] == "req-42"
    pointers = {(e["pointer"], e["type"]) for e in problem["errors"]}
    assert ("/title", "string_too_long") in pointers
    assert ("/extra", "extra_forbidden") in pointers


def test_malformed_json_is_a_400_problem(handler):
    status, headers, body = call(handler, '{"title": ')
    assert status == 400
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["type"].endswith("malformed-json")


def test_domain_errors_become_their_status(handler):
    status, _, body = call(handler, '{"title": "taken"}')
    assert status == 409
    assert json.loads(body)["detail"] == "That title is taken."


def test_unexpected_errors_are_500_problems_without_internals(handler):
    status, headers, body = call(handler, '{"title": "boom"}')
    assert status == 500
    assert headers["Content-Type"] == "application/problem+json"
    assert "secret" not in body
    assert "Traceback" not in body


def test_unknown_route_is_a_404_problem(handler):
    status, headers, _ = call(handler, None, path="/nowhere", method="GET")
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"


def test_oversized_body_is_refused_before_the_route_runs(handler):
    status, headers, body = call(handler, json.dumps({"title": "x" * 2000}))
    assert status == 413
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert json.loads(body)["instance"] == "req-42"


def test_non_json_body_is_a_415_problem(handler):
    status, _, _ = call(handler, "title=x", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_cors_allows_only_configured_origins(handler):
    _, headers, _ = call(handler, '{"title": "Hi"}', headers={"Origin": "https://admin.example"})
    assert headers["Access-Control-Allow-Origin"] == "https://admin.example"
    _, headers, _ = call(handler, '{"title": "Hi"}', headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers
