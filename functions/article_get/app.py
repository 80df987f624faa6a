"""GET /articles/{article}: a published article by slug; old slugs redirect. Sends an ETag
and honours If-None-Match. Drafts are read by id on GET /articles/{article}/draft."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

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
    summary="A published article by its slug",
    tags=["Articles"],
    responses=RESPONSES | problem_responses(404),
)
def get_article(article: Annotated[str, Path(min_length=1, max_length=100)]) -> Response[Any]:
    found = article_service().read(article)
    if isinstance(found, Moved):
        return Response(301, headers={"Location": f"/articles/{found.slug}"}, body=None)
    return cached(app, found, public=True)


lambda_handler = entrypoint(app)
