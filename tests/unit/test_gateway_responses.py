"""The problem documents API Gateway itself answers with (template.yaml's GatewayResponses).

A gateway response template is not VTL: it can substitute ``$context`` variables, and the
response's status is not one of them. So each response type API Gateway documents is declared
with its literal status, and its document says that status; the two fallbacks (DEFAULT_4XX,
DEFAULT_5XX), which serve statuses nobody can know in advance, claim none.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import pytest

from local.gateway import render_context
from local.template import Template

# https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
AWS_DEFAULT_STATUS = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}
DEFAULTS = ("DEFAULT_4XX", "DEFAULT_5XX")
RESPONSES: dict[str, dict[str, Any]] = Template.load().properties("Api")["GatewayResponses"]


def document(kind: str) -> dict[str, Any]:
    template = RESPONSES[kind]["ResponseTemplates"]["application/json"]
    parsed: dict[str, Any] = json.loads(render_context(template, "req-1", "Some message", kind))
    return parsed


def sent_status(kind: str) -> int:
    return int(RESPONSES[kind].get("StatusCode") or AWS_DEFAULT_STATUS[kind])


def test_every_gateway_response_type_is_declared_with_its_own_status() -> None:
    assert set(RESPONSES) == set(AWS_DEFAULT_STATUS) | set(DEFAULTS)
    for kind in AWS_DEFAULT_STATUS:
        assert "StatusCode" in RESPONSES[kind], kind


@pytest.mark.parametrize("kind", sorted(AWS_DEFAULT_STATUS))
def test_a_gateway_response_document_says_the_status_it_is_sent_with(kind: str) -> None:
    status = sent_status(kind)
    problem = document(kind)
    assert problem["status"] == status
    assert problem["title"] == HTTPStatus(status).phrase
    assert problem["instance"] == "req-1"
    assert problem["type"].startswith("urn:problem:byline:")
    assert status // 100 == AWS_DEFAULT_STATUS[kind] // 100  # a 4xx type stays a 4xx


@pytest.mark.parametrize("kind", DEFAULTS)
def test_the_fallback_gateway_responses_claim_no_status(kind: str) -> None:
    # Setting a StatusCode here would change the status of every undeclared type; a literal
    # "status" in the document would be wrong for all but one of the statuses it serves.
    assert "StatusCode" not in RESPONSES[kind]
    problem = document(kind)
    assert "status" not in problem
    assert {"type", "title", "detail", "instance"} <= problem.keys()
