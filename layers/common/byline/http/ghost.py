"""The Ghost Content API over HTTP: one Lambda for every path under ``/ghost/api/``.

API Gateway hands the function ``/ghost/api/{path+}``; this module routes it as Ghost does
(GHOST-CONTENT-API.md §1-§6), in Ghost's order: the legacy prefixes (``v2``, ``v3``, ``v4``,
``canary``) are served with ``Deprecation`` and ``Link`` headers, an unknown path is a 404 (or
406/400 by ``Accept-Version``) without looking at the key, then the key decides (403, 400,
401), then a path without its trailing slash is redirected (301), then the resource answers.
Every response is Ghost's: its error envelope, ``Access-Control-Allow-Origin: *``,
``Content-Version``, a weak ETag honoured by ``If-None-Match``, and Ghost's cache headers,
with a CDN-friendly lifetime on successes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast
from urllib.parse import quote, urlencode

from byline.ghost.errors import (
    BadRequestError,
    GhostError,
    InternalServerError,
    NotFoundError,
    RequestNotAcceptableError,
    render,
)
from byline.ghost.params import Query, Resource, action, read_query
from byline.observability import logger, metrics

BASE: Final = "/ghost/api/"
LEGACY: Final = {"v2": "v2", "v3": "v3", "v4": "v4", "canary": "v4"}
"""Prefixes Ghost still serves, and the version its ``Deprecation`` header names."""
COLLECTIONS: Final = frozenset({"posts", "pages", "authors", "tags"})
SINGLETONS: Final = frozenset({"settings", "tiers"})

SUCCESS_CACHE: Final = "public, max-age=0, s-maxage=60, stale-while-revalidate=300"
"""Browsers revalidate (ETag, 304); a CDN keeps a response a minute and may serve it stale for
five more while it refetches. Ghost sends ``public, max-age=0`` by default."""
NOT_FOUND_CACHE: Final = (
    "no-cache, max-age=0, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0"
)
ERROR_CACHE: Final = (
    "no-cache, private, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0"
)
REDIRECT_CACHE: Final = "public, max-age=31536000"
JSON_TYPE: Final = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Route:
    resource: str
    slug: str | None = None
    ghost_id: str | None = None

    @property
    def browse(self) -> bool:
        return self.slug is None and self.ghost_id is None


def route_of(segments: Sequence[str]) -> Route | None:
    """The Content API route of the path's segments after ``content/`` (empty ones removed),
    or None when Ghost has none there."""
    match list(segments):
        case [resource] if resource in COLLECTIONS | SINGLETONS:
            return Route(resource)
        case [resource, "slug", slug] if resource in COLLECTIONS:
            return Route(resource, slug=slug)
        case [resource, ghost_id] if resource in COLLECTIONS:
            return Route(resource, ghost_id=ghost_id)
    return None


def _version(text: str) -> tuple[int, int] | None:
    """``semver.coerce`` of an ``Accept-Version`` value: its first number and the next."""
    found = re.search(r"(\d+)(?:\.(\d+))?", text)
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2) or 0)


def not_found_for(accept_version: str | None, ghost_version: str) -> GhostError:
    """What Ghost answers where no route matched (§4): by the client's ``Accept-Version``."""
    current = _version(ghost_version)
    if accept_version:
        asked = _version(accept_version)
        if asked is None:
            error: GhostError = BadRequestError("Requested version is not supported.")
            return error
        if asked != current:
            ahead = asked > (current or (0, 0))
            return RequestNotAcceptableError(
                "Request could not be served, the endpoint was not found.",
                context=(
                    f"Provided client accept-version {accept_version} is "
                    f"{'ahead of' if ahead else 'behind'} current Ghost version v{ghost_version}."
                ),
                help="Try upgrading your Ghost install."
                if ahead
                else "Try upgrading your Ghost API client.",
                code="UPDATE_GHOST" if ahead else "UPDATE_CLIENT",
            )
    return NotFoundError("Resource not found")


@dataclass(frozen=True)
class Request:
    path: str
    parameters: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> Request:
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        multi = event.get("multiValueQueryStringParameters") or {}
        single = event.get("queryStringParameters") or {}
        parameters = {str(k): [str(v) for v in values or ()] for k, values in multi.items()}
        for name, value in single.items():
            parameters.setdefault(str(name), [str(value)])
        return cls(path=str(event.get("path") or ""), parameters=parameters, headers=headers)

    def query_string(self) -> str:
        return urlencode([(k, v) for k, values in self.parameters.items() for v in values])


@dataclass(frozen=True)
class Handlers:
    """What the routes call (the service's methods; tests give fakes)."""

    key_of: Callable[[Sequence[str] | None], str]
    """The request's key, its shape and number checked without a read (403, 400, 401)."""
    verify_key: Callable[[Sequence[str] | None], object]
    """The same, and the key read (401 when it is no key of the site)."""
    browse: Callable[[Query, str], dict[str, Any]]
    read: Callable[[Query, Route, str], dict[str, Any]]
    settings: Callable[[str], dict[str, Any]]
    """Each reads the key's item with the first items it reads, and answers 401 without it."""
    site_url: str
    ghost_version: str


def _response(
    status: int,
    body: str,
    cache_control: str,
    extra: Mapping[str, str] | None = None,
    *,
    request: Request | None = None,
) -> dict[str, Any]:
    headers = {
        "Content-Type": JSON_TYPE,
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": cache_control,
        "Vary": "Accept-Version, Accept-Encoding",
        **(extra or {}),
    }
    if status == 200 and request is not None:
        etag = 'W/"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
        headers["ETag"] = etag
        candidates = [
            c.strip().removeprefix("W/")
            for c in request.headers.get("if-none-match", "").split(",")
        ]
        if etag.removeprefix("W/") in candidates or "*" in candidates:
            return {"statusCode": 304, "headers": headers, "body": ""}
    return {"statusCode": status, "headers": headers, "body": body}


def _error(error: GhostError, extra: Mapping[str, str], request: Request) -> dict[str, Any]:
    """Ghost's error response: a 404 to a request without credentials may be cached as "not
    there"; every other error is private."""
    credentials = {"cookie", "authorization"} & request.headers.keys()
    cache = NOT_FOUND_CACHE if error.status == 404 and not credentials else ERROR_CACHE
    return _response(error.status, render(error), cache, extra)


def handle(event: Mapping[str, Any], handlers: Handlers) -> dict[str, Any]:
    request = Request.of(event)
    path = request.path
    rest = path[len(BASE) :] if path.startswith(BASE) else ""
    segments = rest.split("/")
    extra = {"Content-Version": f"v{handlers.ghost_version}"}
    accept_version = request.headers.get("accept-version")
    if segments and segments[0] in LEGACY:
        legacy = segments.pop(0)
        accept_version = accept_version or f"{LEGACY[legacy]}.0"  # as Ghost's rewrite sets it
        latest = f"{handlers.site_url.rstrip('/')}{BASE}{'/'.join(segments)}"
        query = request.query_string()
        extra["Deprecation"] = f'version="{LEGACY[legacy]}"'
        extra["Link"] = f'<{latest}{"?" + query if query else ""}>; rel="latest-version"'
    route = route_of([s for s in segments[1:] if s]) if segments[:1] == ["content"] else None
    if route is None or any(not s for s in segments[1:-1]):
        return _error(not_found_for(accept_version, handlers.ghost_version), extra, request)
    try:
        if not path.endswith("/"):
            handlers.verify_key(request.parameters.get("key"))
            query = request.query_string()
            # relative to the request's own URL, so a stage or base path in front of the
            # function's path (/Prod/ghost/...) is kept: the last segment, with its slash
            last = path.rstrip("/").rsplit("/", 1)[-1]
            # as it came (already percent-encoded), with only what a path may not hold escaped
            location = quote(last, safe="%!$&'()*+,;=:@-._~") + "/" + (f"?{query}" if query else "")
            return {
                "statusCode": 301,
                "headers": {
                    "Location": location,
                    "Cache-Control": REDIRECT_CACHE,
                    "Access-Control-Allow-Origin": "*",
                    "Vary": "Accept-Version, Accept-Encoding",
                    **extra,
                },
                "body": "",
            }
        key = handlers.key_of(request.parameters.get("key"))
        if route.resource == "settings":
            body = handlers.settings(key)
        else:
            resource = cast("Resource", route.resource)
            try:
                parsed = read_query(resource, request.parameters, browse=route.browse)
            except GhostError:
                handlers.verify_key(request.parameters.get("key"))  # Ghost: the key first
                raise
            body = (
                handlers.browse(parsed, key) if route.browse else handlers.read(parsed, route, key)
            )
    except GhostError as error:
        return _error(error, extra, request)
    except Exception as error:  # Ghost's shape, never a stack trace
        logger.exception("Unhandled error in the Content API", exc_info=error)
        metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
        doing = action(cast("Resource", route.resource), browse=route.browse)
        return _error(
            InternalServerError(f"Internal server error, cannot {doing}."), extra, request
        )
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return _response(200, text, SUCCESS_CACHE, extra, request=request)


def entrypoint(handlers: Callable[[], Handlers]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler of the Content API function: Ghost's routing instead of the
    resolver's (which declares the route for the template and the OpenAPI document only)."""
    from byline.http.headers import apply_standard_headers
    from byline.observability import tracer

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_id = (event.get("requestContext") or {}).get("requestId")
        logger.set_correlation_id(request_id)
        return apply_standard_headers(handle(event, handlers()), request_id)

    return cast(Callable[[dict[str, Any], Any], dict[str, Any]], lambda_handler)
