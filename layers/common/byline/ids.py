"""Identifiers that sort by creation time (like ULIDs): 10 characters of milliseconds and 12
random ones, Crockford base32, lower-case so they read well in URLs."""

from __future__ import annotations

import secrets
from datetime import datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, remainder = divmod(number, 32)
        chars.append(_ALPHABET[remainder])
    return "".join(reversed(chars))


def new_id(moment: datetime) -> str:
    millis = int(moment.timestamp() * 1000)
    return _base32(millis, 10) + _base32(secrets.randbits(60), 12)
