"""GET /unsubscribe?token=...: the page an unsubscribe link opens; says what will happen and
offers the button. No login: the signed token says who."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.content.rendering import render_template
from byline.http.api import build_api, entrypoint, html_responses, problem_responses
from byline.http.responses import html_page
from byline.services.subscriptions import subscription_service

app = build_api()


@app.get(
    "/unsubscribe",
    operation_id="showUnsubscribe",
    summary="What unsubscribing will do (an HTML page)",
    tags=["Subscriptions"],
    responses=html_responses("The confirmation page") | problem_responses(),
)
def show(token: Annotated[str, Query(min_length=1, max_length=200)]) -> Response[str]:
    preview = subscription_service().unsubscribe_preview(token)
    page = render_template(
        "unsubscribe.html.j2",
        done=False,
        already_off=preview.already_off,
        username=preview.username,
        cadence=preview.cadence,
        action=f"/unsubscribe?token={token}",
    )
    return html_page(page)


lambda_handler = entrypoint(app)
