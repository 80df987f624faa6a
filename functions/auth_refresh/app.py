"""POST /auth/refresh: a refresh token in, fresh id and access tokens out."""

from byline.http.api import build_api, entrypoint, problem_responses
from byline.models.identity import RefreshRequest, Tokens
from byline.services.accounts import accounts

app = build_api()


@app.post(
    "/auth/refresh",
    operation_id="refreshTokens",
    summary="Exchange a refresh token for new tokens",
    tags=["Identity"],
    responses={200: {"description": "Tokens"}} | problem_responses(401),
)
def refresh(request: RefreshRequest) -> Tokens:
    return accounts().refresh(request)


lambda_handler = entrypoint(app)
