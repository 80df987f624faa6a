"""GET /sitemaps/{month}: the sitemap of one month, ``YYYY-MM.xml`` (sitemaps.org): the articles
first published that month, with their last change; ``pages.xml``: the published pages.
/sitemap.xml is the index of them all."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.content.feeds import SITEMAP_TYPE
from byline.http.api import build_api, entrypoint, problem_responses, text_responses
from byline.http.responses import FEED_CACHE, cached_text
from byline.services.feeds import feed_service

app = build_api()


@app.get(
    "/sitemaps/<month>",
    operation_id="getMonthSitemap",
    summary="Sitemap of the articles first published in one month",
    description="`month` is `YYYY-MM.xml`; the current month's sitemap also lists the home "
    "page. A month still to come is a 404. `pages.xml` lists the published pages.",
    tags=["Feeds"],
    responses=text_responses(SITEMAP_TYPE, "The month's sitemap") | problem_responses(404),
)
def month_sitemap(
    month: Annotated[str, Path(min_length=1, max_length=16, examples=["2026-11.xml"])],
) -> Response[str | None]:
    sitemap = feed_service().sitemap_month(month)
    return cached_text(app, sitemap, SITEMAP_TYPE, cache_control=FEED_CACHE)


lambda_handler = entrypoint(app)
