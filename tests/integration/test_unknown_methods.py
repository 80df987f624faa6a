"""Methods API Gateway has no place for, sent over raw HTTP to the local stack.

What the deployed API answers (API Gateway, REST API): a resource's methods are GET, POST, PUT,
PATCH, DELETE, HEAD and OPTIONS, and ``ANY`` stands for those seven. A request whose method
matches no method of the API, on a path the API has or not, gets the MISSING_AUTHENTICATION_TOKEN
gateway response: ``403 {"message":"Missing Authentication Token"}`` by default, and with
template.yaml's customisation a ``404`` problem document ("No route matches this path.") with the
template's headers, the security headers included, and ``x-amzn-ErrorType:
MissingAuthenticationTokenException``. That holds for ``TRACE`` and ``CONNECT`` too: API Gateway
has no 405 (the local stack used to answer them with a 405 problem, and any other unknown method
with http.server's 501 page). On the deployed edge-optimized endpoint CloudFront stands in front
and refuses a method outside those seven itself, with its own 403 (Invalid method), before API
Gateway sees it; the local stack emulates API Gateway, not CloudFront.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from local import LocalStack
from local.template import strip_quotes

ODD_METHODS = ["PROPFIND", "FOO", "purge", "TRACE", "CONNECT", "M-SEARCH", "get"]
KNOWN_PATHS = ["/health", "/articles", "/articles/some-slug/comments", "/me"]
UNKNOWN_PATHS = ["/no/such/thing", "/"]
SECURITY_HEADERS = {
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Referrer-Policy",
    "Cache-Control",
}


def _raw(base_url: str, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    try:
        connection.request(method, path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _template_response(local_stack: LocalStack) -> dict[str, Any]:
    api = local_stack.gateway.default_api
    assert api is not None
    spec: dict[str, Any] = api.gateway_responses["MISSING_AUTHENTICATION_TOKEN"]
    return spec


@pytest.mark.parametrize("path", KNOWN_PATHS + UNKNOWN_PATHS)
@pytest.mark.parametrize("method", ODD_METHODS)
def test_a_method_api_gateway_has_not_gets_the_missing_authentication_token_response(
    local_stack, method, path
):
    spec = _template_response(local_stack)
    status, headers, body = _raw(local_stack.base_url, method, path)

    assert status == int(spec["StatusCode"]) == 404
    expected_headers = {
        name: strip_quotes(value) for name, value in spec["ResponseParameters"]["Headers"].items()
    }
    assert {name: headers.get(name) for name in expected_headers} == expected_headers
    assert set(headers) >= SECURITY_HEADERS
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert "Allow" not in headers
    problem = json.loads(body)
    template = spec["ResponseTemplates"]["application/json"]
    assert problem == json.loads(
        template.replace("$context.requestId", headers["x-amzn-RequestId"])
    )
    assert problem["type"] == "urn:problem:byline:not-found"
    assert problem["status"] == 404


def test_a_method_api_gateway_has_still_routes_as_before(local_stack):
    status, _, body = _raw(local_stack.base_url, "GET", "/health")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    status, headers, body = _raw(local_stack.base_url, "DELETE", "/health")
    assert status == 404  # a method the path does not have: the same answer as deployed
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert "Allow" not in headers
    assert json.loads(body)["detail"] == "No route matches this path."
