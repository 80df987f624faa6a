"""template.yaml keeps the promises PRODUCT.md makes about the deployment.

cfn-lint and `sam validate --lint` check that the template is valid; these tests check that it
is the template we mean: every function on Python 3.13 arm64 with tracing, its own code folder,
service name, log group and sample event; the data stores protected; samconfig.toml in step.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from byline.services.digest_logic import Candidate
from local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]


def load_template() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return loaded


TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
GLOBAL_FUNCTION: dict[str, Any] = TEMPLATE["Globals"]["Function"]
FUNCTIONS = {
    name: resource["Properties"]
    for name, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
}
BUCKETS = [name for name, r in RESOURCES.items() if r["Type"] == "AWS::S3::Bucket"]
TABLE = RESOURCES["Table"]["Properties"]


def code_folder(properties: dict[str, Any]) -> Path:
    return ROOT / str(properties["CodeUri"]).rstrip("/")


def api_routes(properties: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for event in properties.get("Events", {}).values()
        if event["Type"] == "Api"
    ]


def test_template_parses_with_short_tags_into_their_long_form() -> None:
    short = "a: !Ref T\nb: !GetAtt T.Arn\nc: !Sub x-${T}\nd: !If [C, 1, 2]\n"
    loaded = load_yaml(short)
    assert loaded == {
        "a": {"Ref": "T"},
        "b": {"Fn::GetAtt": ["T", "Arn"]},
        "c": {"Fn::Sub": "x-${T}"},
        "d": {"Fn::If": ["C", 1, 2]},
    }
    assert FUNCTIONS, "template.yaml declares no function"


def test_every_function_runs_python313_on_arm64_with_active_tracing() -> None:
    assert GLOBAL_FUNCTION["Runtime"] == "python3.13"
    # one parameter, arm64 unless `sam local` on an x86_64 machine asks otherwise (decision 0016)
    assert GLOBAL_FUNCTION["Architectures"] == [{"Ref": "Architecture"}]
    assert TEMPLATE["Parameters"]["Architecture"]["Default"] == "arm64"
    assert "Architecture" not in " ".join(
        str(deploy_parameters(environment).get("parameter_overrides", ""))
        for environment in ("default", "dev", "staging", "prod")
    ), "a deployment overrides the functions' architecture"
    assert GLOBAL_FUNCTION["Tracing"] == "Active"
    for name, properties in FUNCTIONS.items():
        assert properties.get("Runtime", "python3.13") == "python3.13", name
        assert properties.get("Architectures", ["arm64"]) == ["arm64"], name
        assert properties.get("Tracing", "Active") == "Active", name


def test_every_function_uses_the_common_layer_built_for_arm64_by_its_makefile() -> None:
    assert {"Ref": "CommonLayer"} in GLOBAL_FUNCTION["Layers"]
    layer = RESOURCES["CommonLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    makefile = ROOT / layer["Properties"]["ContentUri"] / "Makefile"
    assert re.search(r"^build-CommonLayer:", makefile.read_text(encoding="utf-8"), re.MULTILINE)
    for name, properties in FUNCTIONS.items():
        assert "Layers" not in properties, f"{name} replaces the global layers"


def test_every_function_has_its_own_code_folder_defining_the_handler() -> None:
    folders = [code_folder(p) for p in FUNCTIONS.values()]
    assert len(set(folders)) == len(folders), "two functions share a code folder"
    for name, properties in FUNCTIONS.items():
        module, attribute = properties.get("Handler", GLOBAL_FUNCTION["Handler"]).rsplit(".", 1)
        source = code_folder(properties) / f"{module}.py"
        assert source.is_file(), f"{name}: {source.relative_to(ROOT)} is missing"
        assert not (code_folder(properties) / "requirements.txt").exists(), (
            f"{name}: dependencies belong in the layer, not in the function's package"
        )
        tree = ast.parse(source.read_text(encoding="utf-8"))
        defined = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        } | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert attribute in defined, f"{name}: {source.relative_to(ROOT)} defines no {attribute}"


def test_every_function_names_its_powertools_service() -> None:
    for name, properties in FUNCTIONS.items():
        variables = properties.get("Environment", {}).get("Variables", {})
        service = variables.get("POWERTOOLS_SERVICE_NAME")
        assert isinstance(service, str), f"{name} has no POWERTOOLS_SERVICE_NAME"
        assert re.fullmatch(r"[a-z][a-z0-9-]*", service), f"{name}: {service!r}"


def test_every_function_logs_to_a_log_group_with_retention() -> None:
    for name in FUNCTIONS:
        log_group = RESOURCES.get(f"{name}LogGroup")
        assert log_group, f"{name} has no {name}LogGroup: Lambda would create one kept forever"
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{name}}}"}
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_function_has_a_sample_event_for_its_route() -> None:
    missing = []
    for name, properties in FUNCTIONS.items():
        event_file = ROOT / "events" / f"{code_folder(properties).name}.json"
        if not event_file.is_file():
            missing.append(f"{name}: {event_file.relative_to(ROOT)}")
            continue
        event = json.loads(event_file.read_text(encoding="utf-8"))
        assert isinstance(event, dict), event_file
        routes = api_routes(properties)
        if routes and "httpMethod" in event:
            assert any(
                event["httpMethod"] == method and event.get("resource", path) == path
                for method, path in routes
            ), f"{event_file.relative_to(ROOT)} does not call {routes}"
    assert not missing, "No sample event (see events/):\n" + "\n".join(missing)


def test_table_is_on_demand_recoverable_encrypted_and_expires_items_by_ttl() -> None:
    assert TABLE["BillingMode"] == "PAY_PER_REQUEST"
    assert TABLE["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert TABLE["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert TABLE["SSESpecification"]["SSEEnabled"] is True
    assert RESOURCES["Table"]["DeletionPolicy"] == "Retain"
    assert TABLE["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectTable", True, False]}


def test_table_has_the_three_overloaded_secondary_indexes_and_the_release_index() -> None:
    indexes = {index["IndexName"]: index for index in TABLE["GlobalSecondaryIndexes"]}
    assert sorted(indexes) == ["GSI1", "GSI2", "GSI3", "GSI4"]
    defined = {a["AttributeName"] for a in TABLE["AttributeDefinitions"]}
    for name, index in indexes.items():
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}PK", "KeyType": "HASH"},
            {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
        ]
        if name != "GSI4":
            assert index["Projection"] == {"ProjectionType": "ALL"}
        assert {f"{name}PK", f"{name}SK"} <= defined
    # the release index carries every field a digest candidate is built from, and no more
    # (the author's display name is read from the profiles when the candidates are loaded)
    assert set(indexes["GSI4"]["Projection"]["NonKeyAttributes"]) == {
        f.name for f in fields(Candidate)
    } - {"author_name"}


def test_every_bucket_is_versioned_encrypted_private_and_tls_only() -> None:
    assert sorted(BUCKETS) == ["DigestBucket", "MediaBucket"]
    policies = {
        r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::S3::BucketPolicy"
    }
    for name in BUCKETS:
        bucket = RESOURCES[name]["Properties"]
        assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}, name
        rules = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules, name
        assert all(r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules), name
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        denials = [
            s
            for s in policies.get(name, {}).get("Statement", [])
            if s["Effect"] == "Deny"
            and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert denials, f"{name} accepts plain HTTP"


SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))


def deploy_parameters(environment: str) -> dict[str, Any]:
    return {
        **SAMCONFIG[environment].get("global", {}).get("parameters", {}),
        **SAMCONFIG[environment]["deploy"]["parameters"],
    }


def overrides(environment: str) -> dict[str, str]:
    pairs = shlex.split(deploy_parameters(environment)["parameter_overrides"])
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.mark.parametrize(
    ("environment", "stage"),
    [("default", "dev"), ("dev", "dev"), ("staging", "staging"), ("prod", "prod")],
)
def test_each_samconfig_environment_deploys_its_own_stage(environment: str, stage: str) -> None:
    parameters = deploy_parameters(environment)
    assert parameters["stack_name"] == f"byline-{stage}"
    assert parameters["region"] == "us-east-1"
    assert parameters["resolve_s3"] is True
    assert set(parameters["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    values = overrides(environment)
    assert set(values) <= set(TEMPLATE["Parameters"]), "override of an unknown parameter"
    assert values["Stage"] == stage
    assert re.fullmatch(TEMPLATE["Parameters"]["Stage"]["AllowedPattern"], stage)
    for key, value in values.items():
        allowed = TEMPLATE["Parameters"][key].get("AllowedValues")
        assert allowed is None or value in [str(v) for v in allowed], (key, value)
    protected = stage == "prod"
    assert values.get("TableDeletionProtection", "false") == str(protected).lower()
    assert parameters.get("confirm_changeset", False) is protected


def test_samconfig_builds_cached_and_in_parallel_and_validates_with_lint() -> None:
    build = SAMCONFIG["default"]["build"]["parameters"]
    assert build["cached"] is True
    assert build["parallel"] is True
    assert SAMCONFIG["default"]["validate"]["parameters"]["lint"] is True


AUTH_FUNCTIONS = {
    "AuthSignupFunction",
    "AuthConfirmFunction",
    "AuthLoginFunction",
    "AuthRefreshFunction",
}


def _granted_actions(properties: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for policy in properties.get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            granted = statement.get("Action", [])
            actions.update([granted] if isinstance(granted, str) else granted)
    return actions


def test_the_app_client_is_confidential_so_cognito_is_reachable_only_through_the_api() -> None:
    client = RESOURCES["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is True
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }


def test_only_the_auth_functions_can_read_the_app_client_secret() -> None:
    readers = {
        name
        for name, properties in FUNCTIONS.items()
        if {"cognito-idp:DescribeUserPoolClient", "cognito-idp:*", "*"}
        & _granted_actions(properties)
    }
    assert readers == AUTH_FUNCTIONS


def test_the_app_client_secret_is_in_no_environment_variable_or_output() -> None:
    exposed = json.dumps(
        [
            TEMPLATE.get("Outputs", {}),
            GLOBAL_FUNCTION,
            *(f.get("Environment") for f in FUNCTIONS.values()),
        ]
    )
    assert "ClientSecret" not in exposed
    assert "ClientSecret" not in (ROOT / "template.yaml").read_text(encoding="utf-8")
