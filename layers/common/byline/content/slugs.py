"""URL slugs from titles: lower-case ASCII words joined by hyphens, never shaped like an id."""

from __future__ import annotations

import re
import unicodedata

from byline.ids import looks_like_id

MAX_SLUG_LENGTH = 80
ID_SHAPED_SUFFIX = "article"
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """``"Héllo, World!"`` → ``"hello-world"``; no letters or digits at all → ``"article"``.

    A slug that would look like an id gets ``-article``: ``GET /articles/{article}`` reads an
    id-shaped segment as an id, so such a slug could never be read, or could shadow an id."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", ascii_title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    slug = slug.strip("-") or "article"
    if looks_like_id(slug):
        return with_suffix(slug, ID_SHAPED_SUFFIX, max_length)
    return slug


def with_suffix(slug: str, suffix: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """The slug made distinct by a suffix, still within the length limit (the hyphen keeps it
    from looking like an id)."""
    room = max_length - len(suffix) - 1
    return f"{slug[:room].rstrip('-')}-{suffix}"
