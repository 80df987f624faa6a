"""GET /articles/{article}/comments: comments oldest first, replies under their parent; paged."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from byline.http.api import build_api, entrypoint, problem_responses, success
from byline.http.responses import cached
from byline.models.conversation import CommentPage
from byline.services.conversation import conversation_service

app = build_api()


@app.get(
    "/articles/<article>/comments",
    operation_id="listComments",
    summary="Comments of an article",
    tags=["Conversation"],
    responses=success(200, "A page of threads", CommentPage, s304="Not modified")
    | problem_responses(404),
)
def list_comments(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[Any]:
    return cached(app, conversation_service().comments(article, limit, cursor), public=True)


lambda_handler = entrypoint(app)
