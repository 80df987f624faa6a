"""POST /unsubscribe?token=...: turn digests off with no login. This is also the RFC 8058
one-click target of the List-Unsubscribe header: mailbox providers post the body
``List-Unsubscribe=One-Click`` as multipart/form-data or application/x-www-form-urlencoded. The
signed token alone decides; the body is read only to log whether it was a one-click post."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.content.rendering import render_template
from byline.http.api import build_api, entrypoint, html_responses, link_problems
from byline.http.forms import FORM_TYPES, form_fields
from byline.http.pages import page_from_link
from byline.http.responses import header
from byline.observability import logger
from byline.services.subscriptions import subscription_service

app = build_api(pages=True)


@app.post(
    "/unsubscribe",
    operation_id="unsubscribe",
    summary="Turn digests off (one click, no login)",
    description="RFC 8058 one-click: the body (List-Unsubscribe=One-Click) may be "
    "multipart/form-data or application/x-www-form-urlencoded, or absent; only the token decides.",
    tags=["Subscriptions"],
    responses=html_responses("Unsubscribed") | link_problems(413, 415),
)
def unsubscribe(token: Annotated[str, Query(max_length=1000)] = "") -> Response[str]:  # nosec B107
    def render() -> str:
        username = subscription_service().unsubscribe(token)
        body = (app.current_event.decoded_body or "").encode()
        fields = form_fields(header(app, "Content-Type"), body)
        logger.info(
            "Unsubscribed",
            extra={"one_click": (fields or {}).get("List-Unsubscribe") == "One-Click"},
        )
        return render_template(
            "unsubscribe.html.j2",
            done=True,
            already_off=False,
            username=username,
            cadence="",
            action="",
        )

    return page_from_link(render)


lambda_handler = entrypoint(app, also_accept=FORM_TYPES)
