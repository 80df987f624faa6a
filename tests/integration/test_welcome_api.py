"""The welcome email over HTTP: subscribing through the route queues it, the digest worker (run by
the local runtime on the real queue) sends it through the emulated SES, and the mail is read
back from there, its unsubscribe link followed over HTTP."""

import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from markupsafe import escape

from byline import aws
from byline.data import keys
from byline.data.table import table
from local.events import sqs_event
from local.outbox import SentEmail, sent_emails
from local.runtime import SqsPoller, function_specs, sqs_mappings
from tests.support.digests_http import follow, subscribe
from tests.support.html_safety import executable_constructs
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration

HOSTILE = '<img src=x onerror=alert(1)>"><script>alert(1)</script>'


def drain(local_stack):
    """Run the digest worker on everything the digest queue holds."""
    stack = local_stack.stack
    mapping = next(
        m
        for m in sqs_mappings(function_specs(stack), stack)
        if m.logical_id == "DigestWorkerFunction"
    )
    poller = SqsPoller(local_stack.runtime, mapping, stack)
    while poller.poll_once(wait_seconds=0) is not None:
        pass


def welcomes(local_stack, user) -> list[SentEmail]:
    return [
        m
        for m in sent_emails(local_stack.stack.endpoint)
        if user.email in m.recipients and m.subject.startswith("Welcome to the Byline digest")
    ]


def turn_off(base, user):
    response = requests.put(
        f"{base}/me/subscription", json={"cadence": "off"}, headers=user.auth, timeout=30
    )
    assert response.status_code == 200, response.text


def test_subscribing_sends_one_welcome_with_the_schedule_in_words_and_a_working_unsubscribe(
    local_api, local_stack
):
    user = make_user(local_api)
    tag = f"w{uuid.uuid4().hex[:8]}"
    follow(local_api, user, tag)
    subscribe(local_api, user, cadence="weekly", weekday=0, hour=7, timezone="Europe/Paris")
    drain(local_stack)
    drain(local_stack)  # nothing left to send a second time
    mail = welcomes(local_stack, user)
    assert len(mail) == 1
    email = mail[0]
    assert "every Monday at 07:00 Europe/Paris" in email.text
    assert "every Monday at 07:00 Europe/Paris" in email.html
    assert f"#{tag}" in email.text
    assert f"#{tag}" in email.html
    assert "You follow nothing yet" not in email.text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email.headers["List-Unsubscribe"].strip("<>")
    assert link in email.text
    assert link.replace("&", "&amp;") in email.html
    assert link.startswith(f"{local_api}/unsubscribe?token=")
    claim = table().get(keys.welcome(user.username))
    assert claim is not None
    assert claim["ttl"] > claim["claimed_at"]

    page = requests.get(link, timeout=30)
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    token = parse_qs(urlsplit(link).query)["token"][0]
    done = requests.post(
        f"{local_api}/unsubscribe",
        params={"token": token},
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert done.status_code == 200, done.text
    now = requests.get(f"{local_api}/me/subscription", headers=user.auth, timeout=30).json()
    assert now["cadence"] == "off"


def test_a_subscriber_who_follows_nothing_is_told_so_and_pointed_at_the_site(
    local_api, local_stack
):
    user = make_user(local_api)
    subscribe(local_api, user, hour=0, timezone="Asia/Kolkata")
    drain(local_stack)
    [email] = welcomes(local_stack, user)
    assert "every day at 00:00 Asia/Kolkata" in email.text
    assert "You follow nothing yet" in email.text
    assert "You follow nothing yet" in email.html


def test_changing_the_hour_of_a_subscription_sends_no_second_welcome(local_api, local_stack):
    user = make_user(local_api)
    subscribe(local_api, user, hour=6)
    drain(local_stack)
    subscribe(local_api, user, hour=9, timezone="America/New_York")
    subscribe(local_api, user, cadence="weekly", weekday=3, hour=9)
    drain(local_stack)
    assert len(welcomes(local_stack, user)) == 1


def test_off_then_on_within_a_day_sends_no_second_welcome(local_api, local_stack):
    user = make_user(local_api)
    subscribe(local_api, user)
    drain(local_stack)
    turn_off(local_api, user)
    subscribe(local_api, user)
    drain(local_stack)
    assert len(welcomes(local_stack, user)) == 1


def test_flipping_off_and_on_before_the_queue_drains_sends_one_welcome(local_api, local_stack):
    user = make_user(local_api)
    for _ in range(3):
        subscribe(local_api, user)
        turn_off(local_api, user)
    subscribe(local_api, user)
    drain(local_stack)
    assert len(welcomes(local_stack, user)) == 1


def test_a_redelivered_welcome_message_sends_nothing_more(local_api, local_stack):
    drain(local_stack)  # the queue holds this test's message alone from here
    user = make_user(local_api)
    subscribe(local_api, user)
    stack = local_stack.stack
    queue = stack.ref("DigestQueue")
    received = aws.sqs().receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    [message] = [m for m in received if json.loads(m["Body"])["username"] == user.username]
    assert json.loads(message["Body"])["kind"] == "welcome"
    event = sqs_event([message], stack.get_att("DigestQueue", "Arn"))
    for _ in range(3):  # the first delivery and two redeliveries of the same message
        invocation = local_stack.runtime.invoke("DigestWorkerFunction", event)
        assert invocation.ok, invocation.error
        assert invocation.result["batchItemFailures"] == []
    aws.sqs().delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    assert len(welcomes(local_stack, user)) == 1


def test_who_unsubscribes_before_the_message_is_processed_gets_no_welcome(local_api, local_stack):
    user = make_user(local_api)
    subscribe(local_api, user)
    turn_off(local_api, user)
    drain(local_stack)
    assert welcomes(local_stack, user) == []


def test_an_account_deleted_before_the_message_is_processed_gets_no_welcome(local_api, local_stack):
    user = make_user(local_api)
    subscribe(local_api, user)
    assert requests.delete(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 204
    drain(local_stack)
    assert welcomes(local_stack, user) == []
    assert table().get(keys.welcome(user.username)) is None


def _welcome_of(base, local_stack, display_name, tag):
    user = make_user(base)
    patched = requests.patch(
        f"{base}/me", json={"display_name": display_name}, headers=user.auth, timeout=30
    )
    assert patched.status_code == 200, patched.text
    # tags are letters and digits through the API: an older, hostile one can only be stored
    table().put(
        {**keys.follow(user.username, "tag", tag), "kind": "follow", "kind_of": "tag",
         "target": tag, "muted": False, "created_at": "2026-01-01T00:00:00.000Z"}
    )  # fmt: skip
    subscribe(base, user)
    drain(local_stack)
    [email] = welcomes(local_stack, user)
    return email


def test_a_hostile_display_name_and_tag_are_escaped_in_the_welcome(local_api, local_stack):
    hostile = _welcome_of(local_api, local_stack, HOSTILE, HOSTILE)
    benign = _welcome_of(local_api, local_stack, "Ada", "python")
    # the template's own markup (meta, inline styles) and nothing the values brought
    assert set(executable_constructs(hostile.html)) == set(executable_constructs(benign.html))
    assert "<script>" not in hostile.html
    assert "<img" not in hostile.html
    assert f"Hi {escape(HOSTILE)}," in hostile.html
    assert f"#{escape(HOSTILE)}" in hostile.html
    assert f"Hi {HOSTILE}," in hostile.text  # plain text: as written
    assert f"#{HOSTILE}" in hostile.text
