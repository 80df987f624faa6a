"""GET /content-keys: every Ghost Content API key of the site (admins only)."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.content_keys import ContentKeyList
from byline.services.content_keys import content_key_service

app = build_api()


@app.get(
    "/content-keys",
    operation_id="listContentKeys",
    summary="List the site's Content API keys (admin only)",
    tags=["Content API keys"],
    security=BEARER_AUTH,
    responses={200: {"description": "The keys, oldest first"}} | problem_responses(401, 403),
)
def list_content_keys() -> ContentKeyList:
    return content_key_service().list(caller(app))


lambda_handler = entrypoint(app)
