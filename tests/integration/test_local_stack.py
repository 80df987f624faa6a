"""The local stack over HTTP: template.yaml's routes, resources and authorizer, as API Gateway,
Lambda and Cognito would behave, against the session's moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from local.__main__ import write_state
from local.bootstrap import client
from local.gateway import proxy_response
from local.template import REPO_ROOT, Template, strip_quotes

pytestmark = pytest.mark.integration

EVENTS = REPO_ROOT / "events"
UNAUTHORIZED = {
    "type": "urn:problem:byline:unauthorized",
    "title": "Unauthorized",
    "status": 401,
    "detail": "A valid bearer token is required.",
}
TEMPLATE = Template.load()


def _api_routes() -> list[tuple[str, str, bool]]:
    """(method, path, protected) of every Api event in template.yaml."""
    routes = []
    for logical_id in TEMPLATE.of_type("AWS::Serverless::Function"):
        for event in (TEMPLATE.properties(logical_id).get("Events") or {}).values():
            if event["Type"] == "Api":
                props = event["Properties"]
                protected = (props.get("Auth") or {}).get("Authorizer") != "NONE"
                routes.append((props["Method"].upper(), props["Path"], protected))
    return routes


def _protected_route() -> tuple[str, str]:
    """A route the Cognito authorizer guards, preferring a GET without path parameters."""
    protected = [(m, p) for m, p, guarded in _api_routes() if guarded]
    assert protected, "template.yaml has no route the Cognito authorizer guards"
    return min(protected, key=lambda r: (r[0] != "GET", "{" in r[1], r[1]))


def _call(base: str, route: tuple[str, str], **kwargs: Any) -> requests.Response:
    method, path = route
    return requests.request(method, base + path, timeout=30, **kwargs)


def _json_body(result: dict[str, Any]) -> Any:
    body = result.get("body")
    return json.loads(body) if isinstance(body, str) else body


# ---------------------------------------------------------------- events/ and `local invoke`


def _event_files() -> list[Path]:
    return sorted(EVENTS.glob("*.json"))


def test_every_function_has_an_event_file_and_every_event_file_names_a_function(
    function_specs_by_id,
):
    folders = {spec.code_folder: lid for lid, spec in function_specs_by_id.items()}
    files = {path.stem for path in _event_files()}
    assert sorted(set(folders) - files) == [], "functions without events/<folder>.json"
    assert sorted(files - set(folders)) == [], "events/*.json that name no function"


@pytest.mark.parametrize("event_file", _event_files(), ids=lambda p: p.stem)
def test_every_event_file_runs_its_function_and_gets_a_valid_response(
    event_file, local_stack, function_specs_by_id
):
    logical_id = next(
        (lid for lid, s in function_specs_by_id.items() if s.code_folder == event_file.stem), None
    )
    assert logical_id, f"{event_file.name} names no function"
    event = json.loads(event_file.read_text(encoding="utf-8"))
    invocation = local_stack.runtime.invoke(logical_id, event)
    assert invocation.ok, invocation.error
    if "httpMethod" in event:
        status, _, _ = proxy_response(invocation.result)  # what API Gateway would accept
        assert 200 <= status < 600


def test_invoke_handler_calls_a_function_in_this_process(invoke_handler):
    event = json.loads((EVENTS / "health.json").read_text(encoding="utf-8"))
    response = invoke_handler("HealthFunction", event)
    assert response["statusCode"] == 200
    assert _json_body(response)["stage"] == "test"


def test_local_invoke_runs_a_function_against_a_temporary_moto(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "local",
            "invoke",
            "HealthFunction",
            "events/health.json",
            "--state",
            str(tmp_path / "absent.json"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    assert _json_body(response)["table"] == "reachable"
    assert "temporary moto" in result.stderr


@pytest.mark.slow
def test_local_invoke_uses_the_running_stack_recorded_in_its_state_file(tmp_path, local_stack):
    state = tmp_path / "stack.json"
    write_state(state, local_stack.state())
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "local",
            "invoke",
            "health",
            "events/health.json",
            "--state",
            str(state),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "using the running local stack" in result.stderr
    assert _json_body(json.loads(result.stdout))["stage"] == "test"


# ---------------------------------------------------------------- resources


def _props(logical_id: str) -> dict[str, Any]:
    return TEMPLATE.resources[logical_id]["Properties"]


def test_resources_created_match_the_template(stack_resources):
    stack = stack_resources.stack
    for logical_id in TEMPLATE.of_type("AWS::DynamoDB::Table"):
        ddb = client("dynamodb", stack.endpoint)
        name = stack.ref(logical_id)
        table = ddb.describe_table(TableName=name)["Table"]
        declared = _props(logical_id)
        assert table["KeySchema"] == declared["KeySchema"]
        assert {i["IndexName"]: i["KeySchema"] for i in table["GlobalSecondaryIndexes"]} == {
            i["IndexName"]: i["KeySchema"] for i in declared["GlobalSecondaryIndexes"]
        }
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        assert ttl["AttributeName"] == declared["TimeToLiveSpecification"]["AttributeName"]
        backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        pitr = backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        assert pitr == "ENABLED"
    s3 = client("s3", stack.endpoint)
    for logical_id in TEMPLATE.of_type("AWS::S3::Bucket"):
        bucket = stack.ref(logical_id)
        status = _props(logical_id)["VersioningConfiguration"]["Status"]
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == status
        assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    cognito = client("cognito-idp", stack.endpoint)
    pool_id = stack.ref("UserPool")
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    declared_groups = {
        _props(lid)["GroupName"] for lid in TEMPLATE.of_type("AWS::Cognito::UserPoolGroup")
    }
    assert declared_groups <= groups
    app_client = cognito.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=stack.ref("UserPoolClient")
    )["UserPoolClient"]
    assert set(app_client["ExplicitAuthFlows"]) == set(
        _props("UserPoolClient")["ExplicitAuthFlows"]
    )
    for logical_id in TEMPLATE.of_type("AWS::Events::EventBus"):
        assert client("events", stack.endpoint).describe_event_bus(Name=stack.ref(logical_id))
    for logical_id in TEMPLATE.of_type("AWS::SecretsManager::Secret"):
        secrets = client("secretsmanager", stack.endpoint)
        assert secrets.get_secret_value(SecretId=stack.ref(logical_id))["SecretString"]
    for logical_id in TEMPLATE.of_type("AWS::SQS::Queue"):
        assert client("sqs", stack.endpoint).get_queue_attributes(QueueUrl=stack.ref(logical_id))


def test_every_resource_is_created_or_knowingly_skipped(stack_resources):
    stack = stack_resources.stack
    assert stack.not_emulated() == []
    assert set(stack.refs) | set(stack.skipped) == set(TEMPLATE.resources)


def test_functions_see_the_local_resource_names(stack_resources, function_specs_by_id):
    spec = function_specs_by_id["HealthFunction"]
    assert spec.environment["TABLE_NAME"] == stack_resources.stack.ref("Table")
    assert spec.environment["USER_POOL_ID"] == stack_resources.stack.ref("UserPool")
    assert spec.environment["STAGE"] == "test"
    assert spec.environment["AWS_ENDPOINT_URL"] == stack_resources.stack.endpoint
    assert spec.environment["POWERTOOLS_SERVICE_NAME"] == "health"
    assert os.environ["TABLE_NAME"] == stack_resources["TABLE_NAME"]


# ---------------------------------------------------------------- routes over HTTP


def test_every_route_of_the_template_is_served(local_stack):
    served = {(r.method, r.path, r.protected) for r in local_stack.gateway.route_infos()}
    assert served == set(_api_routes())


def test_health_is_ok_with_the_table_reachable_and_security_headers(local_api):
    response = requests.get(f"{local_api}/health", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "ok"
    assert response.json()["table"] == "reachable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert response.headers["X-Request-Id"] == response.headers["x-amzn-RequestId"]


def test_openapi_document_is_served_as_json_by_its_function(local_api):
    response = requests.get(f"{local_api}/openapi.json", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["openapi"].startswith("3.")


def test_docs_page_is_html_and_its_script_and_styles_load(local_api):
    page = requests.get(f"{local_api}/docs", timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/docs/swagger-ui-bundle.js" in page.text
    script = requests.get(f"{local_api}/docs/swagger-ui-bundle.js", timeout=30)
    assert script.status_code == 200
    assert "javascript" in script.headers["Content-Type"]
    assert len(script.content) > 100_000
    initializer = requests.get(f"{local_api}/docs/swagger-initializer.js", timeout=30)
    assert '"/openapi.json"' in initializer.text
    assert requests.get(f"{local_api}/docs/swagger-ui.css", timeout=30).status_code == 200
    assert requests.get(f"{local_api}/docs/..%2Ftemplate.yaml", timeout=30).status_code == 404


def test_index_lists_every_route(local_api):
    listing = requests.get(local_api + "/", headers={"Accept": "application/json"}, timeout=30)
    routes = {(r["method"], r["path"]) for r in listing.json()["routes"]}
    assert routes == {(m, p) for m, p, _ in _api_routes()}
    assert "/health" in requests.get(local_api + "/", timeout=30).text


def test_unknown_path_is_a_404_problem(local_api):
    response = requests.get(f"{local_api}/no/such/thing", timeout=30)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:problem:byline:not-found"
    assert problem["status"] == 404
    assert problem["instance"] == response.headers["x-amzn-RequestId"]


def test_known_path_with_another_method_is_the_deployed_apis_404(local_api):
    """API Gateway (REST) answers a method a resource does not have with its
    MISSING_AUTHENTICATION_TOKEN gateway response, which the template makes a 404 problem."""
    response = requests.delete(f"{local_api}/health", timeout=30)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert response.json()["type"] == "urn:problem:byline:not-found"
    assert "Allow" not in response.headers


def test_preflight_is_answered_from_the_template_cors_settings(local_api):
    cors = TEMPLATE.properties("Api")["Cors"]
    response = requests.options(
        f"{local_api}/health",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == strip_quotes(cors["AllowMethods"])
    assert response.headers["Access-Control-Allow-Headers"] == strip_quotes(cors["AllowHeaders"])
    assert response.headers["Access-Control-Max-Age"] == strip_quotes(cors["MaxAge"])
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_stage_prefix_of_request_context_path_also_routes(local_api):
    assert requests.get(f"{local_api}/test/openapi.json", timeout=30).status_code == 200


# ---------------------------------------------------------------- the Cognito authorizer


def _assert_unauthorized(response: requests.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    problem = response.json()
    assert {k: problem[k] for k in UNAUTHORIZED} == UNAUTHORIZED
    assert problem["instance"] == response.headers["x-amzn-RequestId"]


def _moto_signing_key() -> Any:
    from moto.utilities.utils import load_resource

    return jwt.algorithms.RSAAlgorithm.from_jwk(
        json.dumps(load_resource("cognitoidp/resources/jwks-private.json"))
    )


def _resign(token: str, key: Any, **changes: Any) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


@pytest.fixture(scope="module")
def protected_route() -> tuple[str, str]:
    return _protected_route()


def test_a_request_without_a_token_is_refused(local_api, protected_route):
    _assert_unauthorized(_call(local_api, protected_route))


@pytest.mark.parametrize(
    "authorization",
    ["garbage", "Bearer garbage", "Bearer a.b.c", "Basic YWRtaW46cGFzc3dvcmQ=", "Bearer "],
)
def test_garbage_in_the_authorization_header_is_refused(local_api, protected_route, authorization):
    _assert_unauthorized(
        _call(local_api, protected_route, headers={"Authorization": authorization})
    )


def test_a_token_signed_with_another_key_is_refused(local_api, protected_route, id_token):
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = _resign(id_token("reader"), forger)
    _assert_unauthorized(
        _call(local_api, protected_route, headers={"Authorization": f"Bearer {forged}"})
    )


def test_an_expired_token_is_refused(local_api, protected_route, id_token):
    expired = _resign(id_token("reader"), _moto_signing_key(), exp=int(time.time()) - 1)
    _assert_unauthorized(
        _call(local_api, protected_route, headers={"Authorization": f"Bearer {expired}"})
    )


def test_a_token_for_another_app_client_is_refused(local_api, protected_route, id_token):
    other = _resign(id_token("reader"), _moto_signing_key(), aud="someoneelsesclient")
    _assert_unauthorized(
        _call(local_api, protected_route, headers={"Authorization": f"Bearer {other}"})
    )


def test_a_token_of_another_pool_is_refused(local_api, protected_route, id_token):
    other = _resign(
        id_token("reader"),
        _moto_signing_key(),
        iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_elsewhere",
    )
    _assert_unauthorized(
        _call(local_api, protected_route, headers={"Authorization": f"Bearer {other}"})
    )


def test_an_access_token_is_refused(local_api, protected_route, stack_resources, demo_users):
    from local.seed import login

    access = login(stack_resources.stack, "reader", demo_users[0].password)["AccessToken"]
    _assert_unauthorized(
        _call(local_api, protected_route, headers={"Authorization": f"Bearer {access}"})
    )


def test_a_valid_id_token_reaches_the_function_with_its_claims(local_api, id_token):
    assert ("GET", "/session", True) in _api_routes(), "GET /session (guarded) is gone"
    for authorization in (f"Bearer {id_token('admin')}", id_token("admin")):
        response = requests.get(
            f"{local_api}/session", headers={"Authorization": authorization}, timeout=30
        )
        assert response.status_code == 200, response.text
        session = response.json()
        assert session["username"] == "admin"
        assert session["role"] == "admin"
        assert session["groups"] == ["admin"]
        assert session["expires_at"]
