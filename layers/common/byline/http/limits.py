"""Checks made on the raw proxy event before any route code runs."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any, NoReturn

from byline.errors import (
    BadRequest,
    DomainError,
    PayloadTooLarge,
    UnprocessableContent,
    UnsupportedMediaType,
)

_BODY_METHODS = {"POST", "PUT", "PATCH"}
MAX_JSON_DEPTH = 32
"""No request body of this API nests deeper than a few levels; Python's JSON parser fails with
a RecursionError (a 500) somewhere past 10,000, so depth is refused up front."""


MAX_NUMBER_LENGTH = 64
"""No number of this API needs more characters; DynamoDB keeps 38 significant digits, and
Python refuses integers of more than 4,300 digits with a ValueError that is not a JSON error."""


class _UnacceptableNumber(ValueError):
    pass


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _UnacceptableNumber(f"A number has more than {MAX_NUMBER_LENGTH} characters")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if len(text) > MAX_NUMBER_LENGTH or not math.isfinite(value):
        raise _UnacceptableNumber(f"A number is too large or has too many digits: {text[:20]}")
    return value


def _constant(text: str) -> NoReturn:
    raise _UnacceptableNumber(f"{text} is not JSON")


def load_json_body(text: str) -> Any:
    """The request body as Python values, with JSON's numbers bounded: every failure is a
    ``JSONDecodeError`` (which the resolver answers as a 400 problem), never a 500."""
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _UnacceptableNumber as error:
        raise json.JSONDecodeError(str(error), text, 0) from error


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def check_request(
    event: dict[str, Any], max_body_bytes: int, also_accept: tuple[str, ...] = ()
) -> DomainError | None:
    """The first limit the request breaks, or None: body size, encoding and content type
    (JSON, or one of ``also_accept``)."""
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        if len(body) * 3 // 4 > max_body_bytes + 3:
            return PayloadTooLarge(f"The request body is larger than {max_body_bytes} bytes.")
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return BadRequest("The request body is not valid base64.")
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > max_body_bytes:
        return PayloadTooLarge(f"The request body is larger than {max_body_bytes} bytes.")
    content_type = (_header(event, "content-type") or "").split(";")[0].strip().lower()
    if str(event.get("httpMethod", "")).upper() in _BODY_METHODS:
        is_json = content_type == "application/json" or content_type.endswith("+json")
        if not is_json and content_type not in also_accept:
            return UnsupportedMediaType(_unsupported(also_accept))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadRequest("The request body is not valid UTF-8.")
    if content_type in also_accept:
        return None  # a form: the route reads it; JSON's structure limits do not apply
    if _json_depth_exceeds(raw, MAX_JSON_DEPTH):
        return BadRequest(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    if raw.lstrip()[:1] == b"[":
        # Every body of this API is an object. Powertools' validation takes the first element
        # of a list for a non-list parameter (meant for repeated query parameters), so a body
        # [{...}] would pass as {...}: refuse it here.
        return UnprocessableContent("The request body must be a JSON object, not an array.")
    return None


def _unsupported(also_accept: tuple[str, ...]) -> str:
    if not also_accept:
        return "Send the request body as application/json."
    return f"Send the request body as {' or '.join(also_accept)}."


def _json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (brackets inside strings aside)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets: the usual, cheap answer
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False
