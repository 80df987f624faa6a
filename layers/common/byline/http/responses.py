"""Responses with HTTP caching: ETag, If-None-Match (304) and Cache-Control."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import BaseModel

from byline.http.etags import matches
from byline.models.etags import etag_of, etag_of_text

PUBLIC_CACHE = "public, max-age=60, s-maxage=300, stale-while-revalidate=600"
FEED_CACHE = "public, max-age=300, stale-while-revalidate=600"
"""Feeds and sitemaps are polled by crawlers and feed readers: five minutes is fresh enough."""
PRIVATE_CACHE = "private, no-cache"


JSON = "application/json"


def json_response(status: int, body: BaseModel, **headers: str) -> Response[Any]:
    """A JSON response with a model body (powertools serialises the model)."""
    return Response(status, content_type=JSON, body=body, headers=headers)


def header(app: APIGatewayRestResolver, name: str) -> str | None:
    for key, value in (app.current_event.headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def cached(
    app: APIGatewayRestResolver,
    representation: BaseModel,
    *,
    public: bool,
    etag: str | None = None,
) -> Response[Any]:
    """200 with an ETag, or 304 with no body when the client already has this version.

    The body is the JSON text the ETag is the hash of, serialised once by pydantic, rather than
    the model for powertools to encode again (the routes return ``Response[Any]``). A route may
    name another ``etag`` (an article's edit ETag, which leaves out readers' counters)."""
    body = representation.model_dump_json()
    etag = etag or etag_of_text(body)
    headers = {"ETag": etag, "Cache-Control": PUBLIC_CACHE if public else PRIVATE_CACHE}
    if matches(header(app, "If-None-Match"), etag):
        return Response(304, headers=headers, body=None)
    return Response(200, content_type=JSON, body=body, headers=headers)


def cached_text(
    app: APIGatewayRestResolver,
    body: str,
    media_type: str,
    *,
    cache_control: str = PUBLIC_CACHE,
) -> Response[str | None]:
    """:func:`cached` for a text representation (XML), sent as UTF-8: 200 with an ETag, or
    304. ``media_type`` is without parameters (``application/rss+xml``)."""
    etag = etag_of_text(body)
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if matches(header(app, "If-None-Match"), etag):
        return Response(304, headers=headers, body=None)
    return Response(200, content_type=f"{media_type}; charset=utf-8", body=body, headers=headers)


def with_etag(
    representation: BaseModel, status: int = 200, *, etag: str | None = None, **headers: str
) -> Response[Any]:
    return json_response(status, representation, ETag=etag or etag_of(representation), **headers)


PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
)


def page_policy(images: str = "") -> str:
    """The pages' CSP; with ``images`` (an origin), images from that origin and no other."""
    return f"{PAGE_POLICY}; img-src {images}" if images else PAGE_POLICY


def html_page(html: str, status: int = 200, *, images: str = "") -> Response[str]:
    """A small server-rendered page (unsubscribe, a digest): inline styles and a same-origin
    form only, and images from the ``images`` origin when one is given (a digest's covers)."""
    return Response(
        status,
        content_type="text/html; charset=utf-8",
        body=html,
        headers={"Content-Security-Policy": page_policy(images), "Cache-Control": "no-store"},
    )
