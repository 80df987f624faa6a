"""PUT /site: replace the site's settings (admins only); If-Match required."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses, success
from byline.http.etags import require_match
from byline.http.responses import header, with_etag
from byline.models.site import SiteSettings, SiteSettingsUpdate
from byline.services.site import CHANGED, site_service

app = build_api()


@app.put(
    "/site",
    operation_id="replaceSiteSettings",
    summary="Replace the site's settings (admins; send If-Match with its ETag)",
    description=(
        'The whole settings document: a key left out returns to its default, `""` or `null`'
        " clears an optional one, and `url` (read-only, the deployment's SITE_URL) is left out."
        " An image is an accepted upload of yours (`media/...`) or an https URL."
    ),
    tags=["Site"],
    security=BEARER_AUTH,
    responses=success(200, "The new settings", SiteSettings)
    | problem_responses(401, 403, 412, 428),
)
def put_site(update: SiteSettingsUpdate) -> Response[Any]:
    if_match = header(app, "If-Match")
    saved = acting(
        app,
        lambda who: site_service().replace(
            who, update, lambda current: require_match(if_match, current, CHANGED)
        ),
    )
    return with_etag(saved)


lambda_handler = entrypoint(app)
