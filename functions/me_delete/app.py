"""DELETE /me: delete the account and its personal data (retryable until done). The last admin
cannot leave: 409 until someone else is made admin."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.services.accounts import accounts

app = build_api()


@app.delete(
    "/me",
    operation_id="deleteMyAccount",
    summary="Delete my account and personal data",
    description="A deletion that stopped halfway (503) can be retried with the same token; "
    "once it is done every token of the account gets 401 and the username is never issued "
    "again. The last admin gets 409: make someone else admin first.",
    tags=["Identity"],
    security=BEARER_AUTH,
    responses={204: {"description": "Deleted"}} | problem_responses(401, 409),
)
def delete_me() -> Response[None]:
    accounts().delete_account(caller(app, deleting_ok=True))
    return Response(204)


lambda_handler = entrypoint(app)
