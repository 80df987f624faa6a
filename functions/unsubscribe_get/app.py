"""GET /unsubscribe?token=...: the page an unsubscribe link opens; says what will happen and
offers the button. No login: the signed token says who. A broken link gets a readable page."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.content.rendering import render_template
from byline.http.api import build_api, entrypoint, html_responses, link_problems
from byline.http.pages import page_from_link
from byline.services import unsubscribe_tokens
from byline.services.subscriptions import subscription_service

app = build_api(pages=True)


@app.get(
    "/unsubscribe",
    operation_id="showUnsubscribe",
    summary="What unsubscribing will do (an HTML page)",
    tags=["Subscriptions"],
    responses=html_responses("The confirmation page") | link_problems(),
)
def show(token: Annotated[str, Query(max_length=1000)] = "") -> Response[str]:  # nosec B107
    def render() -> str:
        preview = subscription_service().unsubscribe_preview(token)
        return render_template(
            "unsubscribe.html.j2",
            done=False,
            already_off=preview.already_off,
            username=preview.username,
            cadence=preview.cadence,
            action=f"unsubscribe?{unsubscribe_tokens.query(token)}",
        )

    return page_from_link(render)


lambda_handler = entrypoint(app)
