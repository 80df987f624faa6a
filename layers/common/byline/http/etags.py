"""If-Match and If-None-Match: comparing the entity tags a request names with the current one
(the tag itself is the representation's version, byline/models/etags.py)."""

from __future__ import annotations

from byline.errors import PreconditionFailed, PreconditionRequired


def matches(header: str | None, etag: str, *, strong: bool = False) -> bool:
    """Whether an If-None-Match (weak comparison) or If-Match (``strong``: a ``W/`` tag never
    matches, RFC 9110 13.1.1) header names ``etag``; ``*`` matches any current version and
    lists are allowed."""
    if not header:
        return False
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or etag in candidates or (not strong and f"W/{etag}" in candidates)


def require_match(
    if_match: str | None,
    current: str,
    changed: str = "The article changed since you read it; fetch it again.",
) -> None:
    """Optimistic concurrency: a write must name the version it was based on (``changed``
    says what moved when it does not)."""
    if not if_match:
        raise PreconditionRequired("Send If-Match with the ETag of the version you edited.")
    if not matches(if_match, current, strong=True):
        raise PreconditionFailed(changed)
