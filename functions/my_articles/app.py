"""GET /me/articles: my own articles in every state, optionally of one status; paged."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.articles import ArticlePage
from byline.services.articles import article_service

app = build_api()


@app.get(
    "/me/articles",
    operation_id="listMyArticles",
    summary="My articles, drafts included",
    tags=["Articles"],
    security=BEARER_AUTH,
    responses={200: {"description": "A page of my articles"}} | problem_responses(401),
)
def my_articles(
    status: Annotated[
        Literal["draft", "review", "scheduled", "published", "unpublished"] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> ArticlePage:
    return article_service().list_mine(caller(app), status, limit, cursor)


lambda_handler = entrypoint(app)
