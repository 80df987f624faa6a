"""Entity tags: a strong hash of the representation a client received, or of the part of it
that a write's If-Match guards."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from byline.errors import PreconditionFailed, PreconditionRequired


def etag_of(representation: BaseModel, *, without: frozenset[str] = frozenset()) -> str:
    """The hash of ``representation``; ``without`` leaves fields out, so that what others move
    (counters) does not change a version an edit is based on."""
    return etag_of_text(representation.model_dump_json(exclude=set(without) or None))


def etag_of_text(body: str) -> str:
    """The ETag of a representation that is already text (a feed, a sitemap)."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    return f'"{digest[:32]}"'


def matches(header: str | None, etag: str, *, strong: bool = False) -> bool:
    """Whether an If-None-Match (weak comparison) or If-Match (``strong``: a ``W/`` tag never
    matches, RFC 9110 13.1.1) header names ``etag``; ``*`` matches any current version and
    lists are allowed."""
    if not header:
        return False
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or etag in candidates or (not strong and f"W/{etag}" in candidates)


def require_match(if_match: str | None, current: str) -> None:
    """Optimistic concurrency: a write must name the version it was based on."""
    if not if_match:
        raise PreconditionRequired("Send If-Match with the ETag of the version you edited.")
    if not matches(if_match, current, strong=True):
        raise PreconditionFailed("The article changed since you read it; fetch it again.")
