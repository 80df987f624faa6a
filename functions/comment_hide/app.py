"""POST /comments/{comment}/hide: an editor hides a comment (moderation)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.conversation import Comment
from byline.services.conversation import conversation_service

app = build_api()


@app.post(
    "/comments/<comment>/hide",
    operation_id="hideComment",
    summary="Hide a comment (editors)",
    tags=["Conversation"],
    security=BEARER_AUTH,
    responses={200: {"description": "The hidden comment"}} | problem_responses(401, 403, 404, 409),
)
def hide_comment(comment: Annotated[str, Path(min_length=1, max_length=40)]) -> Comment:
    return conversation_service().hide_comment(caller(app), comment)


lambda_handler = entrypoint(app)
