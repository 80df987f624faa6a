"""GET /articles/{article}: an article by slug; old slugs redirect, drafts only to their
author and editors. Sends an ETag and honours If-None-Match."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.auth.principal import principal_from_event
from byline.http.api import build_api, entrypoint, problem_responses
from byline.http.responses import cached
from byline.models.articles import Article
from byline.services.articles import Moved, article_service

app = build_api()

RESPONSES: dict[int, Any] = {
    200: {"description": "The article", "content": {"application/json": {"model": Article}}},
    301: {"description": "Moved to its current slug (see Location)"},
    304: {"description": "Not modified"},
}


@app.get(
    "/articles/<article>",
    operation_id="getArticle",
    summary="An article by its slug",
    tags=["Articles"],
    responses=RESPONSES | problem_responses(404),
)
def get_article(article: Annotated[str, Path(min_length=1, max_length=100)]) -> Response[Any]:
    principal = principal_from_event(app.current_event.raw_event)
    found = article_service().read(article, principal)
    if isinstance(found, Moved):
        return Response(301, headers={"Location": f"/articles/{found.slug}"}, body=None)
    return cached(app, found, public=found.status == "published")


lambda_handler = entrypoint(app)
