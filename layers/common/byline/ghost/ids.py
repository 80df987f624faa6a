"""Content API identifiers: Ghost's 24 hex characters, derived from Byline's own.

Ghost front-ends pass back the ids they were given (``/posts/{id}/``), and Ghost answers an id
that is not 24 hex characters with a 422 (GHOST-CONTENT-API.md §7.6), so every object the
Content API shows carries one. Byline's ids are 22 base-32 characters (110 bits), more than 24
hex characters hold, so a Content API id is a hash: the first 96 bits of SHA-256 over the kind
and Byline's id. Posts and pages are found by it through a lookup item written when they are
published; tags and authors are few, and are matched by computing theirs.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Final, Literal

GHOST_ID: Final = re.compile(r"[0-9a-f]{24}")
_UUID_NAMESPACE: Final = uuid.UUID("7c0b4e36-4a53-4d0b-9a55-2f8f3c0a8a11")

Kind = Literal["post", "tag", "author"]


def content_id(kind: Kind, value: str) -> str:
    """The Content API id of a post or page (``value``: its Byline id), a tag (its slug) or an
    author (their username): 24 lowercase hex characters, the same on every read."""
    digest = hashlib.sha256(f"{kind}:{value.lower() if kind != 'post' else value}".encode())
    return digest.hexdigest()[:24]


def content_uuid(article_id: str) -> str:
    """A post's ``uuid`` (Ghost gives each post a random UUID v4 beside its id): a v4-shaped
    UUID made from a hash of Byline's id, so it is the same on every read."""
    digest = hashlib.sha256(f"{_UUID_NAMESPACE}:{article_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))
