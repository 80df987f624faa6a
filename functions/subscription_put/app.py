"""PUT /me/subscription: daily, weekly or off; local hour, weekday and IANA time zone."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.models.subscriptions import Subscription, SubscriptionUpdate
from byline.services.subscriptions import subscription_service

app = build_api()


@app.put(
    "/me/subscription",
    operation_id="setMySubscription",
    summary="Choose the digest cadence and delivery time",
    tags=["Subscriptions"],
    security=BEARER_AUTH,
    responses={200: {"description": "The subscription"}} | problem_responses(401),
)
def put_subscription(update: SubscriptionUpdate) -> Subscription:
    return subscription_service().put(caller(app), update)


lambda_handler = entrypoint(app)
