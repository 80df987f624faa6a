"""POST /preferences?token=...: one change from the preferences page (form-encoded: ``action`` =
schedule, unfollow-tag, unmute-tag or unfollow-author, the page's ``check``, and the action's
fields), made through the JSON routes' use cases, then 303 to the page (Post/Redirect/Get)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.http.api import build_api, entrypoint, link_problems
from byline.http.forms import URLENCODED
from byline.http.pages import response_from_link, see_other
from byline.http.responses import header, html_page
from byline.services import unsubscribe_tokens
from byline.services.preferences import InvalidForm, preferences_service, render_page

app = build_api(pages=True)


@app.post(
    "/preferences",
    operation_id="changePreferences",
    summary="Change digest preferences from the page (a form post, no login)",
    description="A form (application/x-www-form-urlencoded) of the preferences page. Answers 303 "
    "to the page; bad input shows the page again with 400, a post from another site 403.",
    tags=["Subscriptions"],
    responses={303: {"description": "Done: see the page"}} | link_problems(403, 410, 413, 415),
)
def change(token: Annotated[str, Query(max_length=1000)] = "") -> Response[str]:  # nosec B107
    service = preferences_service()

    def respond() -> Response[str]:
        body = app.current_event.decoded_body or ""
        try:
            done = service.submit(token, body, header(app, "Sec-Fetch-Site"))
        except InvalidForm as refused:
            return html_page(render_page(service.view(token), token, error=refused.detail), 400)
        return see_other(f"preferences?{unsubscribe_tokens.query(token)}&done={done}")

    return response_from_link(respond)


lambda_handler = entrypoint(app, also_accept=(URLENCODED,))
