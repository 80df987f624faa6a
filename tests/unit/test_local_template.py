"""The template loader and intrinsic resolver of the local stack (no AWS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.template import (
    NO_VALUE,
    Resolver,
    Template,
    TemplateError,
    dependency_order,
    load_yaml,
    merge_globals,
    references,
    strip_quotes,
)

TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage: {Type: String, Default: dev}
  Size: {Type: Number, Default: 3}
  Flag: {Type: String, Default: "false"}
  Origins: {Type: CommaDelimitedList, Default: "a.example, b.example"}
Mappings:
  Sizes:
    dev: {Memory: 128}
    prod: {Memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsFlagged: !Equals [!Ref Flag, "true"]
  Either: !Or [!Condition IsProd, !Condition IsFlagged]
  Neither: !Not [!Condition Either]
  Both: !And [!Condition IsProd, !Condition IsFlagged]
Globals:
  Function:
    Timeout: 10
    Layers: [!Ref Layer]
    Environment:
      Variables: {STAGE: !Ref Stage, SHARED: "yes"}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub "byline-${Stage}"}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn}
  Dead:
    Type: AWS::SQS::Queue
    DependsOn: Table
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 30
      Layers: [arn:aws:lambda:us-east-1:1:layer:x:1]
      Environment:
        Variables: {OWN: "1", SHARED: "no"}
"""


class Lookup:
    """Resource values a test controls."""

    def ref(self, logical_id: str) -> Any:
        return f"ref-of-{logical_id}"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"{attribute}-of-{logical_id}"


@pytest.fixture
def template(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    return Template.load(path)


@pytest.fixture
def resolver(template: Template) -> Resolver:
    return Resolver(template, Lookup())


def test_short_tags_load_as_their_long_form():
    loaded = load_yaml(
        "a: !Ref X\nb: !GetAtt T.Arn\nc: !Sub 'x-${Y}'\nd: !If [C, 1, 2]\n"
        "e: !Join [',', [a, b]]\nf: !Condition C\ng: !Base64 hi\nh: !GetAtt [T, Arn]\n"
        "i: !Select [0, !Split [',', 'a,b']]\nj: !FindInMap [M, k, v]\nk: !ImportValue out\n"
    )
    assert loaded == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["T", "Arn"]},
        "c": {"Fn::Sub": "x-${Y}"},
        "d": {"Fn::If": ["C", 1, 2]},
        "e": {"Fn::Join": [",", ["a", "b"]]},
        "f": {"Condition": "C"},
        "g": {"Fn::Base64": "hi"},
        "h": {"Fn::GetAtt": ["T", "Arn"]},
        "i": {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
        "j": {"Fn::FindInMap": ["M", "k", "v"]},
        "k": {"Fn::ImportValue": "out"},
    }


def test_dates_stay_strings_as_cloudformation_reads_them(template: Template):
    assert template.body["AWSTemplateFormatVersion"] == "2010-09-09"


def test_parameters_take_their_default_unless_overridden(tmp_path: Path, template: Template):
    assert template.parameters == {
        "Stage": "dev",
        "Size": "3",
        "Flag": "false",
        "Origins": ["a.example", "b.example"],
    }
    overridden = Template.load(template.path, overrides={"Stage": "local"})
    assert overridden.parameters["Stage"] == "local"
    assert overridden.stack_name == "byline-local"
    with pytest.raises(TemplateError, match="unknown parameters"):
        Template.load(template.path, overrides={"Nope": "x"})


def test_ref_and_sub_resolve_parameters_pseudo_parameters_and_resources(resolver: Resolver):
    assert resolver.resolve({"Ref": "Stage"}) == "dev"
    assert resolver.resolve({"Ref": "Table"}) == "ref-of-Table"
    assert resolver.resolve({"Ref": "AWS::Region"}) == "us-east-1"
    sub = "${Stage}-${AWS::AccountId}-${AWS::Region}-${Table}-${Dead.Arn}-${!Literal}"
    assert resolver.resolve({"Fn::Sub": sub}) == (
        "dev-123456789012-us-east-1-ref-of-Table-Arn-of-Dead-${Literal}"
    )
    assert resolver.resolve({"Fn::Sub": ["${A}/${Stage}", {"A": {"Ref": "Size"}}]}) == "3/dev"


def test_get_att_accepts_both_forms(resolver: Resolver):
    assert resolver.resolve({"Fn::GetAtt": ["Dead", "Arn"]}) == "Arn-of-Dead"
    assert resolver.resolve({"Fn::GetAtt": "Dead.Arn"}) == "Arn-of-Dead"


def test_conditions_and_if_follow_the_parameters(template: Template):
    default = Resolver(template, Lookup())
    assert default.condition("IsProd") is False
    assert default.condition("Neither") is True
    assert default.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "small"
    prod = Resolver(
        Template.load(template.path, overrides={"Stage": "prod", "Flag": "true"}), Lookup()
    )
    assert prod.condition("Either") is True
    assert prod.condition("Both") is True
    assert prod.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"


def test_no_value_removes_the_property(resolver: Resolver):
    value = {"keep": 1, "drop": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}}
    assert resolver.resolve(value) == {"keep": 1}
    assert resolver.resolve([1, {"Ref": "AWS::NoValue"}]) == [1]
    assert resolver.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_join_select_split_find_in_map_and_base64(resolver: Resolver):
    assert resolver.resolve({"Fn::Join": ["/", ["a", {"Ref": "Stage"}]]}) == "a/dev"
    assert resolver.resolve({"Fn::Select": [1, {"Ref": "Origins"}]}) == "b.example"
    assert resolver.resolve({"Fn::Split": [",", "x,y"]}) == ["x", "y"]
    assert resolver.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == 128
    assert resolver.resolve({"Fn::Base64": "hi"}) == "aGk="


def test_unknown_names_and_imports_are_errors(resolver: Resolver):
    with pytest.raises(TemplateError):
        resolver.resolve({"Ref": "Missing"})
    with pytest.raises(TemplateError):
        resolver.resolve({"Fn::ImportValue": "elsewhere"})
    with pytest.raises(TemplateError):
        resolver.condition("NoSuchCondition")


def test_globals_merge_into_a_function_like_sam_merges_them(template: Template):
    properties = template.properties("Fn")
    assert properties["Timeout"] == 30
    assert properties["Environment"]["Variables"] == {
        "STAGE": {"Ref": "Stage"},
        "SHARED": "no",
        "OWN": "1",
    }
    assert properties["Layers"] == [{"Ref": "Layer"}, "arn:aws:lambda:us-east-1:1:layer:x:1"]
    assert merge_globals({"A": {"Ref": "X"}}, {"A": {"Ref": "Y"}}) == {"A": {"Ref": "Y"}}


def test_references_and_dependency_order(template: Template):
    assert references({"Fn::Sub": "${Table}-${Dead.Arn}-${!Not}"}) == {"Table", "Dead"}
    order = dependency_order(template, ["Queue", "Dead", "Table"])
    assert order.index("Dead") < order.index("Queue")
    assert order.index("Table") < order.index("Dead")  # DependsOn counts too


def test_sam_quoted_header_values_lose_their_quotes():
    assert strip_quotes("'*'") == "*"
    assert strip_quotes("plain") == "plain"


def test_the_real_template_loads_and_every_function_resolves():
    template = Template.load(overrides={"Stage": "local"})
    resolver = Resolver(template, Lookup())
    for logical_id in template.of_type("AWS::Serverless::Function"):
        variables = resolver.resolve(template.properties(logical_id))["Environment"]["Variables"]
        assert variables["STAGE"] == "local"
        assert variables["TABLE_NAME"] == "ref-of-Table"
