"""GET /digests/{period}?token=...: a sent digest in the browser, as archived (the email's "view
in browser" and "N more" links; the archive also lists the matches the size cap left out). No
login: the signed token from the email says whose."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from byline.http.api import build_api, entrypoint, html_responses, link_problems
from byline.http.pages import page_from_link
from byline.services.digests import digest_service

app = build_api(pages=True)


@app.get(
    "/digests/<period>",
    operation_id="viewDigest",
    summary="A sent digest in the browser (an HTML page)",
    tags=["Subscriptions"],
    responses=html_responses("The digest as it was sent, with every match") | link_problems(404),
)
def view(  # "" is a missing link token, not a password  # nosec B107
    period: Annotated[str, Path(pattern=r"^\d{4}-(\d{2}-\d{2}|W\d{2})$", max_length=10)],
    token: Annotated[str, Query(max_length=1000)] = "",
) -> Response[str]:
    service = digest_service()
    return page_from_link(lambda: service.view(token, period)[0], images=service.media_url)


lambda_handler = entrypoint(app)
