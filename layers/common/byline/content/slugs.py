"""URL slugs from titles: lower-case ASCII words joined by hyphens."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 80
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """``"Héllo, World!"`` → ``"hello-world"``; no letters or digits at all → ``"article"``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", ascii_title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-") or "article"


def with_suffix(slug: str, suffix: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """The slug made distinct by a suffix, still within the length limit."""
    room = max_length - len(suffix) - 1
    return f"{slug[:room].rstrip('-')}-{suffix}"
