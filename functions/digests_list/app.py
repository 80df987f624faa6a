"""GET /me/digests: the digests I was sent, newest first."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.subscriptions import DigestList
from byline.services.digests import digest_service

app = build_api()


@app.get(
    "/me/digests",
    operation_id="listMyDigests",
    summary="My sent digests",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "Digests"}} | problem_responses(401),
)
def my_digests() -> DigestList:
    return digest_service().history(caller(app))


lambda_handler = entrypoint(app)
