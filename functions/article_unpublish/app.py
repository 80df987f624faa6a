"""POST /articles/{article}/unpublish: take a published or scheduled article off the site."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses
from byline.http.responses import with_etag
from byline.models.articles import Article
from byline.services.articles import article_service, edit_etag

app = build_api()


@app.post(
    "/articles/<article>/unpublish",
    operation_id="unpublishArticle",
    summary="Unpublish an article",
    tags=["Articles"],
    security=BEARER_AUTH,
    responses={200: {"description": "The unpublished article"}}
    | problem_responses(401, 403, 404, 409, 412),
)
def unpublish_article(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
) -> Response[Article]:
    unpublished = acting(app, lambda who: article_service().unpublish(who, article))
    return with_etag(unpublished, etag=edit_etag(unpublished))


lambda_handler = entrypoint(app)
