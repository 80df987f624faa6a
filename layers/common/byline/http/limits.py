"""Checks made on the raw proxy event before any route code runs."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from byline.errors import BadRequest, DomainError, PayloadTooLarge, UnsupportedMediaType

_BODY_METHODS = {"POST", "PUT", "PATCH"}


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
    if str(event.get("httpMethod", "")).upper() in _BODY_METHODS:
        content_type = (_header(event, "content-type") or "").split(";")[0].strip().lower()
        is_json = content_type == "application/json" or content_type.endswith("+json")
        if not is_json and content_type not in also_accept:
            return UnsupportedMediaType("Send the request body as application/json.")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadRequest("The request body is not valid UTF-8.")
    return None
