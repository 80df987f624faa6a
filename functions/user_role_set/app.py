"""PUT /users/{username}/role: give a user exactly one role (admins only)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.identity import RoleChange, RoleChanged
from byline.services.accounts import accounts

app = build_api()


@app.put(
    "/users/<username>/role",
    operation_id="setUserRole",
    summary="Set a user's role (admin only; the last admin stays admin)",
    tags=["Identity"],
    security=BEARER_AUTH,
    responses={200: {"description": "Role set"}} | problem_responses(401, 403, 404, 409),
)
def set_role(
    username: Annotated[str, Path(min_length=1, max_length=30)], change: RoleChange
) -> RoleChanged:
    return accounts().set_role(caller(app), username, change)


lambda_handler = entrypoint(app)
