"""The local stack's emulation on a small template of its own: the behaviours template.yaml does
not exercise yet (function errors, timeouts, binary bodies, SQS batches, schedules) and the
exact shape of what a function receives."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from local import LocalStack
from local.bootstrap import bootstrap, client
from local.runtime import (
    Scheduler,
    SqsPoller,
    function_specs,
    schedules,
    sqs_mappings,
    timeout_factor,
)
from local.seed import login, seed
from local.template import REPO_ROOT, Template

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)

TOY_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: toy}
Conditions:
  IsToy: !Equals [!Ref Stage, toy]
  IsProd: !Not [!Condition IsToy]
Globals:
  Function:
    Runtime: python3.13
    CodeUri: fn/
    Timeout: 5
    MemorySize: 256
    Environment:
      Variables:
        STAGE: !Ref Stage
        QUEUE_URL: !Ref Queue
        POOL_ARN: !GetAtt Pool.Arn
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      Cors:
        AllowOrigin: "'https://toy.example'"
        AllowHeaders: "'Authorization'"
      Auth:
        DefaultAuthorizer: Pool
        AddDefaultAuthorizerToCorsPreflight: false
        Authorizers:
          Pool:
            UserPoolArn: !GetAtt Pool.Arn
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub toy-${Stage}
      Policies:
        PasswordPolicy: {MinimumLength: 10, RequireLowercase: true, RequireUppercase: true,
                         RequireNumbers: true, RequireSymbols: false}
  PoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ClientName: toy
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  DeadLetters:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub "toy-${Stage}-dead-letters"}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "toy-${Stage}-work"
      VisibilityTimeout: 0
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 5}
  ProdOnlyQueue:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/echo/{id}", Method: get}}
        Public:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: "/public/{proxy+}"
            Method: any
            Auth: {Authorizer: NONE}
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.consume
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
  Ticker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.tick
      Events:
        Every: {Type: Schedule, Properties: {Schedule: rate(5 minutes)}}
        WithInput:
          Type: Schedule
          Properties: {Schedule: rate(1 hour), Input: '{"hello": "world"}'}
        Nightly: {Type: ScheduleV2, Properties: {ScheduleExpression: "cron(0 3 * * ? *)"}}
        Off: {Type: Schedule, Properties: {Schedule: rate(1 minute), Enabled: false}}
"""


def _group(name: str) -> str:
    return f"""
  {name.title()}Group:
    Type: AWS::Cognito::UserPoolGroup
    Properties: {{GroupName: {name}, UserPoolId: !Ref Pool}}
"""


def _anonymous_get(name: str, handler: str, path: str, timeout: int = 5) -> str:
    """A function behind one anonymous GET route."""
    return f"""
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.{handler}
      Timeout: {timeout}
      Events:
        Get:
          Type: Api
          Properties: {{RestApiId: !Ref Api, Path: {path}, Method: get, Auth: {{Authorizer: NONE}}}}
"""


TOY_TEMPLATE += "".join(_group(name) for name in ("admin", "editor", "author", "reader"))
TOY_TEMPLATE += "".join(
    [
        _anonymous_get("Boom", "boom", "/boom"),
        _anonymous_get("Garbage", "garbage", "/garbage"),
        _anonymous_get("Slow", "slow", "/slow", timeout=1),
        _anonymous_get("Binary", "binary", "/binary"),
        _anonymous_get("Challenge", "challenge", "/challenge"),
    ]
)

TOY_CODE = """\
import base64, json, os, time

_calls = 0
PNG = base64.b64decode({png!r})


def echo(event, context):
    global _calls
    _calls += 1
    time.sleep(float((event.get("queryStringParameters") or {{}}).get("sleep", 0)))
    names = ("STAGE", "QUEUE_URL", "POOL_ARN", "AWS_LAMBDA_FUNCTION_NAME", "AWS_ENDPOINT_URL")
    return {{
        "statusCode": 200,
        "headers": {{"Content-Type": "application/json", "X-Single": "one", "X-Both": "single"}},
        "multiValueHeaders": {{"Set-Cookie": ["a=1", "b=2"], "X-Both": ["multi"]}},
        "body": json.dumps({{
            "event": event,
            "env": {{name: os.environ.get(name) for name in names}},
            "context": {{
                "function_name": context.function_name,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "arn": context.invoked_function_arn,
                "request_id": context.aws_request_id,
            }},
            "pid": os.getpid(),
            "calls": _calls,
        }}),
    }}


def boom(event, context):
    raise RuntimeError("kaboom")


def garbage(event, context):
    return "not a proxy response"


def slow(event, context):
    time.sleep(30)
    return {{"statusCode": 200, "body": "too late"}}


def binary(event, context):
    return {{"statusCode": 200, "headers": {{"Content-Type": "image/png"}},
             "body": base64.b64encode(PNG).decode(), "isBase64Encoded": True}}


def challenge(event, context):
    return {{"statusCode": 401, "headers": {{"WWW-Authenticate": "Basic"}}, "body": ""}}


def consume(event, context):
    return {{"batchItemFailures": [
        {{"itemIdentifier": r["messageId"]}} for r in event["Records"] if r["body"] == "fail"
    ]}}


def tick(event, context):
    return event
"""


@pytest.fixture(scope="module")
def toy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("toy")
    (root / "template.yaml").write_text(TOY_TEMPLATE, encoding="utf-8")
    (root / "fn").mkdir()
    (root / "fn" / "app.py").write_text(
        TOY_CODE.format(png=base64.b64encode(PNG).decode()), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="module")
def toy(toy_dir: Path, moto_endpoint: str):
    stack = bootstrap(Template.load(toy_dir / "template.yaml"), moto_endpoint)
    local = LocalStack.start(stack, port=0, event_sources=False, workers_per_function=3)
    yield local
    local.stop()


@pytest.fixture(scope="module")
def toy_token(toy: LocalStack) -> str:
    return str(login(toy.stack, "admin")["IdToken"])


def _echo(toy: LocalStack, path: str, **kwargs: Any) -> dict[str, Any]:
    response = requests.get(toy.base_url + path, timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- what the function receives


def test_claims_arrive_as_strings_the_way_api_gateway_formats_them(toy, toy_token):
    event = _echo(toy, "/echo/1", headers={"Authorization": f"Bearer {toy_token}"})["event"]
    claims = event["requestContext"]["authorizer"]["claims"]
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["cognito:groups"] == "[admin]"
    assert claims["cognito:username"] == "admin"
    assert claims["token_use"] == "id"
    assert claims["aud"] == toy.stack.ref("PoolClient")
    date = r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$"
    assert re.match(date, claims["exp"]), claims["exp"]
    assert re.match(date, claims["iat"]), claims["iat"]
    assert claims["auth_time"].isdigit()


def test_the_proxy_event_has_api_gateway_s_shape(toy, toy_token):
    response = requests.get(
        toy.base_url + "/echo/abc%20def?x=1&x=2&y=",
        headers={"Authorization": toy_token, "X-Twice": "first"},
        timeout=30,
    )
    event = response.json()["event"]
    assert event["resource"] == "/echo/{id}"
    assert event["path"] == "/echo/abc%20def"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "abc def"}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["headers"]["X-Twice"] == "first"
    assert event["multiValueHeaders"]["X-Twice"] == ["first"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    context = event["requestContext"]
    assert context["stage"] == "toy"
    assert context["path"] == "/toy/echo/abc%20def"
    assert context["resourcePath"] == "/echo/{id}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"].startswith("python-requests")
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["accountId"] == "123456789012"
    assert context["domainName"] == toy.base_url.removeprefix("http://")


def test_an_anonymous_route_gets_no_authorizer_and_none_for_empty_maps(toy):
    event = _echo(toy, "/public/a/b%2Fc")["event"]
    assert event["pathParameters"] == {"proxy": "a/b/c"}
    assert event["resource"] == "/public/{proxy+}"
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert "authorizer" not in event["requestContext"]


def test_text_bodies_arrive_as_text_and_other_bytes_as_base64(toy):
    text = requests.post(toy.base_url + "/public/x", data="héllo".encode(), timeout=30).json()
    assert text["event"]["body"] == "héllo"
    assert text["event"]["isBase64Encoded"] is False
    raw = requests.post(toy.base_url + "/public/x", data=b"\xff\xfe\x00", timeout=30).json()
    assert raw["event"]["isBase64Encoded"] is True
    assert base64.b64decode(raw["event"]["body"]) == b"\xff\xfe\x00"


def test_the_function_sees_its_environment_and_a_lambda_context(toy):
    body = _echo(toy, "/public/env")
    assert body["env"]["STAGE"] == "toy"
    assert body["env"]["QUEUE_URL"] == toy.stack.ref("Queue")
    assert body["env"]["POOL_ARN"] == toy.stack.get_att("Pool", "Arn")
    assert body["env"]["AWS_ENDPOINT_URL"] == toy.stack.endpoint
    assert body["env"]["AWS_LAMBDA_FUNCTION_NAME"] == body["context"]["function_name"]
    assert body["context"]["memory_limit_in_mb"] == "256"
    assert 0 < body["context"]["remaining_ms"] <= 5000 * timeout_factor()
    assert body["context"]["arn"].endswith(":function:" + body["context"]["function_name"])


def test_a_worker_stays_warm_and_keeps_its_module_state(toy):
    first = _echo(toy, "/public/warm")
    second = _echo(toy, "/public/warm")
    assert second["pid"] == first["pid"]
    assert second["calls"] == first["calls"] + 1


def test_concurrent_requests_run_in_several_workers_of_the_function(toy):
    with ThreadPoolExecutor(3) as pool:
        bodies = list(pool.map(lambda _: _echo(toy, "/public/busy?sleep=0.5"), range(3)))
    assert len({body["pid"] for body in bodies}) >= 2


# ---------------------------------------------------------------- what the client receives


def test_headers_and_multi_value_headers_are_merged_like_api_gateway(toy):
    response = requests.get(toy.base_url + "/public/h", timeout=30)
    assert response.headers["X-Single"] == "one"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.raw.headers.getlist("X-Both") == ["multi"]


def test_a_base64_body_is_decoded_to_bytes(toy):
    response = requests.get(toy.base_url + "/binary", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content == PNG


def test_restricted_headers_are_remapped_like_api_gateway_does(toy):
    response = requests.get(toy.base_url + "/challenge", timeout=30)
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers
    assert response.headers["x-amzn-Remapped-WWW-Authenticate"] == "Basic"


def test_a_function_that_raises_is_a_502(toy):
    response = requests.get(toy.base_url + "/boom", timeout=30)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_a_function_that_returns_garbage_is_a_502(toy):
    response = requests.get(toy.base_url + "/garbage", timeout=30)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_a_function_that_overruns_its_timeout_is_killed_and_the_client_gets_a_504(toy):
    response = requests.get(toy.base_url + "/slow", timeout=30)
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    assert response.elapsed < timedelta(seconds=1 * timeout_factor() + 4)


def test_preflight_defaults_to_the_path_s_methods(toy):
    response = requests.options(toy.base_url + "/echo/1", timeout=30)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://toy.example"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization"
    assert "Access-Control-Max-Age" not in response.headers


def test_without_gateway_responses_a_401_is_api_gateway_s_default(toy):
    response = requests.get(toy.base_url + "/echo/1", timeout=30)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


# ---------------------------------------------------------------- resources and event sources


def test_a_resource_whose_condition_is_false_is_not_created(toy):
    assert "ProdOnlyQueue" not in toy.stack.refs
    assert "Condition" in toy.stack.skipped["ProdOnlyQueue"]


def test_the_sqs_poller_deletes_only_what_the_batch_did_not_report_as_failed(toy):
    sqs = client("sqs", toy.stack.endpoint)
    url = toy.stack.ref("Queue")
    for body in ("ok-1", "fail", "ok-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    (mapping,) = sqs_mappings(toy.runtime.specs, toy.stack)
    assert mapping.report_failures
    invocation = SqsPoller(toy.runtime, mapping, toy.stack).poll_once(wait_seconds=0)
    assert invocation is not None
    assert invocation.ok
    assert len(invocation.result["batchItemFailures"]) == 1
    remaining = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in remaining] == ["fail"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=remaining[0]["ReceiptHandle"])


def test_schedules_fire_their_function_with_the_eventbridge_event(toy):
    started = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    entries = schedules(toy.runtime.specs, toy.stack, started)
    assert sorted(e.event_name for e in entries) == ["Every", "Nightly", "WithInput"]
    scheduler = Scheduler(toy.runtime, entries, started=started)
    assert scheduler.fire_due(started + timedelta(minutes=4)) == []
    fired = scheduler.fire_due(started + timedelta(minutes=5))
    assert [entry.event_name for entry, _ in fired] == ["Every"]
    event = fired[0][1].result
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-11-25T12:05:00Z"
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")
    later = scheduler.fire_due(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    results = {entry.event_name: invocation.result for entry, invocation in later}
    assert results == {
        "Every": results["Every"],
        "WithInput": {"hello": "world"},
        "Nightly": {},
    }


def test_local_invoke_exits_non_zero_and_prints_the_error_when_the_function_raises(
    toy_dir, tmp_path
):
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "local",
            "invoke",
            "Boom",
            "-",
            "--template",
            str(toy_dir / "template.yaml"),
            "--state",
            str(tmp_path / "none.json"),
        ],
        input=json.dumps({"httpMethod": "GET", "path": "/boom"}),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    error = json.loads(result.stdout)
    assert error["errorType"] == "RuntimeError"
    assert error["errorMessage"] == "kaboom"
    assert "Traceback" in result.stderr


def test_local_invoke_names_the_functions_when_asked_for_an_unknown_one(toy_dir, tmp_path):
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "local",
            "invoke",
            "Nope",
            "-",
            "--template",
            str(toy_dir / "template.yaml"),
            "--state",
            str(tmp_path / "none.json"),
        ],
        input="{}",
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Echo" in result.stderr


def test_seeding_twice_changes_nothing(toy):
    pool = toy.stack.ref("Pool")
    cognito = client("cognito-idp", toy.stack.endpoint)
    before = cognito.list_users(UserPoolId=pool)["Users"]
    seed(toy.stack)
    after = cognito.list_users(UserPoolId=pool)["Users"]
    assert sorted(u["Username"] for u in after) == sorted(u["Username"] for u in before)
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="editor")["Groups"]
    assert [g["GroupName"] for g in groups] == ["editor"]


def test_bootstrapping_twice_adopts_the_existing_resources(toy, moto_endpoint):
    again = bootstrap(toy.stack.template, moto_endpoint)
    assert again.refs == toy.stack.refs


def test_specs_are_built_for_every_function_of_the_template(toy):
    assert set(function_specs(toy.stack)) == {
        "Echo",
        "Boom",
        "Garbage",
        "Slow",
        "Binary",
        "Challenge",
        "Consumer",
        "Ticker",
    }


def test_event_sources_start_and_stop_with_the_stack(toy_dir, moto_endpoint):
    template = Template.load(toy_dir / "template.yaml", overrides={"Stage": "toy2"})
    stack = bootstrap(template, moto_endpoint)
    local = LocalStack.start(stack, port=0, seed_users=False, workers_per_function=1)
    try:
        assert local.scheduler is not None
        assert len(local.scheduler.entries) == 3
        assert [p.mapping.logical_id for p in local.pollers] == ["Consumer"]
        sqs = client("sqs", stack.endpoint)
        sqs.send_message(QueueUrl=stack.ref("Queue"), MessageBody=f"ok-{uuid.uuid4()}")
    finally:
        local.stop()
