"""POST /content-keys: create a Ghost Content API key (admins only)."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses
from byline.http.responses import json_response
from byline.models.content_keys import ContentKey, ContentKeyCreate
from byline.services.content_keys import content_key_service

app = build_api()


@app.post(
    "/content-keys",
    operation_id="createContentKey",
    summary="Create a Content API key for a Ghost front-end (admin only)",
    tags=["Content API keys"],
    security=BEARER_AUTH,
    responses={201: {"description": "The key"}} | problem_responses(401, 403, 409),
)
def create_content_key(request: ContentKeyCreate) -> Response[ContentKey]:
    created = acting(app, lambda who: content_key_service().create(who, request))
    return json_response(201, created)


lambda_handler = entrypoint(app)
