"""POST /unsubscribe?token=...: turn digests off with no login. This is also the RFC 8058
one-click target of the List-Unsubscribe header (form body List-Unsubscribe=One-Click)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.content.rendering import render_template
from byline.http.api import build_api, entrypoint, html_responses, problem_responses
from byline.http.responses import html_page
from byline.services.subscriptions import subscription_service

app = build_api()


@app.post(
    "/unsubscribe",
    operation_id="unsubscribe",
    summary="Turn digests off (one click, no login)",
    tags=["Subscriptions"],
    responses=html_responses("Unsubscribed") | problem_responses(),
)
def unsubscribe(token: Annotated[str, Query(min_length=1, max_length=200)]) -> Response[str]:
    username = subscription_service().unsubscribe(token)
    page = render_template(
        "unsubscribe.html.j2",
        done=True,
        already_off=False,
        username=username,
        cadence="",
        action="",
    )
    return html_page(page)


lambda_handler = entrypoint(app, also_accept=("application/x-www-form-urlencoded",))
