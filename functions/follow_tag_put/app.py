"""PUT /me/follows/tags/{tag}: follow a tag, or mute it with {"muted": true}. Idempotent."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.fields import Tag
from byline.models.subscriptions import Follows, FollowTagRequest
from byline.services.subscriptions import subscription_service

app = build_api()


@app.put(
    "/me/follows/tags/<tag>",
    operation_id="followTag",
    summary="Follow (or mute) a tag",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "All my follows"}} | problem_responses(401),
)
def follow_tag(
    tag: Annotated[Tag, Path()],
    request: Annotated[FollowTagRequest | None, Body()] = None,
) -> Follows:
    muted = request.muted if request else False
    return subscription_service().follow_tag(caller(app), tag, muted=muted)


lambda_handler = entrypoint(app)
