"""GET /feed.xml: the 20 newest published articles as RSS 2.0, with their HTML."""

from aws_lambda_powertools.event_handler import Response

from byline.content.feeds import RSS_TYPE
from byline.http.api import build_api, entrypoint, problem_responses, text_responses
from byline.http.responses import FEED_CACHE, cached_text
from byline.services.feeds import feed_service

app = build_api()


@app.get(
    "/feed.xml",
    operation_id="getSiteFeed",
    summary="RSS 2.0 feed of the newest published articles",
    tags=["Feeds"],
    responses=text_responses(RSS_TYPE, "The feed") | problem_responses(),
)
def site_feed() -> Response[str | None]:
    return cached_text(app, feed_service().site_feed(), RSS_TYPE, cache_control=FEED_CACHE)


lambda_handler = entrypoint(app)
