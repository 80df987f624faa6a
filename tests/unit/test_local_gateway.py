"""API Gateway emulation rules of the local stack, with a fake runtime (no sockets, no AWS)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from local.events import HttpRequest, RouteMatch, api_gateway_proxy_event, encode_body, sqs_event
from local.gateway import (
    Api,
    Authorizer,
    Cors,
    Gateway,
    MalformedResponse,
    Route,
    proxy_response,
    render_context,
)
from local.jwt_verify import CognitoIdTokenVerifier, TokenRejected
from local.runtime import Invocation
from tests.support.id_tokens import CLIENT, MALFORMED_CLAIMS, NOW, POOL, POOL_KEY, _jwks, _signed

GATEWAY_RESPONSES = {
    "UNAUTHORIZED": {
        "StatusCode": 401,
        "ResponseTemplates": {"application/json": '{"status":401,"instance":"$context.requestId"}'},
        "ResponseParameters": {
            "Headers": {
                "Content-Type": "'application/problem+json'",
                "WWW-Authenticate": "'Bearer'",
            }
        },
    },
    "MISSING_AUTHENTICATION_TOKEN": {
        "StatusCode": 404,
        "ResponseTemplates": {
            "application/json": '{"status":404,"detail":"No route","instance":"$context.requestId"}'
        },
        "ResponseParameters": {
            "Headers": {
                "Content-Type": "'application/problem+json'",
                "X-Frame-Options": "'DENY'",
            }
        },
    },
    "DEFAULT_4XX": {
        "ResponseParameters": {"Headers": {"Access-Control-Allow-Origin": "'*'"}},
    },
    "DEFAULT_5XX": {
        "ResponseTemplates": {
            "application/json": '{"title":"Gateway error","id":"$context.requestId"}'
        },
        "ResponseParameters": {"Headers": {"Content-Type": "'application/problem+json'"}},
    },
}


class FakeRuntime:
    """Answers every invocation with a canned outcome and remembers the events."""

    def __init__(self, outcome: Invocation) -> None:
        self.outcome = outcome
        self.events: list[dict[str, Any]] = []

    def invoke(self, logical_id: str, event: Any, *, request_id: str | None = None) -> Invocation:
        self.events.append(event)
        return self.outcome


def _authorizer(claims: dict[str, Any] | None) -> Authorizer:
    def verify(header: str | None) -> dict[str, Any]:
        if claims is None or header != "Bearer good":
            raise TokenRejected("bad")
        return claims

    return Authorizer(name="Cognito", header="Authorization", verify=verify)


def _gateway(
    outcome: Invocation,
    *,
    claims: dict[str, Any] | None = None,
    gateway_responses: dict[str, Any] = GATEWAY_RESPONSES,
) -> tuple[Gateway, FakeRuntime]:
    api = Api(
        logical_id="Api",
        stage="dev",
        api_id="abc123defg",
        cors=Cors(allow_origin="*", allow_headers="Authorization", max_age="600"),
        gateway_responses=gateway_responses,
        authorizers={},
        default_authorizer="Cognito",
    )
    routes = [
        Route(api, "GET", "/articles/{id}", "GetArticle", None),
        Route(api, "GET", "/articles/new", "NewArticle", None),
        Route(api, "POST", "/articles", "CreateArticle", _authorizer(claims)),
        Route(api, "ANY", "/files/{proxy+}", "Files", None),
    ]
    runtime = FakeRuntime(outcome)
    return Gateway(routes, runtime), runtime  # type: ignore[arg-type]


OK = Invocation("r", result={"statusCode": 200, "body": "{}"})


def _request(method: str, path: str, **kwargs: Any) -> HttpRequest:
    return HttpRequest(method=method, path=path, headers=[("Host", "127.0.0.1:3000")], **kwargs)


def _headers(response: Any) -> dict[str, str]:
    return dict(response.headers)


# ---------------------------------------------------------------- routing


def test_literal_segments_win_over_parameters():
    gateway, runtime = _gateway(OK)
    assert gateway.handle(_request("GET", "/articles/new")).function == "NewArticle"
    assert gateway.handle(_request("GET", "/articles/42")).function == "GetArticle"
    assert runtime.events[-1]["pathParameters"] == {"id": "42"}


def test_a_greedy_parameter_takes_the_rest_of_the_path_and_any_method():
    gateway, runtime = _gateway(OK)
    assert gateway.handle(_request("DELETE", "/files/a/b%20c")).function == "Files"
    assert runtime.events[-1]["pathParameters"] == {"proxy": "a/b c"}
    assert runtime.events[-1]["resource"] == "/files/{proxy+}"
    assert gateway.handle(_request("GET", "/files")).status == 404


def test_an_unknown_path_is_the_missing_authentication_token_response():
    """As API Gateway answers it: the template's MISSING_AUTHENTICATION_TOKEN response (a
    gateway response of its own type replaces DEFAULT_4XX, headers included)."""
    gateway, _ = _gateway(OK)
    response = gateway.handle(_request("GET", "/nowhere"))
    assert response.status == 404
    headers = _headers(response)
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    body = json.loads(response.body)
    assert body == {"status": 404, "detail": "No route", "instance": headers["x-amzn-RequestId"]}


def test_a_known_path_with_another_method_is_the_missing_authentication_token_response():
    gateway, runtime = _gateway(OK)
    response = gateway.handle(_request("PUT", "/articles"))
    assert response.status == 404
    assert _headers(response)["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert "Allow" not in _headers(response)
    assert runtime.events == []


@pytest.mark.parametrize("method", ["PROPFIND", "FOO", "purge", "get", "TRACE", "CONNECT"])
@pytest.mark.parametrize("path", ["/articles", "/articles/42", "/files/a/b", "/nowhere", "/"])
def test_a_method_no_resource_can_have_is_the_missing_authentication_token_response(method, path):
    """API Gateway has methods GET, POST, PUT, PATCH, DELETE, HEAD and OPTIONS (ANY is all of
    them); any other, TRACE and CONNECT included, matches no method on any path and gets the
    MISSING_AUTHENTICATION_TOKEN gateway response, here the template's 404. Not a 405, and an
    ANY route does not take it."""
    gateway, runtime = _gateway(OK)
    response = gateway.handle(_request(method, path))
    headers = _headers(response)
    assert response.status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert "Allow" not in headers
    body = json.loads(response.body)
    assert body == {"status": 404, "detail": "No route", "instance": headers["x-amzn-RequestId"]}
    assert runtime.events == []


def test_without_a_customised_response_a_foreign_method_is_api_gateways_own_403():
    responses = {k: v for k, v in GATEWAY_RESPONSES.items() if k != "MISSING_AUTHENTICATION_TOKEN"}
    gateway, _ = _gateway(OK, gateway_responses=responses)
    response = gateway.handle(_request("PROPFIND", "/articles"))
    assert response.status == 403
    assert json.loads(response.body) == {"message": "Missing Authentication Token"}
    assert _headers(response)["Access-Control-Allow-Origin"] == "*"  # DEFAULT_4XX's


def test_preflight_comes_from_the_cors_settings_without_calling_a_function():
    gateway, runtime = _gateway(OK)
    response = gateway.handle(_request("OPTIONS", "/articles"))
    headers = _headers(response)
    assert response.status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "OPTIONS,POST"
    assert headers["Access-Control-Allow-Headers"] == "Authorization"
    assert headers["Access-Control-Max-Age"] == "600"
    assert runtime.events == []


def test_the_stage_may_prefix_the_path():
    gateway, runtime = _gateway(OK)
    assert gateway.handle(_request("GET", "/dev/articles/7")).function == "GetArticle"
    assert runtime.events[-1]["path"] == "/articles/7"
    assert runtime.events[-1]["requestContext"]["path"] == "/dev/articles/7"


# ---------------------------------------------------------------- authorizer


def test_a_refused_token_gets_the_template_s_unauthorized_response():
    gateway, runtime = _gateway(OK, claims={"sub": "x"})
    response = gateway.handle(_request("POST", "/articles"))
    headers = _headers(response)
    assert response.status == 401
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["WWW-Authenticate"] == "Bearer"
    assert json.loads(response.body) == {"status": 401, "instance": headers["x-amzn-RequestId"]}
    assert runtime.events == []


def test_accepted_claims_reach_the_function_as_strings():
    gateway, runtime = _gateway(OK, claims={"sub": "x", "cognito:groups": ["a", "b"], "n": 5})
    request = HttpRequest(
        method="POST", path="/articles", headers=[("Authorization", "Bearer good")]
    )
    assert gateway.handle(request).status == 200
    claims = runtime.events[-1]["requestContext"]["authorizer"]["claims"]
    assert claims == {"sub": "x", "cognito:groups": "[a b]", "n": "5"}


# ---------------------------------------------------------------- function outcomes


def test_a_function_error_is_a_502_rendered_from_default_5xx():
    gateway, _ = _gateway(Invocation("r", error={"errorMessage": "boom", "errorType": "E"}))
    response = gateway.handle(_request("GET", "/articles/1"))
    assert response.status == 502
    assert _headers(response)["Content-Type"] == "application/problem+json"
    request_id = _headers(response)["x-amzn-RequestId"]
    assert json.loads(response.body) == {"title": "Gateway error", "id": request_id}


def test_a_timeout_is_a_504():
    gateway, _ = _gateway(Invocation("r", error={"errorMessage": "t"}, timed_out=True))
    assert gateway.handle(_request("GET", "/articles/1")).status == 504


def test_a_malformed_response_is_a_502():
    gateway, _ = _gateway(Invocation("r", result={"statusCode": 200, "body": {"a": 1}}))
    assert gateway.handle(_request("GET", "/articles/1")).status == 502


def test_render_context_quotes_message_string_like_api_gateway():
    rendered = render_context(
        '{"id":"$context.requestId","m":$context.error.messageString,"x":"$context.unknown"}',
        "req-1",
        'Say "hi"',
        "DEFAULT_4XX",
    )
    assert json.loads(rendered) == {"id": "req-1", "m": 'Say "hi"', "x": ""}


# ---------------------------------------------------------------- proxy responses


def test_headers_and_multi_value_headers_merge_with_multi_value_winning():
    status, headers, body = proxy_response(
        {
            "statusCode": 201,
            "headers": {"X-A": "1", "X-B": "single", "X-Num": 5, "X-Bool": True},
            "multiValueHeaders": {"x-b": ["m1", "m2"], "Set-Cookie": ["a=1", "b=2"]},
            "body": "created",
        }
    )
    assert status == 201
    assert body == b"created"
    assert ("X-A", "1") in headers
    assert ("X-Num", "5") in headers
    assert ("X-Bool", "true") in headers
    assert [v for k, v in headers if k.lower() == "x-b"] == ["m1", "m2"]
    assert [v for k, v in headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("Content-Type", "application/json") in headers  # API Gateway's default


def test_a_base64_body_is_decoded():
    _, _, body = proxy_response(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True}
    )
    assert body == b"\x00\xff"


def test_restricted_headers_are_remapped_and_content_length_is_recomputed():
    _, headers, _ = proxy_response(
        {
            "statusCode": 401,
            "headers": {"WWW-Authenticate": "Basic", "Connection": "close", "Content-Length": "9"},
        }
    )
    names = [k for k, _ in headers]
    assert "x-amzn-Remapped-WWW-Authenticate" in names
    assert "x-amzn-Remapped-Connection" in names
    assert all(k.lower() != "content-length" for k in names)


@pytest.mark.parametrize(
    "result",
    [
        "a string",
        None,
        [],
        {"body": "no status"},
        {"statusCode": "teapot"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True},
        {"statusCode": 200, "headers": {"X": ["a list"]}},
        {"statusCode": 200, "multiValueHeaders": {"X": "not a list"}},
        {"statusCode": 200, "extra": "field"},
    ],
    ids=repr,
)
def test_malformed_results_are_refused(result: Any):
    with pytest.raises(MalformedResponse):
        proxy_response(result)


# ---------------------------------------------------------------- event shapes


def test_the_proxy_event_uses_none_for_what_the_request_lacks():
    event = api_gateway_proxy_event(
        HttpRequest(method="GET", path="/health", received_at=datetime(2016, 7, 29, tzinfo=UTC)),
        RouteMatch("/health", {}),
        stage="local",
        api_id="abc",
        request_id="00000000-0000-4000-8000-000000000000",
    )
    assert event["headers"] is None
    assert event["multiValueHeaders"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert "authorizer" not in event["requestContext"]
    assert event["requestContext"]["requestTime"] == "29/Jul/2016:00:00:00 +0000"
    assert event["requestContext"]["requestTimeEpoch"] == 1469750400000


def test_bodies_are_text_when_they_are_utf8_and_base64_otherwise():
    assert encode_body(b"") == (None, False)
    assert encode_body("é".encode()) == ("é", False)
    assert encode_body(b"\xff") == ("/w==", True)


def test_sqs_records_look_like_lambda_s():
    event = sqs_event(
        [
            {
                "MessageId": "m1",
                "ReceiptHandle": "rh",
                "Body": "hello",
                "MD5OfBody": "5d41402abc4b2a76b9719d911017c592",
                "Attributes": {"ApproximateReceiveCount": "1"},
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}},
            }
        ],
        "arn:aws:sqs:us-east-1:123456789012:work",
    )
    (record,) = event["Records"]
    assert record["messageId"] == "m1"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":work")
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "x",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }


# ---------------------------------------------------------------- the Cognito authorizer


def _cognito_gateway() -> tuple[Gateway, FakeRuntime]:
    """A gateway whose one route is guarded by the real verifier, on a pool key the test holds."""
    verifier = CognitoIdTokenVerifier(
        region="us-east-1",
        pool_id=POOL,
        jwks=lambda: _jwks(POOL_KEY, "k1"),
        client_ids=lambda: {CLIENT},
        clock=lambda: NOW,
    )
    gateway, _ = _gateway(OK)
    api = gateway.routes[0].api
    cognito = Authorizer("Cognito", "Authorization", verifier.verify_header)
    runtime = FakeRuntime(OK)
    route = Route(api, "POST", "/articles", "CreateArticle", cognito)
    return Gateway([route], runtime), runtime  # type: ignore[arg-type]


def _bearer(token: str) -> HttpRequest:
    return HttpRequest(
        method="POST",
        path="/articles",
        headers=[("Host", "127.0.0.1:3000"), ("Authorization", f"Bearer {token}")],
        body=b"{}",
    )


@pytest.mark.parametrize("name", sorted(MALFORMED_CLAIMS))
def test_a_signed_token_with_a_malformed_claim_is_a_401_not_a_500(name: str):
    gateway, runtime = _cognito_gateway()
    response = gateway.handle(_bearer(_signed(**MALFORMED_CLAIMS[name])))
    assert response.status == 401
    assert runtime.events == []


def test_a_well_formed_token_of_the_same_key_reaches_the_function():
    gateway, runtime = _cognito_gateway()
    assert gateway.handle(_bearer(_signed())).status == 200
    assert runtime.events[0]["requestContext"]["authorizer"]["claims"]["aud"] == CLIENT


@pytest.mark.parametrize("exp", [10**20, float("nan")])
def test_claims_that_cannot_be_flattened_are_a_401_not_a_500(exp: float):
    gateway, runtime = _gateway(OK, claims={"sub": "s", "exp": exp})
    request = _request("POST", "/articles", body=b"{}")
    request = HttpRequest(
        method="POST",
        path="/articles",
        headers=[*request.headers, ("Authorization", "Bearer good")],
    )
    assert gateway.handle(request).status == 401
    assert runtime.events == []
