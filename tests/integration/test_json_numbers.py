"""JSON numbers Python cannot or should not hold: an integer of thousands of digits (Python's
int max-str-digits limit raises ValueError, not JSONDecodeError), an exponent that overflows to
infinity, and the NaN/Infinity literals that are not JSON at all. Every JSON route, anonymous or
not, answers a 400 problem document, wherever in the body the number stands, and nothing is
reported as an unhandled error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from byline import observability
from tests.support.identity_helpers import make_user
from tests.support.problems import assert_problem

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"
HUGE_INTEGER = "1" + "0" * 5000

HUGE_NUMBERS: dict[str, str] = {
    "huge integer": '{"hour": ' + HUGE_INTEGER + "}",
    "huge negative integer": '{"hour": -' + HUGE_INTEGER + "}",
    "huge integer deep in objects and arrays": (
        '{"a": {"b": [1, {"c": [[' + HUGE_INTEGER + "]]}]}}"
    ),
    "huge integer as a second field": '{"username": "someone", "password": ' + HUGE_INTEGER + "}",
    "huge exponent": '{"hour": 1e999999}',
    "huge negative exponent": '{"hour": -1e999999}',
    "float of thousands of digits": '{"hour": 0.' + "1" * 5000 + "}",
    "NaN literal": '{"hour": NaN}',
    "Infinity literal": '{"hour": Infinity}',
    "-Infinity literal": '{"hour": [-Infinity]}',
}

# (method, path, needs a token): anonymous routes and signed-in ones
ROUTES = [
    ("POST", "/auth/signup", False),
    ("POST", "/auth/login", False),
    ("POST", "/auth/refresh", False),
    ("POST", "/auth/confirm", False),
    ("PUT", "/me/subscription", True),
    ("PATCH", "/me", True),
    ("POST", "/articles", True),
    ("PUT", "/users/someone/role", True),
]


@pytest.fixture(scope="module")
def admin(local_api):
    return make_user(local_api, "admin")


@pytest.mark.parametrize("body_name", sorted(HUGE_NUMBERS))
@pytest.mark.parametrize(("method", "path", "signed_in"), ROUTES, ids=lambda v: str(v))
def test_a_number_python_cannot_hold_is_a_400_problem_on_every_json_route(
    local_api, admin, method, path, signed_in, body_name
):
    headers = {"Content-Type": "application/json", **(admin.auth if signed_in else {})}
    response = requests.request(
        method, f"{local_api}{path}", data=HUGE_NUMBERS[body_name], headers=headers, timeout=30
    )
    assert response.status_code == 400, response.text[:300]
    assert_problem(response)
    assert response.json()["type"] == "urn:problem:byline:malformed-json"


@pytest.fixture
def unhandled_reports(monkeypatch) -> list[Any]:
    """What the handlers report as unhandled: UnhandledErrors metrics and exception logs."""
    reports: list[Any] = []
    add_metric = observability.metrics.add_metric
    log_exception = observability.logger.exception

    def metric(*args: Any, **kwargs: Any) -> None:
        if kwargs.get("name") == "UnhandledErrors" or "UnhandledErrors" in args:
            reports.append(("metric", args, kwargs))
        add_metric(*args, **kwargs)

    def exception(*args: Any, **kwargs: Any) -> None:
        reports.append(("log", args, kwargs))
        log_exception(*args, **kwargs)

    monkeypatch.setattr(observability.metrics, "add_metric", metric)
    monkeypatch.setattr(observability.logger, "exception", exception)
    return reports


@pytest.mark.parametrize("body_name", sorted(HUGE_NUMBERS))
@pytest.mark.parametrize(
    ("function", "event_file"),
    [
        ("AuthSignupFunction", "auth_signup.json"),
        ("SubscriptionPutFunction", "subscription_put.json"),
    ],
)
def test_a_number_python_cannot_hold_reports_no_unhandled_error(
    invoke_handler, unhandled_reports, function, event_file, body_name
):
    event = json.loads((EVENTS / event_file).read_text(encoding="utf-8"))
    event["body"] = HUGE_NUMBERS[body_name]
    event["isBase64Encoded"] = False
    response = invoke_handler(function, event)
    assert response["statusCode"] == 400, response["body"][:300]
    assert unhandled_reports == []


def test_the_unhandled_error_spy_sees_an_unhandled_error(
    invoke_handler, unhandled_reports, monkeypatch
):
    """The spy above is not blind: a handler that fails unexpectedly is reported through it."""
    from byline.services import health

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    event = json.loads((EVENTS / "health.json").read_text(encoding="utf-8"))
    monkeypatch.setattr(health, "check", broken, raising=True)
    response = invoke_handler("HealthFunction", event)
    assert response["statusCode"] == 500
    assert [kind for kind, *_ in unhandled_reports] == ["log", "metric"]
