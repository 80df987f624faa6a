"""GET /tags/{tag}/feed.xml: the 20 newest published articles with a tag as RSS 2.0 (excerpts).
A tag without articles gets an empty feed, not a 404."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.content.feeds import RSS_TYPE
from byline.http.api import build_api, entrypoint, problem_responses, text_responses
from byline.http.responses import FEED_CACHE, cached_text
from byline.services.feeds import feed_service

app = build_api()


@app.get(
    "/tags/<tag>/feed.xml",
    operation_id="getTagFeed",
    summary="RSS 2.0 feed of the newest published articles with a tag",
    tags=["Feeds"],
    responses=text_responses(RSS_TYPE, "The feed (empty when no article has the tag)")
    | problem_responses(),
)
def tag_feed(
    tag: Annotated[str, Path(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9]+$")],
) -> Response[str | None]:
    return cached_text(app, feed_service().tag_feed(tag), RSS_TYPE, cache_control=FEED_CACHE)


lambda_handler = entrypoint(app)
