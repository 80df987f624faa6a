"""DELETE /articles/{article}: soft-delete an article (its author or an editor)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses
from byline.services.articles import article_service

app = build_api()


@app.delete(
    "/articles/<article>",
    operation_id="deleteArticle",
    summary="Delete an article (it disappears from every listing and feed)",
    tags=["Articles"],
    security=BEARER_AUTH,
    responses={204: {"description": "Deleted"}} | problem_responses(401, 403, 404),
)
def delete_article(
    article: Annotated[str, Path(min_length=1, max_length=40, description="the article id")],
) -> Response[None]:
    acting(app, lambda who: article_service().delete(who, article))
    return Response(204)


lambda_handler = entrypoint(app)
