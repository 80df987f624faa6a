"""Identifiers that sort by creation time (like ULIDs): 10 characters of milliseconds and 12
random ones, Crockford base32, lower-case so they read well in URLs.

An id has a shape no slug may have (:func:`looks_like_id`, content/slugs.py), so one path
segment can name an article by either (docs/decisions/0014-article-reads-by-id-or-slug.md)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ID_LENGTH = 22
_ID_SHAPE = re.compile(f"[{_ALPHABET}]{{{ID_LENGTH}}}")


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, remainder = divmod(number, 32)
        chars.append(_ALPHABET[remainder])
    return "".join(reversed(chars))


def new_id(moment: datetime) -> str:
    millis = int(moment.timestamp() * 1000)
    return _base32(millis, 10) + _base32(secrets.randbits(60), 12)


def looks_like_id(text: str) -> bool:
    """Could ``text`` be an id :func:`new_id` made (22 characters of its alphabet)?"""
    return _ID_SHAPE.fullmatch(text) is not None
