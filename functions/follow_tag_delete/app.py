"""DELETE /me/follows/tags/{tag}: stop following (or unmute) a tag. Idempotent."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.fields import Tag
from byline.models.subscriptions import Follows
from byline.services.subscriptions import subscription_service

app = build_api()


@app.delete(
    "/me/follows/tags/<tag>",
    operation_id="unfollowTag",
    summary="Unfollow or unmute a tag",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "All my follows"}} | problem_responses(401),
)
def unfollow_tag(tag: Annotated[Tag, Path()]) -> Follows:
    return subscription_service().unfollow(caller(app), "tag", tag)


lambda_handler = entrypoint(app)
