"""Turns every kind of failure into one RFC 9457 problem document."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from byline.errors import DomainError
from byline.models.problem import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX, FieldError, Problem

_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def problem_body(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    errors: Sequence[FieldError] | None = None,
) -> str:
    phrase = HTTPStatus(status).phrase
    problem = Problem(
        type=PROBLEM_TYPE_PREFIX + (slug or phrase.lower().replace(" ", "-")),
        title=title or phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors) if errors else None,
    )
    return problem.model_dump_json(exclude_none=True)


def problem_from_error(error: DomainError, instance: str | None = None) -> str:
    return problem_body(
        error.status, error.detail, slug=error.type_slug, title=error.title, instance=instance
    )


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def field_errors(raw_errors: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic/powertools validation errors as problem ``errors`` entries."""
    result = []
    for raw in raw_errors:
        loc = list(raw.get("loc", ()))
        location = str(loc.pop(0)) if loc and str(loc[0]) in _LOCATIONS else "body"
        result.append(
            FieldError(
                location=location,
                pointer=_pointer(loc),
                detail=str(raw.get("msg", "is invalid")),
                type=str(raw.get("type", "invalid")),
            )
        )
    return result


def is_malformed_json(raw_errors: Sequence[Mapping[str, Any]]) -> bool:
    return any(raw.get("type") == "json_invalid" for raw in raw_errors)


def json_problem(
    status: int, body: str, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A complete API Gateway proxy response carrying a problem document."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": PROBLEM_CONTENT_TYPE, **(headers or {})},
        "body": body,
        "isBase64Encoded": False,
    }


def loads_problem(body: str) -> dict[str, Any]:
    """Parse a problem document (a convenience for tests and clients)."""
    parsed: dict[str, Any] = json.loads(body)
    return parsed
