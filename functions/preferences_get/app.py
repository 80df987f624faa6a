"""GET /preferences?token=...: the digest preferences page (cadence, delivery time, follows and
mutes, each with its own control), opened from a digest with its signed token; no login."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.http.api import build_api, entrypoint, html_responses, link_problems
from byline.http.pages import page_from_link
from byline.services.preferences import DONE, preferences_service, render_page

app = build_api(pages=True)


@app.get(
    "/preferences",
    operation_id="showPreferences",
    summary="Digest preferences (an HTML page opened from a digest)",
    tags=["Subscriptions"],
    responses=html_responses("The preferences page") | link_problems(410),
)
def show(
    token: Annotated[str, Query(max_length=1000)] = "",  # nosec B107
    done: Annotated[str, Query(max_length=40, description="the action just made")] = "",
) -> Response[str]:
    return page_from_link(
        lambda: render_page(preferences_service().view(token), token, notice=DONE.get(done, ""))
    )


lambda_handler = entrypoint(app)
