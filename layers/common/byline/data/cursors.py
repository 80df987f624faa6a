"""Opaque, tamper-evident pagination cursors.

A cursor is DynamoDB's LastEvaluatedKey, serialised, bound to the listing it came from and
signed with HMAC-SHA256, so a client can neither forge one nor replay it against another
listing; a bad cursor is a 400 problem, never a 500 or a surprising page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from byline.errors import BadRequest

MAX_CURSOR_LENGTH = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, listing: str, payload: str) -> str:
    digest = hmac.new(key, f"{listing}\x00{payload}".encode(), hashlib.sha256).digest()
    return _b64(digest[:20])


def encode(last_key: dict[str, Any] | None, listing: str, key: bytes) -> str | None:
    if not last_key:
        return None
    payload = _b64(json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(key, listing, payload)}"


def decode(cursor: str | None, listing: str, key: bytes) -> dict[str, Any] | None:
    """The key to resume from, or None to start at the beginning."""
    if cursor is None or cursor == "":
        return None
    refused = BadRequest("The cursor is invalid or belongs to another listing.")
    if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii() or cursor.count(".") != 1:
        raise refused
    payload, signature = cursor.split(".")
    if not hmac.compare_digest(signature, _signature(key, listing, payload)):
        raise refused
    try:
        value = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise refused from error
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise refused
    return value
