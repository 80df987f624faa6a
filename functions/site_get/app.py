"""GET /site: the site's settings (title, images, navigation, language, time zone, SEO and
social defaults), defaults filled in. Sends an ETag and honours If-None-Match."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from byline.http.api import build_api, entrypoint, problem_responses, success
from byline.http.responses import cached
from byline.models.site import SiteSettings
from byline.services.site import site_service

app = build_api()


@app.get(
    "/site",
    operation_id="getSiteSettings",
    summary="The site's settings",
    tags=["Site"],
    responses=success(200, "The settings", SiteSettings, s304="Not modified") | problem_responses(),
)
def get_site() -> Response[Any]:
    return cached(app, site_service().read(), public=True)


lambda_handler = entrypoint(app)
