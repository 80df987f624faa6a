"""POST /auth/signup: create an account (Cognito user + profile, or neither)."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import build_api, entrypoint, problem_responses
from byline.http.idempotency import KEY_HEADER, run_once
from byline.http.responses import header, json_response
from byline.models.identity import SignupRequest, SignupResponse
from byline.services.accounts import accounts

app = build_api()


@app.post(
    "/auth/signup",
    operation_id="signUp",
    summary="Create an account; a confirmation code is sent by email (Idempotency-Key honoured)",
    tags=["Identity"],
    responses={201: {"description": "Created, unconfirmed"}} | problem_responses(409),
)
def sign_up(request: SignupRequest) -> Response[SignupResponse]:
    created = run_once(
        "auth-signup",
        header(app, KEY_HEADER),
        "anonymous",
        request,
        lambda: accounts().sign_up(request),
        SignupResponse,
        app.lambda_context,
    )
    return json_response(201, created)


lambda_handler = entrypoint(app)
