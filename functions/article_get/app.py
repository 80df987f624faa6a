"""GET /articles/{article}: a published article by its id or its slug, the same URL its writes
use (docs/decisions/0014). Old slugs redirect; an id never moves. Sends an ETag and honours
If-None-Match. Drafts are read by id on GET /articles/{article}/draft."""

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
    301: {"description": "An old slug: moved to the current slug (see Location)"},
    304: {"description": "Not modified"},
}
DESCRIPTION = (
    "`{article}` is the article's id (as `POST /articles` returns it, the one every write takes) "
    "or its slug. Ids are 22 characters of `0-9a-z` without `i`, `l`, `o` and `u`; no slug has "
    "that shape (a title that would make one gets `-article`), so the two never collide. By id "
    "or by current slug the answer is the same article with the same ETag; an old slug of a "
    "retitled article answers 301 to the current one. Only published articles: a draft, an "
    "unpublished or a deleted article is 404 here, by id as by slug (its author and editors "
    "read it on `GET /articles/{article}/draft`)."
)


@app.get(
    "/articles/<article>",
    operation_id="getArticle",
    summary="A published article by its id or its slug",
    description=DESCRIPTION,
    tags=["Articles"],
    responses=RESPONSES | problem_responses(404),
)
def get_article(
    article: Annotated[
        str, Path(min_length=1, max_length=100, description="the article's id or slug")
    ],
) -> Response[Any]:
    found = article_service().read(article)
    if isinstance(found, Moved):
        return Response(301, headers={"Location": f"/articles/{found.slug}"}, body=None)
    return cached(app, found, public=True)


lambda_handler = entrypoint(app)
