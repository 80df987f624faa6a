"""GET /ghost/api/{path+}: Ghost's Content API (posts, pages, authors, tags, settings, tiers),
also under the legacy prefixes v2, v3, v4 and canary, for Ghost front-ends (docs/GHOST.md).

Authenticated by a Content API key in ``?key=`` (``POST /content-keys``), not by Cognito. Ghost's
own routing, parameters and error bodies apply (byline/http/ghost.py), not Byline's problem
documents: front-ends written for Ghost read them."""

from typing import Any

from byline.ghost.params import Query
from byline.http.api import build_api
from byline.http.ghost import Handlers, Route, entrypoint
from byline.models.ghost import GhostErrors
from byline.services.content_keys import key_of, verify
from byline.services.ghost_content import GHOST_VERSION, ghost_content

app = build_api()


@app.get(
    "/ghost/api/<path>",
    operation_id="ghostContentApi",
    summary="Ghost Content API (every path under /ghost/api/; authenticated by ?key=)",
    description=(
        "Serves Ghost's Content API: content/posts/, content/posts/{id}/, "
        "content/posts/slug/{slug}/ and the same for pages, authors and tags, content/settings/ "
        "and content/tiers/, also under v2/, v3/, v4/ and canary/. Answers in Ghost's shapes, "
        "errors included (docs/GHOST.md)."
    ),
    tags=["Ghost Content API"],
    openapi_extensions={"x-byline-greedy-path": True, "x-byline-errors": "ghost"},
    responses={
        200: {"description": "Ghost's envelope: {posts|pages|authors|tags|tiers: [...], meta}"},
        301: {"description": "The same path with its trailing slash"},
        304: {"description": "Not modified"},
        **{
            status: {
                "description": description,
                "content": {"application/json": {"model": GhostErrors}},
            }
            for status, description in {
                400: "A filter Byline does not run, or a key given twice",
                401: "An unknown Content API key",
                403: "No key",
                404: "No such resource or path",
                406: "No such path, for the client's Accept-Version",
                422: "A bad parameter (limit, page, order, formats, id or slug)",
                500: "An unexpected failure",
            }.items()
        },
    },
)
def ghost_api(path: str) -> dict[str, Any]:  # pragma: no cover - the entry point routes
    raise NotImplementedError("routed by byline.http.ghost")


def _browse(query: Query, key: str) -> dict[str, Any]:
    service = ghost_content().for_key(key)
    match query.resource:
        case "posts":
            return service.browse_posts(query)
        case "pages":
            return service.browse_pages(query)
        case "authors":
            return service.browse_authors(query)
        case "tags":
            return service.browse_tags(query)
        case _:
            return service.tiers(query)


def _read(query: Query, route: Route, key: str) -> dict[str, Any]:
    service = ghost_content().for_key(key)
    if query.resource in ("posts", "pages"):
        return service.read_post(query, slug=route.slug, ghost_id=route.ghost_id)
    if query.resource == "authors":
        return service.read_author(query, slug=route.slug, ghost_id=route.ghost_id)
    return service.read_tag(query, slug=route.slug, ghost_id=route.ghost_id)


def _handlers() -> Handlers:
    """Built per request from the layer's cached service (nothing here caches a client)."""
    return Handlers(
        key_of=key_of,
        verify_key=verify,
        browse=_browse,
        read=_read,
        settings=lambda key: ghost_content().for_key(key).settings(),
        site_url=ghost_content().site_url,
        ghost_version=GHOST_VERSION,
    )


lambda_handler = entrypoint(_handlers)
