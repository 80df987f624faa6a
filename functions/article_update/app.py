"""PATCH /articles/{article}: edit an article (its author or an editor); If-Match required."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses
from byline.http.etags import require_match
from byline.http.responses import header, with_etag
from byline.models.articles import Article, ArticlePatch
from byline.services.articles import article_service, edit_etag

app = build_api()


@app.patch(
    "/articles/<article>",
    operation_id="updateArticle",
    summary="Edit an article (send If-Match with its ETag)",
    tags=["Articles"],
    security=BEARER_AUTH,
    responses={200: {"description": "The edited article"}}
    | problem_responses(401, 403, 404, 409, 412, 428),
)
def update_article(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
    patch: ArticlePatch,
) -> Response[Article]:
    if_match = header(app, "If-Match")
    edited = acting(
        app,
        lambda who: article_service().update(
            who, article, patch, lambda current: require_match(if_match, current)
        ),
    )
    return with_etag(edited, etag=edit_etag(edited))


lambda_handler = entrypoint(app)
