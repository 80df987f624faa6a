"""The version (entity tag) of a representation: a strong hash of what a client received, or
of the part of it that a write's If-Match guards. Comparing it with request headers is HTTP's
business (byline/http/etags.py)."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel


def etag_of(representation: BaseModel, *, without: frozenset[str] = frozenset()) -> str:
    """The hash of ``representation``; ``without`` leaves fields out, so that what others move
    (counters) does not change a version an edit is based on."""
    return etag_of_text(representation.model_dump_json(exclude=set(without) or None))


def etag_of_text(body: str) -> str:
    """The ETag of a representation that is already text (a feed, a sitemap)."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    return f'"{digest[:32]}"'
