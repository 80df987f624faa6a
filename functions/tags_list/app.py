"""GET /tags: every tag with published articles, and how many."""

from typing import Any

from aws_lambda_powertools.event_handler import Response

from byline.http.api import build_api, entrypoint, problem_responses, success
from byline.http.responses import cached
from byline.models.articles import TagList
from byline.services.articles import article_service

app = build_api()


@app.get(
    "/tags",
    operation_id="listTags",
    summary="Tags with their article counts, most used first",
    tags=["Articles"],
    responses=success(200, "Tags", TagList, s304="Not modified") | problem_responses(),
)
def list_tags() -> Response[Any]:
    return cached(app, article_service().tags(), public=True)


lambda_handler = entrypoint(app)
