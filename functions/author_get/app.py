"""GET /authors/{username}: an author's public profile."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import build_api, entrypoint, problem_responses
from byline.http.responses import json_response
from byline.models.identity import PublicProfile
from byline.services.accounts import accounts

app = build_api()


@app.get(
    "/authors/<username>",
    operation_id="getAuthor",
    summary="An author's public profile",
    tags=["Identity"],
    responses={200: {"description": "Public profile"}} | problem_responses(404),
)
def get_author(
    username: Annotated[str, Path(min_length=1, max_length=30)],
) -> Response[PublicProfile]:
    profile = accounts().public_profile(username)
    return json_response(200, profile, **{"Cache-Control": "public, max-age=60"})


lambda_handler = entrypoint(app)
