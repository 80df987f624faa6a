"""POST /unsubscribe?token=...: turn digests off with no login. This is also the RFC 8058
one-click target of the List-Unsubscribe header (form body List-Unsubscribe=One-Click)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.content.rendering import render_template
from byline.http.api import build_api, entrypoint, html_responses, link_problems
from byline.http.pages import page_from_link
from byline.services.subscriptions import subscription_service

app = build_api()


@app.post(
    "/unsubscribe",
    operation_id="unsubscribe",
    summary="Turn digests off (one click, no login)",
    tags=["Subscriptions"],
    responses=html_responses("Unsubscribed") | link_problems(),
)
def unsubscribe(token: Annotated[str, Query(max_length=1000)] = "") -> Response[str]:  # nosec B107
    def render() -> str:
        username = subscription_service().unsubscribe(token)
        return render_template(
            "unsubscribe.html.j2",
            done=True,
            already_off=False,
            username=username,
            cadence="",
            action="",
        )

    return page_from_link(render)


lambda_handler = entrypoint(app, also_accept=("application/x-www-form-urlencoded",))
