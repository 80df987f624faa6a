"""template.yaml declares ``AWS_ENDPOINT_URL: ""`` for `sam local --env-vars`; the local stack must
never hand that empty value to a function, or the function would talk to real AWS."""

from __future__ import annotations

import pytest

from local.runtime import FunctionSpec

pytestmark = pytest.mark.integration


def test_no_function_is_configured_with_the_templates_empty_endpoint(
    function_specs_by_id: dict[str, FunctionSpec], moto_endpoint: str
):
    assert function_specs_by_id
    for logical_id, spec in function_specs_by_id.items():
        assert "AWS_ENDPOINT_URL" not in spec.configured, logical_id
        assert spec.environment["AWS_ENDPOINT_URL"] == moto_endpoint, logical_id


def test_a_handler_invoked_in_process_reaches_moto(invoke_handler, moto_endpoint: str):
    event = {
        "resource": "/health",
        "path": "/health",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"requestId": "endpoint-check", "stage": "test"},
        "body": None,
        "isBase64Encoded": False,
    }
    response = invoke_handler("HealthFunction", event)
    assert response["statusCode"] == 200, response
    assert '"reachable"' in response["body"], response["body"]
