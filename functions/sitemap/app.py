"""GET /sitemap.xml: the sitemap index (sitemaps.org), one sitemap per month of first publication,
from the earliest published article to this month (GET /sitemaps/{month})."""

from aws_lambda_powertools.event_handler import Response

from byline.content.feeds import SITEMAP_TYPE
from byline.http.api import build_api, entrypoint, problem_responses, text_responses
from byline.http.responses import FEED_CACHE, cached_text
from byline.services.feeds import feed_service

app = build_api()


@app.get(
    "/sitemap.xml",
    operation_id="getSitemap",
    summary="Sitemap index: one sitemap per month of published articles",
    tags=["Feeds"],
    responses=text_responses(SITEMAP_TYPE, "The sitemap index") | problem_responses(),
)
def get_sitemap() -> Response[str | None]:
    return cached_text(app, feed_service().sitemap(), SITEMAP_TYPE, cache_control=FEED_CACHE)


lambda_handler = entrypoint(app)
