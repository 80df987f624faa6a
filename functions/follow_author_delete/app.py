"""DELETE /me/follows/authors/{username}: stop following an author. Idempotent."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.fields import Username
from byline.models.subscriptions import Follows
from byline.services.subscriptions import subscription_service

app = build_api()


@app.delete(
    "/me/follows/authors/<username>",
    operation_id="unfollowAuthor",
    summary="Unfollow an author",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "All my follows"}} | problem_responses(401),
)
def unfollow_author(username: Annotated[Username, Path()]) -> Follows:
    return subscription_service().unfollow(caller(app), "author", username)


lambda_handler = entrypoint(app)
