"""GET /me: the caller's own profile."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.identity import MyProfile
from byline.services.accounts import accounts

app = build_api()


@app.get(
    "/me",
    operation_id="getMyProfile",
    summary="My profile",
    tags=["Identity"],
    security=BEARER_AUTH,
    responses={200: {"description": "My profile"}} | problem_responses(401, 404),
)
def get_me() -> MyProfile:
    return accounts().my_profile(caller(app))


lambda_handler = entrypoint(app)
