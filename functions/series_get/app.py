"""GET /series/{series}: a series and its published parts in order."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import build_api, entrypoint, problem_responses, success
from byline.http.responses import cached
from byline.models.articles import SeriesView
from byline.services.articles import article_service

app = build_api()


@app.get(
    "/series/<series>",
    operation_id="getSeries",
    summary="A series with its parts in order",
    tags=["Articles"],
    responses=success(200, "The series", SeriesView, s304="Not modified") | problem_responses(404),
)
def get_series(
    series: Annotated[str, Path(min_length=1, max_length=100)],
) -> Response[Any]:
    return cached(app, article_service().series(series), public=True)


lambda_handler = entrypoint(app)
