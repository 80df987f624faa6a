"""PATCH /me: change display name, bio, avatar or links."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.identity import MyProfile, ProfilePatch
from byline.services.accounts import accounts

app = build_api()


@app.patch(
    "/me",
    operation_id="updateMyProfile",
    summary="Update my profile (only the fields sent change)",
    tags=["Identity"],
    security=BEARER_AUTH,
    responses={200: {"description": "Updated profile"}} | problem_responses(401, 404),
)
def update_me(patch: ProfilePatch) -> MyProfile:
    return accounts().update_my_profile(caller(app), patch)


lambda_handler = entrypoint(app)
