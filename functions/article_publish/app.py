"""POST /articles/{article}/publish: publish now, schedule with publish_at, or - for authors
when the site requires review - submit for review."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses
from byline.http.responses import with_etag
from byline.models.articles import Article, PublishRequest
from byline.services.articles import article_service, edit_etag

app = build_api()


@app.post(
    "/articles/<article>/publish",
    operation_id="publishArticle",
    summary="Publish, schedule, or submit for review",
    tags=["Articles"],
    security=BEARER_AUTH,
    responses={200: {"description": "The article in its new state"}}
    | problem_responses(401, 403, 404, 409, 412),
)
def publish_article(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
    request: PublishRequest,
) -> Response[Article]:
    published = acting(app, lambda who: article_service().publish(who, article, request))
    return with_etag(published, etag=edit_etag(published))


lambda_handler = entrypoint(app)
