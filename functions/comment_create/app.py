"""POST /articles/{article}/comments: comment on a published article, or reply to a comment.
Accepts an Idempotency-Key header."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, acting, build_api, claimed, entrypoint, problem_responses
from byline.http.idempotency import KEY_HEADER, run_once
from byline.http.responses import header, json_response
from byline.models.conversation import Comment, CommentCreate
from byline.services.conversation import conversation_service

app = build_api()


@app.post(
    "/articles/<article>/comments",
    operation_id="createComment",
    summary="Comment on an article (send Idempotency-Key to retry safely)",
    tags=["Conversation"],
    security=BEARER_AUTH,
    responses={201: {"description": "The comment"}} | problem_responses(401, 403, 404, 409),
)
def create_comment(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
    comment: CommentCreate,
) -> Response[Comment]:
    created = run_once(
        "comment-create",
        header(app, KEY_HEADER),
        claimed(app).username,
        comment,
        lambda: acting(app, lambda who: conversation_service().add_comment(who, article, comment)),
        Comment,
        app.lambda_context,
        path={"article": article},
    )
    return json_response(201, created)


lambda_handler = entrypoint(app)
