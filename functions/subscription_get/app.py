"""GET /me/subscription: my digest cadence and delivery time."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.subscriptions import Subscription
from byline.services.subscriptions import subscription_service

app = build_api()


@app.get(
    "/me/subscription",
    operation_id="getMySubscription",
    summary="My digest subscription",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "The subscription"}} | problem_responses(401),
)
def get_subscription() -> Subscription:
    return subscription_service().get(caller(app))


lambda_handler = entrypoint(app)
