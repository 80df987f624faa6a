"""The Ghost Content API's error body, for the OpenAPI document (the bodies themselves are
written by byline.ghost.errors, key for key as Ghost writes them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class GhostErrorItem(BaseModel):
    message: str = Field(description="Ghost's message, e.g. `Unknown Content API Key`")
    context: str | None = None
    type: str = Field(description="Ghost's error class: NotFoundError, UnauthorizedError, ...")
    details: Any = None
    property: str | None = None
    help: str | None = None
    code: str | None = None
    id: str = Field(description="a fresh UUID per response")
    ghostErrorCode: str | None = None


class GhostErrors(BaseModel):
    """Ghost's error envelope: always exactly one error."""

    errors: list[GhostErrorItem]
