"""Generates the OpenAPI 3.1 document of the whole API from the functions' route declarations.

Each function declares its one route (path, method, security, models) on its own powertools
resolver. This module imports every ``functions/*/app.py``, asks each resolver for its part of
the document, and merges the parts. The result is written into the layer
(``layers/common/byline/openapi.json``) so that ``GET /openapi.json`` serves it without importing
every other function; a test regenerates it and fails when the committed copy is stale.

Run ``make template`` after changing a route or a model: it writes this document and
template.yaml, whose API events come from the same routes (``infra/template.py``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
DOCUMENT = ROOT / "layers" / "common" / "byline" / "openapi.json"

SECURITY_SCHEMES: dict[str, Any] = {
    "cognito": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The ID token from POST /auth/login (Cognito user pool).",
    }
}

DESCRIPTION = (
    "Byline is a serverless publishing backend: articles, comments, likes, follows and email "
    "digests. Errors are RFC 9457 problem documents (application/problem+json). Routes marked "
    "with the `cognito` scheme need `Authorization: Bearer <id token>`."
)


_BODILESS = {"204", "301", "302", "304"}


def _load(app_file: Path) -> ModuleType:
    name = f"byline_function_{app_file.parent.name}"
    spec = importlib.util.spec_from_file_location(name, app_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {app_file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def function_parts(functions_dir: Path = FUNCTIONS) -> dict[str, dict[str, Any]]:
    """Each API function's own OpenAPI document, keyed by the function's folder name."""
    os.environ.setdefault("TABLE_NAME", "openapi-generation")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    parts: dict[str, dict[str, Any]] = {}
    for app_file in sorted(functions_dir.glob("*/app.py")):
        module = _load(app_file)
        resolver = getattr(module, "app", None)
        folder = f"functions/{app_file.parent.name}/app.py"
        others = sorted(
            name
            for name, value in vars(module).items()
            if isinstance(value, BaseRouter) and name != "app"
        )
        if others:
            raise ValueError(
                f"{folder}: resolver {', '.join(others)} is not named app; the template and this "
                "document read the route from app only"
            )
        if resolver is not None and not isinstance(resolver, APIGatewayRestResolver):
            raise ValueError(
                f"{folder}: app is of type {type(resolver).__name__}, not the REST API's "
                "APIGatewayRestResolver (byline.http.api.build_api)"
            )
        if resolver is None:
            continue
        schema = resolver.get_openapi_schema(
            title="Byline API",
            security_schemes=SECURITY_SCHEMES,
        )
        parts[app_file.parent.name] = schema.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
    return parts


def _merge_schemas(target: dict[str, Any], schemas: dict[str, Any], origin: str) -> None:
    for name, schema in schemas.items():
        if name in target and target[name] != schema:
            raise ValueError(f"component schema {name!r} differs in {origin}; rename one model")
        target[name] = schema


def build_document(
    functions_dir: Path = FUNCTIONS, parts: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The whole document; ``parts`` when the caller already imported every function."""
    from byline import __version__

    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    if parts is None:
        parts = function_parts(functions_dir)
    for origin, part in parts.items():
        for path, item in part.get("paths", {}).items():
            for method, operation in item.items():
                if method in paths.get(path, {}):
                    raise ValueError(f"{method.upper()} {path} is declared twice ({origin})")
                if "responses" in operation:
                    responses = dict(sorted(operation["responses"].items()))
                    for status in _BODILESS & responses.keys():
                        responses[status].pop("content", None)
                    operation["responses"] = responses
                paths.setdefault(path, {})[method] = operation
        _merge_schemas(schemas, part.get("components", {}).get("schemas", {}), origin)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Byline API", "version": __version__, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": {path: paths[path] for path in sorted(paths)},
        "components": {
            "schemas": {name: schemas[name] for name in sorted(schemas)},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help=f"write {DOCUMENT.relative_to(ROOT)}")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed copy is stale"
    )
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.write:
        DOCUMENT.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT.relative_to(ROOT)}", file=sys.stderr)
    elif args.check:
        if DOCUMENT.read_text(encoding="utf-8") != text:
            print("openapi.json is stale: run make template", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
