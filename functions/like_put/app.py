"""PUT /articles/{article}/like: like an article; repeating it changes nothing."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses
from byline.models.conversation import LikeState
from byline.services.conversation import conversation_service

app = build_api()


@app.put(
    "/articles/<article>/like",
    operation_id="likeArticle",
    summary="Like an article (idempotent)",
    tags=["Conversation"],
    security=BEARER_AUTH,
    responses={200: {"description": "Whether I like it, and the count"}}
    | problem_responses(401, 404, 409),
)
def set_like(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
) -> LikeState:
    return acting(app, lambda who: conversation_service().set_like(who, article, liked=True))


lambda_handler = entrypoint(app)
