"""POST /auth/login: username or email and password in, tokens out; failures are throttled."""

from byline.http.api import build_api, entrypoint, problem_responses, source_ip
from byline.models.identity import LoginRequest, Tokens
from byline.services.accounts import accounts

app = build_api()


@app.post(
    "/auth/login",
    operation_id="logIn",
    summary="Log in; send the id_token as Authorization: Bearer",
    tags=["Identity"],
    responses={200: {"description": "Tokens"}} | problem_responses(401, 403, 429),
)
def log_in(request: LoginRequest) -> Tokens:
    return accounts().log_in(request, source_ip(app))


lambda_handler = entrypoint(app)
