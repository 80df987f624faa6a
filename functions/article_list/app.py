"""GET /articles: published articles, newest first, optionally by tag or author; paged."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from byline.http.api import build_api, entrypoint, problem_responses, success
from byline.http.responses import cached
from byline.models.articles import ArticlePage
from byline.services.articles import article_service

app = build_api()


@app.get(
    "/articles",
    operation_id="listArticles",
    summary="Published articles, newest first",
    tags=["Articles"],
    responses=success(200, "A page of articles", ArticlePage, s304="Not modified")
    | problem_responses(),
)
def list_articles(
    tag: Annotated[str | None, Query(max_length=30, pattern=r"^[A-Za-z0-9]+$")] = None,
    author: Annotated[str | None, Query(max_length=30, pattern=r"^[A-Za-z0-9_]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response[Any]:
    page = article_service().list(
        tag=tag.lower() if tag else None,
        author=author.lower() if author else None,
        limit=limit,
        cursor=cursor,
    )
    return cached(app, page, public=True)


lambda_handler = entrypoint(app)
