"""POST /articles: create a draft (authors and up)."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import BEARER_AUTH, acting, build_api, claimed, entrypoint, problem_responses
from byline.http.idempotency import KEY_HEADER, run_once
from byline.http.responses import header, with_etag
from byline.models.articles import Article, ArticleCreate
from byline.services.articles import article_service, edit_etag

app = build_api()


@app.post(
    "/articles",
    operation_id="createArticle",
    summary="Create a draft (send Idempotency-Key to retry safely)",
    tags=["Articles"],
    security=BEARER_AUTH,
    responses={201: {"description": "The draft"}} | problem_responses(401, 403, 409),
)
def create_article(draft: ArticleCreate) -> Response[Article]:
    article = run_once(
        "article-create",
        header(app, KEY_HEADER),
        claimed(app).username,
        draft,
        lambda: acting(app, lambda who: article_service().create(who, draft)),
        Article,
        app.lambda_context,
    )
    return with_etag(article, 201, etag=edit_etag(article), Location=f"/articles/{article.slug}")


lambda_handler = entrypoint(app)
