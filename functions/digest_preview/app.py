"""GET /me/digest/preview: the digest that would be sent now, and why each article is in it."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.subscriptions import DigestPreview
from byline.services.digests import digest_service

app = build_api()


@app.get(
    "/me/digest/preview",
    operation_id="previewMyDigest",
    summary="Preview my next digest",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "The articles, best first, with reasons"}}
    | problem_responses(401),
)
def preview() -> DigestPreview:
    return digest_service().preview(caller(app))


lambda_handler = entrypoint(app)
