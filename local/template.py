"""template.yaml as data: a YAML loader for CloudFormation short tags and an intrinsic resolver.

The local stack reads the same template that SAM deploys, so nothing about resources, routes,
environment variables or timeouts is written down twice. Only what the local stack needs is
implemented: the intrinsic functions Byline's template uses (and their close relatives), the
``Globals`` section merged into functions and APIs, and conditions.

Intrinsics are parsed into their long JSON form (``!Ref X`` becomes ``{"Ref": "X"}``) so the
resolver has one shape to handle whichever syntax the template author chose.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT_ID = "123456789012"  # the account moto uses by default
PARTITION = "aws"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"

_SHORT_TAGS = (
    "Ref",
    "Condition",
    "Sub",
    "GetAtt",
    "If",
    "Equals",
    "Join",
    "Select",
    "Split",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "Base64",
    "ImportValue",
    "GetAZs",
    "Cidr",
    "Transform",
)


class CfnLoader(yaml.SafeLoader):
    """A SafeLoader that understands CloudFormation's ``!Tag`` shorthand.

    Timestamps are not auto-converted: CloudFormation treats ``2010-09-09`` as a string.
    """


CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct(tag: str) -> Callable[[CfnLoader, yaml.Node], Any]:
    def construct(loader: CfnLoader, node: yaml.Node) -> Any:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        if tag in ("Ref", "Condition"):
            return {tag: value}
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{tag}": value}

    return construct


for _tag in _SHORT_TAGS:
    CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader  # nosec B506


class TemplateError(Exception):
    """The template uses something the local stack cannot evaluate."""


class NoValue:
    """``AWS::NoValue``: the property it appears in is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = NoValue()


@dataclass(frozen=True)
class Template:
    """A parsed template and the parameter values it is evaluated with."""

    path: Path
    body: dict[str, Any]
    parameters: dict[str, Any]

    @classmethod
    def load(
        cls, path: Path | str = DEFAULT_TEMPLATE, overrides: Mapping[str, Any] | None = None
    ) -> Template:
        """Parse a template; parameters take their Default unless overridden (like SAM's
        ``--parameter-overrides``)."""
        path = Path(path).resolve()
        body = load_yaml(path.read_text(encoding="utf-8"))
        if not isinstance(body, dict) or "Resources" not in body:
            raise TemplateError(f"{path} is not a CloudFormation template")
        declared: dict[str, Any] = body.get("Parameters") or {}
        unknown = set(overrides or {}) - set(declared)
        if unknown:
            raise TemplateError(f"unknown parameters: {', '.join(sorted(unknown))}")
        parameters: dict[str, Any] = {}
        for name, spec in declared.items():
            if overrides and name in overrides:
                value: Any = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no Default; pass an override")
            parameters[name] = _parameter_value(spec.get("Type", "String"), value)
        return cls(path=path, body=body, parameters=parameters)

    @property
    def root(self) -> Path:
        """The directory CodeUri and ContentUri are relative to."""
        return self.path.parent

    @property
    def stage(self) -> str:
        return str(self.parameters.get("Stage", "local"))

    @property
    def stack_name(self) -> str:
        return f"byline-{self.stage}"

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.body.get("Resources") or {})

    def resource_type(self, logical_id: str) -> str:
        return str(self.resources[logical_id]["Type"])

    def of_type(self, *types: str) -> list[str]:
        return [lid for lid, res in self.resources.items() if res.get("Type") in types]

    def properties(self, logical_id: str) -> dict[str, Any]:
        """A resource's Properties with ``Globals`` merged in, as SAM does (unresolved)."""
        resource = self.resources[logical_id]
        own = copy.deepcopy(resource.get("Properties") or {})
        kind = {"AWS::Serverless::Function": "Function", "AWS::Serverless::Api": "Api"}.get(
            resource.get("Type", "")
        )
        if kind is None:
            return own
        defaults = copy.deepcopy((self.body.get("Globals") or {}).get(kind) or {})
        return merge_globals(defaults, own)


def merge_globals(defaults: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (the resource wins), lists add up, scalars are replaced."""
    merged = dict(defaults)
    for key, value in own.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = merge_globals(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = base + value
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in {"Ref", "Condition"} | {
        f"Fn::{t}" for t in _SHORT_TAGS
    }


def _parameter_value(kind: str, value: Any) -> Any:
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(v).strip() for v in items]
    return _as_string(value)


def _as_string(value: Any) -> str:
    """CloudFormation hands every scalar over as a string ("true", "30")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ResourceLookup(Protocol):
    """Where ``Ref`` and ``Fn::GetAtt`` of resources get their values."""

    def ref(self, logical_id: str) -> Any: ...

    def get_att(self, logical_id: str, attribute: str) -> Any: ...


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Resolver:
    """Evaluates intrinsic functions against parameters, conditions and resource values."""

    template: Template
    lookup: ResourceLookup
    region: str = LOCAL_REGION
    account_id: str = LOCAL_ACCOUNT_ID
    _conditions: dict[str, bool] = field(default_factory=dict)

    def pseudo_parameters(self) -> dict[str, Any]:
        stack = self.template.stack_name
        return {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack,
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{self.region}:{self.account_id}"
            f":stack/{stack}/00000000-0000-0000-0000-000000000000",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.template.body.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self._evaluate_condition(conditions[name]))
        return self._conditions[name]

    def _evaluate_condition(self, value: Any) -> bool:
        resolved = self.resolve(value)
        if isinstance(resolved, bool):
            return resolved
        return _as_string(resolved) == "true"

    def is_included(self, logical_id: str) -> bool:
        """Whether a resource exists under the current parameters (its ``Condition``)."""
        condition = self.template.resources[logical_id].get("Condition")
        return condition is None or self.condition(str(condition))

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic evaluated; ``AWS::NoValue`` entries removed."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            key, argument = next(iter(value.items()))
            handler = self._handlers().get(key)
            if handler is not None:
                return handler(argument)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _handlers(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Condition": lambda name: self.condition(str(name)),
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::Not": lambda args: not self._evaluate_condition(_single(args)),
            "Fn::And": lambda args: all(self._evaluate_condition(a) for a in args),
            "Fn::Or": lambda args: any(self._evaluate_condition(a) for a in args),
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda arg: base64.b64encode(
                str(self.resolve(arg)).encode("utf-8")
            ).decode("ascii"),
            "Fn::GetAZs": lambda _: [f"{self.region}{z}" for z in "abc"],
            "Fn::ImportValue": self._import_value,
        }

    def _ref(self, name: Any) -> Any:
        name = self.resolve(name)
        if name in self.template.parameters:
            return self.template.parameters[name]
        pseudo = self.pseudo_parameters()
        if name in pseudo:
            return pseudo[name]
        if name in self.template.resources:
            return self.lookup.ref(name)
        raise TemplateError(f"!Ref to unknown name {name}")

    def _get_att(self, argument: Any) -> Any:
        parts = self.resolve(argument)
        if isinstance(parts, str):
            parts = parts.split(".", 1)
        logical_id, attribute = str(parts[0]), str(parts[1])
        if logical_id not in self.template.resources:
            raise TemplateError(f"!GetAtt of unknown resource {logical_id}")
        return self.lookup.get_att(logical_id, attribute)

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], self.resolve(argument[1] if len(argument) > 1 else {})
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _as_string(variables[name])
            if "." in name and name.split(".", 1)[0] in self.template.resources:
                return _as_string(self._get_att(name))
            return _as_string(self._ref(name))

        return _SUB_VARIABLE.sub(replace, str(text))

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(str(name)) else when_false)

    def _equals(self, argument: Any) -> bool:
        left, right = (self.resolve(a) for a in argument)
        return bool(_as_string(left) == _as_string(right))

    def _join(self, argument: Any) -> str:
        delimiter, items = argument
        return str(delimiter).join(_as_string(v) for v in self.resolve(items))

    def _select(self, argument: Any) -> Any:
        index, items = argument
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, argument: Any) -> list[str]:
        delimiter, text = argument
        return str(self.resolve(text)).split(str(delimiter))

    def _find_in_map(self, argument: Any) -> Any:
        name, top, second = (self.resolve(a) for a in argument)
        mappings = self.template.body.get("Mappings") or {}
        try:
            return mappings[name][top][second]
        except KeyError as error:
            raise TemplateError(f"!FindInMap [{name}, {top}, {second}] not found") from error

    def _import_value(self, argument: Any) -> Any:
        raise TemplateError(
            f"!ImportValue {self.resolve(argument)!r}: cross-stack imports do not exist locally"
        )


def _single(args: Any) -> Any:
    return args[0] if isinstance(args, list) else args


def references(value: Any) -> set[str]:
    """Logical ids a value refers to (Ref, GetAtt and ``${...}`` in Sub): the dependency graph."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                found.add(argument)
            elif key == "Fn::GetAtt":
                parts = argument.split(".", 1) if isinstance(argument, str) else argument
                if isinstance(parts[0], str):
                    found.add(parts[0])
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                for name in _SUB_VARIABLE.findall(str(text)):
                    if not name.startswith("!"):
                        found.add(name.split(".", 1)[0])
                if isinstance(argument, list) and len(argument) > 1:
                    found |= references(argument[1])
            else:
                found |= references(argument)
    return found


def dependency_order(template: Template, logical_ids: Iterable[str]) -> list[str]:
    """The given resources ordered so that each comes after those it refers to."""
    wanted = list(logical_ids)
    wanted_set = set(wanted)
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered:
            return
        if logical_id in visiting:
            raise TemplateError(f"circular reference through {logical_id}")
        visiting.add(logical_id)
        resource = template.resources[logical_id]
        depends = resource.get("DependsOn") or []
        deps = references(resource.get("Properties") or {}) | set(
            [depends] if isinstance(depends, str) else depends
        )
        for dep in sorted(deps & wanted_set):
            visit(dep)
        visiting.discard(logical_id)
        ordered.append(logical_id)

    for logical_id in wanted:
        visit(logical_id)
    return ordered


def strip_quotes(value: Any) -> str:
    """API Gateway header values in SAM are quoted literals (``"'*'"``); the quotes go."""
    text = _as_string(value)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


def as_env_value(value: Any) -> str:
    """How Lambda sees a template value in an environment variable."""
    return _as_string(value)
