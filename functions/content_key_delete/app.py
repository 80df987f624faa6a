"""DELETE /content-keys/{key_id}: revoke a Ghost Content API key (admins only)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, acting, build_api, entrypoint, problem_responses
from byline.services.content_keys import content_key_service

app = build_api()


@app.delete(
    "/content-keys/<key_id>",
    operation_id="revokeContentKey",
    summary="Revoke a Content API key: front-ends using it get 401 from then on (admin only)",
    tags=["Content API keys"],
    security=BEARER_AUTH,
    responses={204: {"description": "Revoked"}} | problem_responses(401, 403, 404),
)
def revoke_content_key(
    key_id: Annotated[str, Path(min_length=1, max_length=40, description="the key's id")],
) -> Response[None]:
    acting(app, lambda who: content_key_service().revoke(who, key_id))
    return Response(204)


lambda_handler = entrypoint(app)
