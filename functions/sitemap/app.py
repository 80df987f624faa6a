"""GET /sitemap.xml: the home page and the 1,000 newest published articles (sitemaps.org)."""

from aws_lambda_powertools.event_handler import Response

from byline.content.feeds import SITEMAP_TYPE
from byline.http.api import build_api, entrypoint, problem_responses, text_responses
from byline.http.responses import FEED_CACHE, cached_text
from byline.services.feeds import feed_service

app = build_api()


@app.get(
    "/sitemap.xml",
    operation_id="getSitemap",
    summary="Sitemap of the published articles",
    tags=["Feeds"],
    responses=text_responses(SITEMAP_TYPE, "The sitemap") | problem_responses(),
)
def get_sitemap() -> Response[str | None]:
    return cached_text(app, feed_service().sitemap(), SITEMAP_TYPE, cache_control=FEED_CACHE)


lambda_handler = entrypoint(app)
