"""Headers every response carries, and helpers to set them on a proxy response."""

from __future__ import annotations

from typing import Any

SECURITY_HEADERS: dict[str, str] = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-site",
    "Permissions-Policy": "()",
}


def has_header(response: dict[str, Any], name: str) -> bool:
    lowered = name.lower()
    for key in ("headers", "multiValueHeaders"):
        if any(k.lower() == lowered for k in (response.get(key) or {})):
            return True
    return False


def set_header(response: dict[str, Any], name: str, value: str, *, overwrite: bool = True) -> None:
    """Set a header on an API Gateway proxy response, whichever header map it uses."""
    if not overwrite and has_header(response, name):
        return
    if "multiValueHeaders" in response:
        multi = response["multiValueHeaders"] or {}
        for key in [k for k in multi if k.lower() == name.lower()]:
            del multi[key]
        multi[name] = [value]
        response["multiValueHeaders"] = multi
    else:
        headers = response.get("headers") or {}
        for key in [k for k in headers if k.lower() == name.lower()]:
            del headers[key]
        headers[name] = value
        response["headers"] = headers


_DEFAULTS = tuple(
    (name, name.lower(), value)
    for name, value in (*SECURITY_HEADERS.items(), ("Cache-Control", "no-store"))
)


def apply_standard_headers(response: dict[str, Any], request_id: str | None) -> dict[str, Any]:
    """Add the security headers and ``Cache-Control: no-store`` where the route set none, and
    ``X-Request-Id``. Runs on every response, so it reads the header names once."""
    multi = "multiValueHeaders" in response
    target_key = "multiValueHeaders" if multi else "headers"
    present = {
        k.lower() for key in ("headers", "multiValueHeaders") for k in response.get(key) or {}
    }
    target = response.get(target_key) or {}
    for name, lowered, value in _DEFAULTS:
        if lowered not in present:
            target[name] = [value] if multi else value
    response[target_key] = target
    if request_id:
        set_header(response, "X-Request-Id", request_id)
    return response
