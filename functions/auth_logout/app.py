"""POST /auth/logout: sign out everywhere; every refresh token and every ID token issued so far
stops working."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.services.accounts import accounts

app = build_api()


@app.post(
    "/auth/logout",
    operation_id="logOut",
    summary="Sign out on every device (revokes refresh and ID tokens)",
    tags=["Identity"],
    security=BEARER_AUTH,
    responses={204: {"description": "Signed out"}} | problem_responses(401),
)
def log_out() -> Response[None]:
    accounts().log_out(caller(app))
    return Response(204)


lambda_handler = entrypoint(app)
