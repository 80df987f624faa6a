"""RFC 9457 problem documents, the body of every error response."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:problem:byline:"


class FieldError(BaseModel):
    """One reason a request was refused, pointing at the offending part of it."""

    model_config = ConfigDict(extra="forbid")

    location: Annotated[str, Field(description="body, query, path or header")]
    pointer: Annotated[
        str, Field(description="JSON Pointer (RFC 6901) into the location, '' for all of it")
    ]
    detail: str
    type: Annotated[
        str, Field(description="machine-readable reason, e.g. missing, string_too_long")
    ]


class Problem(BaseModel):
    """An error, as ``application/problem+json``."""

    model_config = ConfigDict(extra="forbid")

    type: Annotated[str, Field(description="URI identifying the kind of problem")]
    title: str
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str
    instance: Annotated[str | None, Field(description="the request id")] = None
    errors: list[FieldError] | None = None
