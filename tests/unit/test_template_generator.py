"""template.yaml is what infra/template.py writes from infra/base.yaml and the functions.

The committed template is read by SAM, cfn-lint, checkov, the local stack and the other template
tests; these tests keep it in step with its sources and check what the generator derives.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from byline.http.headers import SECURITY_HEADERS
from infra.template import (
    BASE,
    CAPABILITIES,
    DeclarationError,
    Route,
    build,
    declarations,
    function_resources,
    generate,
    load_declaration,
    load_unique,
    render,
    routes_from_parts,
    sample_api_event,
    write_missing_events,
)
from local.openapi import DOCUMENT, function_parts
from local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(scope="module")
def generated() -> Any:
    return generate()


def test_committed_template_is_what_the_generator_writes(generated: Any) -> None:
    assert TEMPLATE.read_text(encoding="utf-8") == generated.template, (
        "template.yaml is stale or edited by hand: run make template"
    )
    assert DOCUMENT.read_text(encoding="utf-8") == generated.document


def test_every_function_folder_has_a_declaration_with_a_known_capability() -> None:
    folders = sorted(app.parent.name for app in (ROOT / "functions").glob("*/app.py"))
    declared = declarations()
    assert sorted(d.folder for d in declared) == folders
    assert {d.capability for d in declared} <= set(CAPABILITIES)


def test_routes_come_from_the_handlers(generated: Any) -> None:
    resources = load_yaml(generated.template)["Resources"]
    health = resources["HealthFunction"]["Properties"]
    assert health["Description"] == "GET /health"
    assert health["Events"]["Api"]["Properties"] == {
        "RestApiId": {"Ref": "Api"},
        "Path": "/health",
        "Method": "get",
        "Auth": {"Authorizer": "NONE"},
    }
    me = resources["MeGetFunction"]["Properties"]["Events"]["Api"]["Properties"]
    assert "Auth" not in me  # the API's default authorizer (Cognito)
    assert generated.routes["me_get"] == Route(method="get", path="/me", authorized=True)


def test_the_gateway_responses_carry_the_layers_security_headers() -> None:
    responses = load_yaml(TEMPLATE.read_text())["Resources"]["Api"]["Properties"][
        "GatewayResponses"
    ]
    for kind, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        for name, value in SECURITY_HEADERS.items():
            assert headers[name] == f"'{value}'", (kind, name)
        assert headers["Cache-Control"] == "'no-store'", kind
        assert headers["Content-Type"] == "'application/problem+json'", kind
    assert responses["UNAUTHORIZED"]["ResponseParameters"]["Headers"]["WWW-Authenticate"] == (
        "'Bearer'"
    )
    base = BASE.read_text(encoding="utf-8")
    assert "Strict-Transport-Security" not in base, "the base repeats a security header"


def _declaration(tmp_path: Path, text: str, folder: str = "thing_get") -> Path:
    directory = tmp_path / folder
    directory.mkdir()
    (directory / "function.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def test_a_function_gets_its_log_group_alarm_service_name_and_api_event(tmp_path: Path) -> None:
    declaration = load_declaration(
        _declaration(
            tmp_path,
            """
            Capability: articles
            Properties:
              Timeout: 20
              Environment:
                Variables:
                  EXTRA: !Ref Table
              Events:
                Tick:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 hour)
            Resources:
              ThingGetDeadLetterQueue:
                Type: AWS::SQS::Queue
            """,
        )
    )
    resources = function_resources(declaration, Route("put", "/things/{thing}", False))
    assert list(resources) == [
        "ThingGetFunction",
        "ThingGetFunctionLogGroup",
        "ThingGetFunctionAlarm",
        "ThingGetDeadLetterQueue",
    ]
    properties = resources["ThingGetFunction"]["Properties"]
    assert properties["CodeUri"] == "functions/thing_get/"
    assert properties["Description"] == "PUT /things/{thing}"
    assert properties["Timeout"] == 20
    assert properties["Environment"]["Variables"] == {
        "POWERTOOLS_SERVICE_NAME": "thing-get",
        "EXTRA": {"Ref": "Table"},
    }
    assert list(properties["Events"]) == ["Api", "Tick"]
    assert resources["ThingGetFunctionLogGroup"]["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/${ThingGetFunction}"
    }
    metrics = resources["ThingGetFunctionAlarm"]["Properties"]["Metrics"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in metrics[1:]} == {
        "Errors",
        "Throttles",
    }
    for metric in metrics[1:]:
        dimension = metric["MetricStat"]["Metric"]["Dimensions"][0]
        assert dimension == {"Name": "FunctionName", "Value": {"Ref": "ThingGetFunction"}}


@pytest.mark.parametrize(
    ("text", "route", "message"),
    [
        ("Capability: nowhere\n", None, "Capability"),
        ("Capability: media\nColour: red\n", None, "unknown keys"),
        ("Capability: media\nProperties:\n  CodeUri: elsewhere/\n", None, "generator"),
        ("Capability: media\n", None, "needs a Description"),
        ("Capability: media\nDescription: x\n", Route("get", "/x", True), "is its route"),
        (
            "Capability: media\nProperties:\n  Events:\n    Api:\n      Type: Api\n",
            Route("get", "/x", True),
            "API event",
        ),
        (
            "Capability: media\nResources:\n"
            "  ThingGetFunctionAlarm: {Type: AWS::CloudWatch::Alarm}\n",
            Route("get", "/x", True),
            "generated",
        ),
    ],
)
def test_a_declaration_that_contradicts_the_generator_is_refused(
    tmp_path: Path, text: str, route: Route | None, message: str
) -> None:
    with pytest.raises(DeclarationError, match=message):
        function_resources(load_declaration(_declaration(tmp_path, text)), route)


def test_a_function_folder_without_a_declaration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "thing_get").mkdir()
    with pytest.raises(DeclarationError, match="missing"):
        load_declaration(tmp_path / "thing_get")


def test_a_handler_with_two_routes_is_refused() -> None:
    part = {"paths": {"/a": {"get": {}}, "/b": {"get": {}}}}
    with pytest.raises(DeclarationError, match="2 routes"):
        routes_from_parts({"two": part})
    security = {"paths": {"/a": {"post": {"security": [{"cognito": []}]}}}}
    assert routes_from_parts({"one": security}) == {"one": Route("post", "/a", True)}


def test_a_resource_declared_in_the_base_and_by_a_function_is_refused(tmp_path: Path) -> None:
    declaration = load_declaration(_declaration(tmp_path, "Capability: media\n"))
    base = {"Resources": {"ThingGetFunctionLogGroup": {"Type": "AWS::Logs::LogGroup"}}}
    with pytest.raises(DeclarationError, match="declared twice"):
        build(base, [declaration], {"thing_get": Route("get", "/x", True)})


def test_rendering_writes_short_tags_that_load_back_the_same() -> None:
    shared = {"Statement": [{"Effect": "Allow"}]}
    template = {
        "Resources": {
            "Thing": {
                "Type": "AWS::X::Y",
                "Properties": {
                    "A": {"Ref": "Table"},
                    "B": {"Fn::GetAtt": ["Table", "Arn"]},
                    "C": {"Fn::Sub": "${Table.Arn}/index/*"},
                    "D": {"Fn::If": ["Cond", {"Ref": "AWS::NoValue"}, "2010-09-09"]},
                    "E": {"Fn::Sub": ["'${O}'", {"O": {"Fn::Select": [0, ["a", "b"]]}}]},
                    "F": "line one\nline two\n",
                    "G": ["true", "1", "yes", "arm64"],
                    "H": {"Fn::Sub": "x: ${Stage} # not a comment"},
                    "I": [shared, shared],
                },
            }
        }
    }
    text = render(template)
    assert "!Ref Table" in text
    assert "!GetAtt Table.Arn" in text
    assert "&id" not in text  # CloudFormation refuses YAML anchors and aliases
    assert load_yaml(text) == template


def test_a_new_api_function_gets_a_sample_event_it_accepts(tmp_path: Path) -> None:
    routes = {
        "thing_get": Route("get", "/things/{thing}", True),
        "health": Route("get", "/health", False),
    }
    (tmp_path / "health.json").write_text("{}", encoding="utf-8")
    written = write_missing_events(routes, tmp_path)
    assert written == [tmp_path / "thing_get.json"]
    assert (tmp_path / "health.json").read_text(encoding="utf-8") == "{}"  # never overwritten
    event = json.loads(written[0].read_text(encoding="utf-8"))
    assert event["httpMethod"] == "GET"
    assert event["resource"] == "/things/{thing}"
    assert event["pathParameters"] == {"thing": "example-thing"}
    assert event["path"] == "/things/example-thing"
    assert event["requestContext"]["authorizer"]["claims"]["sub"]
    public = sample_api_event(routes["health"])
    assert "authorizer" not in public["requestContext"]


def test_a_dead_letter_queue_is_wired_to_the_function_its_schedule_and_an_alarm(
    tmp_path: Path,
) -> None:
    declaration = load_declaration(
        _declaration(
            tmp_path,
            """
            Capability: digests
            Description: Does a thing every hour
            DeadLetterQueue:
              AlarmDescription: Hourly things were dead-lettered.
            Properties:
              Events:
                Tick:
                  Type: Schedule
                  Properties:
                    Name: !Sub byline-${Stage}-thing-get
                    Schedule: rate(1 hour)
            """,
        )
    )
    resources = function_resources(declaration, None)
    queue = "ThingGetDeadLetterQueue"
    arn = {"Fn::GetAtt": [queue, "Arn"]}
    assert list(resources)[3:] == [queue, f"{queue}Policy", f"{queue}DepthAlarm"]
    function = resources["ThingGetFunction"]["Properties"]
    assert function["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": arn}
    assert function["Events"]["Tick"]["Properties"]["DeadLetterConfig"] == {"Arn": arn}
    assert resources[queue]["Properties"] == {
        "QueueName": {"Fn::Sub": "byline-${Stage}-thing-get-dead-letters"},
        "MessageRetentionPeriod": 1209600,
        "SqsManagedSseEnabled": True,
    }
    statement = resources[f"{queue}Policy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}"
        ":rule/byline-${Stage}-thing-get"
    }
    alarm = resources[f"{queue}DepthAlarm"]["Properties"]
    assert alarm["AlarmDescription"] == "Hourly things were dead-lettered."
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
    ]


def test_a_dead_letter_queue_without_a_rule_has_no_queue_policy(tmp_path: Path) -> None:
    text = "Capability: media\nDescription: x\nDeadLetterQueue: {AlarmDescription: y}\n"
    resources = function_resources(load_declaration(_declaration(tmp_path, text)), None)
    assert "ThingGetDeadLetterQueuePolicy" not in resources
    assert "ThingGetDeadLetterQueueDepthAlarm" in resources


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DeadLetterQueue: {}\n", "needs an AlarmDescription"),
        (
            "DeadLetterQueue: {AlarmDescription: y}\n"
            "Properties:\n  DeadLetterQueue: {Type: SQS, TargetArn: x}\n",
            "come from the generator",
        ),
        (
            "DeadLetterQueue: {AlarmDescription: y}\n"
            "Properties:\n  Events:\n    Tick: {Type: Schedule, Properties: {Schedule: x}}\n",
            "needs a Name",
        ),
    ],
)
def test_a_dead_letter_queue_declared_halfway_is_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    folder = _declaration(tmp_path, "Capability: media\nDescription: x\n" + text)
    with pytest.raises(DeclarationError, match=message):
        function_resources(load_declaration(folder), None)


def _refused(tmp_path: Path, text: str, route: Route | None, *needles: str) -> None:
    """The declaration is refused with a message naming its folder and every needle."""
    with pytest.raises(DeclarationError) as raised:
        function_resources(load_declaration(_declaration(tmp_path, text)), route)
    message = str(raised.value)
    assert "thing_get" in message, message
    for needle in needles:
        assert needle in message, (needle, message)


@pytest.mark.parametrize(
    "key",
    [
        "Role",
        "InlineCode",
        "PackageType",
        "ImageUri",
        "ImageConfig",
        "Handler",
        "Runtime",
        "Layers",
        "Architectures",
        "CodeUri",
        "Description",
        "FunctionUrlConfig",
        "MemorySize",
    ],
)
def test_only_the_allowed_function_properties_may_be_declared(tmp_path: Path, key: str) -> None:
    text = f"Capability: media\nDescription: x\nProperties:\n  {key}: x\n"
    _refused(tmp_path, text, None, f"'{key}'")


@pytest.mark.parametrize(
    ("event", "needles"),
    [
        ("Web: {Type: HttpApi, Properties: {Path: /x, Method: get}}", ("Web", "HttpApi")),
        ("Second: {Type: Api, Properties: {Path: /x, Method: get}}", ("Second", "API event")),
        ("Api: {Type: SQS, Properties: {Queue: x}}", ("Api", "API event")),
        ("Stream: {Type: Kinesis, Properties: {Stream: x}}", ("Stream", "Kinesis")),
        ("Rule: {Type: EventBridgeRule, Properties: {Pattern: {}}}", ("Rule", "EventBridgeRule")),
        ("Url: {Properties: {}}", ("Url", "None")),
    ],
)
def test_an_event_of_a_type_the_project_does_not_use_is_refused(
    tmp_path: Path, event: str, needles: tuple[str, ...]
) -> None:
    text = f"Capability: media\nProperties:\n  Events:\n    {event}\n"
    _refused(tmp_path, text, Route("get", "/x", True), "Properties.Events", *needles)


def test_the_event_types_the_functions_use_are_accepted(tmp_path: Path) -> None:
    text = """
        Capability: media
        Description: x
        Properties:
          Events:
            Tick: {Type: Schedule, Properties: {Schedule: rate(1 hour)}}
            Queue: {Type: SQS, Properties: {Queue: x}}
            Upload: {Type: S3, Properties: {Bucket: x, Events: s3:ObjectCreated:*}}
            Feedback: {Type: SNS, Properties: {Topic: x}}
        """
    resources = function_resources(load_declaration(_declaration(tmp_path, text)), None)
    events = resources["ThingGetFunction"]["Properties"]["Events"]
    assert [e["Type"] for e in events.values()] == ["Schedule", "SQS", "S3", "SNS"]


@pytest.mark.parametrize(
    ("timeout", "route", "accepted"),
    [
        (29, Route("get", "/x", True), True),
        (30, Route("get", "/x", True), False),
        (900, None, True),
        (901, None, False),
        (0, None, False),
        ("'60'", None, False),
        ("!Ref Seconds", None, False),
    ],
)
def test_a_timeout_beyond_what_the_caller_allows_is_refused(
    tmp_path: Path, timeout: object, route: Route | None, accepted: bool
) -> None:
    text = f"Capability: media\n{'' if route else 'Description: x\n'}"
    text += f"Properties:\n  Timeout: {timeout}\n"
    if accepted:
        resources = function_resources(load_declaration(_declaration(tmp_path, text)), route)
        assert resources["ThingGetFunction"]["Properties"]["Timeout"] == timeout
    else:
        limit = "29" if route else "900"
        _refused(tmp_path, text, route, "Properties.Timeout", f"1 to {limit}")


@pytest.mark.parametrize(
    "variable",
    [
        "POWERTOOLS_SERVICE_NAME",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_S3",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ],
)
def test_a_derived_or_endpoint_variable_is_refused(tmp_path: Path, variable: str) -> None:
    text = f"Capability: media\nProperties:\n  Environment:\n    Variables:\n      {variable}: x\n"
    _refused(tmp_path, text, Route("get", "/x", True), "Environment.Variables", variable)


def test_an_environment_may_hold_only_variables(tmp_path: Path) -> None:
    text = "Capability: media\nProperties:\n  Environment:\n    KmsKeyArn: x\n"
    _refused(tmp_path, text, Route("get", "/x", True), "Properties.Environment")


@pytest.mark.parametrize(
    "kind",
    ["AWS::Serverless::HttpApi", "AWS::Lambda::Url", "AWS::IAM::Role", "AWS::Serverless::Function"],
)
def test_a_resource_that_serves_runs_code_or_grants_rights_is_refused(
    tmp_path: Path, kind: str
) -> None:
    text = f"Capability: media\nResources:\n  Extra:\n    Type: {kind}\n"
    _refused(tmp_path, text, Route("get", "/x", True), "Resources.Extra", kind)


def _function(functions: Path, folder: str, app: str | None, declaration: str | None) -> None:
    directory = functions / folder
    directory.mkdir(parents=True)
    if app is not None:
        (directory / "app.py").write_text(textwrap.dedent(app), encoding="utf-8")
    if declaration is not None:
        (directory / "function.yaml").write_text(declaration, encoding="utf-8")


def test_a_declaration_without_a_handler_is_refused(tmp_path: Path) -> None:
    _function(tmp_path, "thing_get", "", "Capability: media\nDescription: x\n")
    _function(tmp_path, "thing_put", None, "Capability: media\n")
    with pytest.raises(DeclarationError, match=r"functions/thing_put: function\.yaml without app"):
        declarations(tmp_path)


def test_a_handler_without_a_declaration_is_refused(tmp_path: Path) -> None:
    _function(tmp_path, "thing_get", "", None)
    with pytest.raises(DeclarationError, match=r"thing_get/function\.yaml is missing"):
        declarations(tmp_path)


@pytest.mark.parametrize(
    ("app", "message"),
    [
        (
            "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
            "api = APIGatewayRestResolver()\n",
            "functions/gen_refuse_named/app.py: resolver api is not named app",
        ),
        (
            "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
            "app = APIGatewayHttpResolver()\n",
            "functions/gen_refuse_named/app.py: app is of type APIGatewayHttpResolver",
        ),
    ],
)
def test_a_handler_whose_resolver_is_not_the_rest_app_is_refused(
    tmp_path: Path, app: str, message: str
) -> None:
    _function(tmp_path, "gen_refuse_named", app, None)
    with pytest.raises(ValueError, match=re.escape(message)):
        function_parts(tmp_path)


def test_a_handler_without_a_resolver_has_no_route(tmp_path: Path) -> None:
    _function(
        tmp_path, "gen_refuse_plain", "def lambda_handler(event, context):\n    return {}\n", None
    )
    assert function_parts(tmp_path) == {}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Capability: media\nProperties:\n  Timeout: 5\n  Timeout: 20\n", "'Timeout'"),
        ("Capability: media\nCapability: identity\n", "'Capability'"),
        (
            "Capability: media\nProperties:\n  Policies:\n    - Statement:\n"
            "        - {Effect: Allow, Action: x, Resource: !If [C, {A: 1, A: 2}, y]}\n",
            "'A'",
        ),
    ],
)
def test_a_declaration_with_a_repeated_key_is_refused(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(DeclarationError, match=f"thing_get/function.yaml: duplicate key {key}"):
        load_declaration(_declaration(tmp_path, text))


def test_a_base_with_a_repeated_key_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("Resources:\n  Table: {Type: A}\n  Queue: {Type: B}\n  Table: {Type: C}\n")
    with pytest.raises(
        DeclarationError, match=r"base\.yaml: duplicate key 'Table' \(lines 2 and 4\)"
    ):
        load_unique(base)
    assert load_unique(BASE) == load_yaml(BASE.read_text(encoding="utf-8"))
