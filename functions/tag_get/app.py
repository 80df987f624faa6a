"""GET /tags/{tag}: one tag and how many published articles carry it."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import build_api, entrypoint, problem_responses, success
from byline.http.responses import cached
from byline.models.articles import TagCount
from byline.services.articles import article_service

app = build_api()


@app.get(
    "/tags/<tag>",
    operation_id="getTag",
    summary="A tag and its article count",
    tags=["Articles"],
    responses=success(200, "The tag", TagCount, s304="Not modified") | problem_responses(404),
)
def get_tag(
    tag: Annotated[str, Path(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9]+$")],
) -> Response[Any]:
    return cached(app, article_service().tag(tag.lower()), public=True)


lambda_handler = entrypoint(app)
