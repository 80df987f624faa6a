"""GET /me/digests/{period}: one sent digest, with a short-lived link to its archived HTML."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.subscriptions import DigestArchive
from byline.services.digests import digest_service

app = build_api()


@app.get(
    "/me/digests/<period>",
    operation_id="getMyDigest",
    summary="One of my digests",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "The digest"}} | problem_responses(401, 404),
)
def my_digest(
    period: Annotated[str, Path(pattern=r"^\d{4}-(\d{2}-\d{2}|W\d{2})$", max_length=10)],
) -> DigestArchive:
    return digest_service().archived(caller(app), period)


lambda_handler = entrypoint(app)
