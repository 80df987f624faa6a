"""PUT /me/follows/authors/{username}: follow an author. Idempotent."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.fields import Username
from byline.models.subscriptions import Follows
from byline.services.subscriptions import subscription_service

app = build_api()


@app.put(
    "/me/follows/authors/<username>",
    operation_id="followAuthor",
    summary="Follow an author",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "All my follows"}} | problem_responses(401, 404),
)
def follow_author(username: Annotated[Username, Path()]) -> Follows:
    return subscription_service().follow_author(caller(app), username)


lambda_handler = entrypoint(app)
