"""The API routes template.yaml declares, read once for the tests that walk every route."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@cache
def template() -> dict[str, Any]:
    from local.template import load_yaml

    return dict(load_yaml((ROOT / "template.yaml").read_text()))


@cache
def api_routes() -> dict[tuple[str, str], str]:
    """(METHOD, path) of every Api event of a function -> the function's logical id."""
    routes = {}
    for logical_id, resource in template()["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] == "Api":
                    props = event["Properties"]
                    routes[(props["Method"].upper(), props["Path"])] = logical_id
    return routes
