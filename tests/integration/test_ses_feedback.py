"""A bounce stops digests, over HTTP and through the real handlers: a subscriber is due, the
planner queues them, SES's bounce notification arrives on the feedback topic (built as SNS
delivers it; moto publishes no SES events), and then GET /me/subscription says delivery stopped
and why, the queued message sends nothing, the planner plans nobody, a redelivered notification
changes nothing, and choosing a cadence again turns delivery back on."""

import json
import uuid

import pytest
import requests

from local.events import scheduled_event, ses_event_record, sns_event, sqs_event
from tests.support.article_helpers import published_article
from tests.support.digests_http import follow, mail_for, next_digest_slot, subscribe
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration

AHEAD = {"plan_ahead": True}  # tomorrow's slot, planned now
RULE = "arn:aws:events:us-east-1:123456789012:rule/ses-feedback"


@pytest.fixture
def invoke(invoke_handler):
    """``invoke_handler`` with the layer's caches emptied first, so each function reads its own
    environment (its queue, its topic), and the worker with its real service."""
    import sys

    import byline.services.digests
    from tests.support.layer_caches import reset_layer_caches

    worker = sys.modules.get("byline_local_fn_DigestWorkerFunction")
    if worker is not None:  # another test may have left a stand-in service there
        worker.digest_service = byline.services.digests.digest_service

    def run(logical_id, event):
        reset_layer_caches()
        return invoke_handler(logical_id, event)

    return run


def _queued(local_stack, username):
    """Drain the digest queue; the digest messages for ``username`` (not their welcome)."""
    from tests.support.queues import _drain, _plain

    messages = _drain(_plain("sqs"), local_stack.stack.ref("DigestQueue"))
    bodies = [(m, json.loads(m["Body"])) for m in messages]
    return [m for m, b in bodies if b["username"] == username and b.get("kind") != "welcome"]


def _bounce(local_stack, user, **kwargs):
    stack = local_stack.stack
    message = ses_event_record(
        "Bounce",
        [user.email],
        tags={"byline-user": user.username, "byline-mail": "digest"},
        configuration_set=stack.ref("SesConfigurationSet"),
        **kwargs,
    )
    return sns_event([json.dumps(message)], stack.ref("SesFeedbackTopic"))


def _subscription(base, user):
    response = requests.get(f"{base}/me/subscription", headers=user.auth, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_permanent_bounce_stops_digests_until_the_subscriber_chooses_again(
    local_api, local_stack, invoke
):
    reader = make_user(local_api)
    author = make_user(local_api, "author")
    tag = "b" + uuid.uuid4().hex[:8]
    subscribe(local_api, reader)
    follow(local_api, reader, tag)
    published_article(local_api, author, tags=[tag])
    _queued(local_stack, reader.username)  # nothing of an earlier test's left behind
    invoke("DigestPlannerFunction", scheduled_event(RULE, next_digest_slot(), detail=AHEAD))
    waiting = _queued(local_stack, reader.username)
    assert len(waiting) == 1, "the planner did not queue the due subscriber"

    # SES reports the address gone for good
    event = _bounce(local_stack, reader)
    result = invoke("SesFeedbackFunction", event)
    assert list(result.values()) == [{reader.email.lower(): "suppressed"}]
    shown = _subscription(local_api, reader)
    assert shown["cadence"] == "off"
    assert shown["delivery_stopped"]["reason"] == "bounce"
    assert shown["delivery_stopped"]["at"]
    assert "choose a cadence again" in shown["delivery_stopped"]["detail"]

    # the message queued before the bounce sends nothing: the worker reads the subscription
    queue_arn = local_stack.stack.get_att("DigestQueue", "Arn")
    worked = invoke("DigestWorkerFunction", sqs_event(waiting, queue_arn))
    assert worked["batchItemFailures"] == []
    assert mail_for(local_stack, reader) == []
    # and the planner plans nobody for them
    invoke("DigestPlannerFunction", scheduled_event(RULE, next_digest_slot(), detail=AHEAD))
    assert _queued(local_stack, reader.username) == []

    # SNS delivers at least once: the same notification again changes nothing
    again = invoke("SesFeedbackFunction", event)
    assert list(again.values()) == [{reader.email.lower(): "unchanged"}]
    assert _subscription(local_api, reader) == shown

    # choosing a cadence again turns delivery back on, and the stop is forgotten
    resumed = subscribe(local_api, reader)
    assert (resumed["cadence"], resumed["delivery_stopped"]) == ("daily", None)
    assert _subscription(local_api, reader)["delivery_stopped"] is None
    invoke("DigestPlannerFunction", scheduled_event(RULE, next_digest_slot(), detail=AHEAD))
    assert len(_queued(local_stack, reader.username)) == 1
    # a late copy of the old notification does not undo the subscriber's choice
    late = invoke("SesFeedbackFunction", event)
    assert list(late.values()) == [{reader.email.lower(): "unchanged"}]
    assert _subscription(local_api, reader)["cadence"] == "daily"


def test_a_soft_bounce_leaves_digests_on(local_api, local_stack, invoke):
    reader = make_user(local_api)
    subscribe(local_api, reader)
    result = invoke("SesFeedbackFunction", _bounce(local_stack, reader, bounce_type="Transient"))
    assert list(result.values()) == [{reader.email.lower(): "counted"}]
    assert _subscription(local_api, reader)["cadence"] == "daily"


def test_notifications_from_another_topic_or_about_other_addresses_change_nothing(
    local_api, local_stack, invoke
):
    reader = make_user(local_api)
    subscribe(local_api, reader)
    forged = _bounce(local_stack, reader)
    forged["Records"][0]["Sns"]["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:not-ours"
    assert invoke("SesFeedbackFunction", forged) == {}
    stranger = ses_event_record(
        "Complaint",
        ["stranger@example.com"],
        tags={"byline-user": reader.username},
        configuration_set=local_stack.stack.ref("SesConfigurationSet"),
    )
    topic = local_stack.stack.ref("SesFeedbackTopic")
    unreadable = sns_event([json.dumps(stranger), "{not json"], topic)
    result = invoke("SesFeedbackFunction", unreadable)
    assert list(result.values()) == [{"stranger@example.com": "not_ours"}]
    assert _subscription(local_api, reader)["cadence"] == "daily"
