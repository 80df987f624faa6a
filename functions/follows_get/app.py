"""GET /me/follows: the tags and authors I follow, and the tags I muted."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.subscriptions import Follows
from byline.services.subscriptions import subscription_service

app = build_api()


@app.get(
    "/me/follows",
    operation_id="listMyFollows",
    summary="My follows and mutes",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "All my follows"}} | problem_responses(401),
)
def my_follows() -> Follows:
    return subscription_service().follows(caller(app))


lambda_handler = entrypoint(app)
