"""POST /auth/confirm: confirm a sign-up with the emailed code."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import build_api, entrypoint, problem_responses
from byline.models.identity import ConfirmRequest
from byline.services.accounts import accounts

app = build_api()


@app.post(
    "/auth/confirm",
    operation_id="confirmSignUp",
    summary="Confirm a sign-up with the code sent by email",
    tags=["Identity"],
    responses={204: {"description": "Confirmed"}} | problem_responses(404),
)
def confirm(request: ConfirmRequest) -> Response[None]:
    accounts().confirm(request)
    return Response(204)


lambda_handler = entrypoint(app)
