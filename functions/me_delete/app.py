"""DELETE /me: delete the account and its personal data (idempotent)."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.services.accounts import accounts

app = build_api()


@app.delete(
    "/me",
    operation_id="deleteMyAccount",
    summary="Delete my account and personal data",
    tags=["Identity"],
    security=BEARER_AUTH,
    responses={204: {"description": "Deleted"}} | problem_responses(401),
)
def delete_me() -> Response[None]:
    accounts().delete_account(caller(app))
    return Response(204)


lambda_handler = entrypoint(app)
