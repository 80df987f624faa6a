"""The OpenAPI document is generated from the code and agrees with template.yaml."""

import json

import pytest
from openapi_spec_validator import validate

from local.openapi import DOCUMENT, ROOT, build_document, render
from local.template import load_yaml

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def document():
    return build_document()


def template_routes():
    template = load_yaml((ROOT / "template.yaml").read_text())
    api = template["Resources"]["Api"]["Properties"]
    default_auth = api.get("Auth", {}).get("DefaultAuthorizer", "NONE")
    routes = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            authorizer = props.get("Auth", {}).get("Authorizer", default_auth)
            # a greedy {name+} is documented as the OpenAPI parameter {name}
            key = (props["Method"].lower(), props["Path"].replace("+}", "}"))
            assert key not in routes, f"{key} is served by two functions"
            routes[key] = {"function": logical_id, "protected": authorizer != "NONE"}
    return routes


def document_routes(document):
    routes = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                routes[(method, path)] = {"protected": bool(operation.get("security"))}
    return routes


def test_committed_document_is_what_the_code_generates(document):
    committed = DOCUMENT.read_text(encoding="utf-8")
    assert committed == render(document), "openapi.json is stale: run make template"


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(json.loads(render(document)))


def test_every_template_route_is_documented_and_nothing_else(document):
    in_template = set(template_routes())
    in_document = set(document_routes(document))
    assert in_template - in_document == set(), "routes missing from the OpenAPI document"
    assert in_document - in_template == set(), "documented routes that template.yaml lacks"


def test_authorization_agrees_between_template_and_document(document):
    documented = document_routes(document)
    for key, route in template_routes().items():
        assert documented[key]["protected"] == route["protected"], (
            f"{key}: template says protected={route['protected']}"
        )


def test_every_operation_has_an_explicit_id_and_problem_responses(document):
    ids = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            op_id = operation["operationId"]
            assert "_" not in op_id, f"{method} {path}: set operation_id explicitly"
            assert op_id not in ids
            ids.add(op_id)
            refusals = {
                status: response.get("content", {})
                for status, response in operation["responses"].items()
                if status[0] in "45"
            }
            if operation.get("x-byline-errors") == "ghost":  # Ghost's Content API: its bodies
                assert all(
                    content["application/json"]["schema"]["$ref"]
                    == "#/components/schemas/GhostErrors"
                    for content in refusals.values()
                ), path
                continue
            if "text/html" in refusals["400"]:  # a page a person opens from an email
                assert all(set(content) == {"text/html"} for content in refusals.values()), path
                continue
            problem = refusals["400"]["application/problem+json"]
            assert problem["schema"]["$ref"] == "#/components/schemas/Problem"
