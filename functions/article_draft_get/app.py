"""GET /articles/{article}/draft: an article in any state, by id, for its author and editors.

API Gateway's Cognito authorizer cannot be optional, so the public read (by id or by slug) serves
only published articles and this authenticated route serves everything else, with the edit ETag
(the article without its readers' counters) that an edit sends back as If-Match."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses, success
from byline.http.responses import cached
from byline.models.articles import Article
from byline.services.articles import article_service, edit_etag

app = build_api()


@app.get(
    "/articles/<article>/draft",
    operation_id="getArticleForEditing",
    summary="An article in any state, for its author and editors",
    tags=["Articles"],
    security=BEARER_AUTH,
    responses=success(200, "The article", Article, s304="Not modified")
    | problem_responses(401, 403, 404),
)
def get_article_for_editing(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
) -> Response[Any]:
    found = article_service().read_for_edit(caller(app), article)
    return cached(app, found, public=False, etag=edit_etag(found))


lambda_handler = entrypoint(app)
