"""Reading SES's bounce and complaint notifications (event publishing records, and the identity
notifications' older form), and what the feedback service does with each, on an in-memory
table: who is stopped, who is not, and that nothing happens twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from byline.auth.principal import Principal
from byline.data.subscriptions import Subscriptions
from byline.data.users import UserRecord, Users
from byline.models.subscriptions import SubscriptionUpdate
from byline.services.ses_feedback import FeedbackService, MalformedNotification, parse
from byline.services.subscriptions import SubscriptionService
from local.events import ses_event_record
from tests.support.memory_table import MemoryTable

SENT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def record(event_type="Bounce", recipients=("ann@example.com",), **kwargs):
    return json.dumps(ses_event_record(event_type, list(recipients), sent_at=SENT, **kwargs))


# -- parsing -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bounce_type", "suppresses"),
    [("Permanent", True), ("Transient", False), ("Undetermined", False)],
)
def test_only_a_permanent_bounce_stops_delivery(bounce_type, suppresses):
    feedback = parse(record(bounce_type=bounce_type, tags={"byline-user": "ann"}))
    assert feedback.kind == "bounce"
    assert feedback.bounce_type == bounce_type
    assert feedback.addresses == ("ann@example.com",)
    assert feedback.suppresses is suppresses
    assert feedback.tag("byline-user") == "ann"
    assert feedback.sent_at == SENT


def test_a_complaint_stops_delivery_for_every_complained_recipient():
    feedback = parse(record("Complaint", ["Ann@Example.com", "bob@example.com"]))
    assert (feedback.kind, feedback.suppresses) == ("complaint", True)
    assert feedback.addresses == ("ann@example.com", "bob@example.com")


def test_several_bounced_recipients_are_read_once_each_and_bare():
    raw = ses_event_record("Bounce", ["a@example.com", "b@example.com"], sent_at=SENT)
    raw["bounce"]["bouncedRecipients"].append({"emailAddress": "Bee <B@example.com>"})
    feedback = parse(json.dumps(raw))
    assert feedback.addresses == ("a@example.com", "b@example.com")
    assert feedback.message_id == raw["mail"]["messageId"]
    assert feedback.feedback_id == raw["bounce"]["feedbackId"]


def test_identity_notifications_name_their_type_notification_type():
    raw = ses_event_record("Bounce", ["a@example.com"], sent_at=SENT)
    raw["notificationType"] = raw.pop("eventType")
    del raw["mail"]["tags"]  # identity notifications carry no tags
    feedback = parse(json.dumps(raw))
    assert (feedback.kind, feedback.suppresses, dict(feedback.tags)) == ("bounce", True, {})


@pytest.mark.parametrize("event_type", ["Delivery", "Send", "Received", "Reject", "Open"])
def test_other_notifications_are_ignored(event_type):
    raw = {"notificationType" if event_type == "Received" else "eventType": event_type,
           "mail": {"messageId": "m"}}  # fmt: skip
    feedback = parse(json.dumps(raw))
    assert (feedback.kind, feedback.suppresses, feedback.addresses) == ("ignored", False, ())


@pytest.mark.parametrize(
    "message",
    [
        "{not json",
        "[]",
        json.dumps({"mail": {}}),  # no type
        json.dumps({"eventType": "Bounce", "mail": {}}),  # no bounce object
        json.dumps({"eventType": "Complaint", "mail": {}, "complaint": {}}),  # no recipients
        json.dumps({"eventType": "Bounce", "bounce": {"bouncedRecipients": []}}),  # no mail
    ],
)
def test_malformed_notifications_are_refused(message):
    with pytest.raises(MalformedNotification):
        parse(message)


# -- the service on a table --------------------------------------------------------------------
class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def world():
    table = MemoryTable()
    clock = Clock(SENT - timedelta(days=1))
    users = Users(table)
    subscriptions = SubscriptionService(Subscriptions(table), lambda: b"k" * 32, clock)
    feedback = FeedbackService(Subscriptions(table), users, "byline-local", clock)
    return table, clock, users, subscriptions, feedback


def member(world, name, cadence="daily"):
    _, _, users, subscriptions, _ = world
    users.reserve(
        UserRecord.from_item({"username": name, "email": f"{name}@example.com",
         "display_name": name,
         "role": "reader", "confirmed": False, "joined_at": "2026-01-01T00:00:00.000Z"}),
        2_000_000_000, 0,
    )  # fmt: skip
    users.mark_confirmed(name, 0, name)
    me = Principal(username=name, sub=name, groups=("reader",))
    subscriptions.put(me, SubscriptionUpdate(cadence=cadence))
    return me


def test_a_permanent_bounce_stops_digests_once_and_says_why(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    notice = parse(record(tags={"byline-user": "ann"}))
    assert feedback.handle(notice) == {"ann@example.com": "suppressed"}
    shown = subscriptions.get(ann)
    assert shown.cadence == "off"
    assert shown.delivery_stopped is not None
    assert (shown.delivery_stopped.reason, shown.delivery_stopped.at) == ("bounce", clock.now)
    assert feedback.handle(notice) == {"ann@example.com": "unchanged"}  # SNS redelivered it
    # like every way to off, it ends the subscription a welcome greets: choosing a cadence
    # again starts a new one (and may be welcomed)
    assert Subscriptions(world[0]).subscription("ann").subscribed_at is None


def test_subscribing_again_turns_delivery_on_and_older_feedback_stays_history(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    complaint = parse(record("Complaint", tags={"byline-user": "ann"}))
    assert feedback.handle(complaint) == {"ann@example.com": "suppressed"}
    assert subscriptions.get(ann).delivery_stopped.reason == "complaint"
    clock.now = SENT + timedelta(hours=1)
    again = subscriptions.put(ann, SubscriptionUpdate(cadence="weekly", weekday=2))
    assert (again.cadence, again.delivery_stopped) == ("weekly", None)
    assert subscriptions.get(ann).delivery_stopped is None
    # a late copy of the complaint about mail sent before she chose again changes nothing
    assert feedback.handle(complaint) == {"ann@example.com": "unchanged"}
    assert subscriptions.get(ann).cadence == "weekly"


def test_a_soft_bounce_is_counted_and_delivery_continues(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    for kind in ("Transient", "Undetermined"):
        outcome = feedback.handle(parse(record(bounce_type=kind, tags={"byline-user": "ann"})))
        assert outcome == {"ann@example.com": "counted"}
    assert subscriptions.get(ann).cadence == "daily"


def test_mail_without_a_user_tag_is_matched_by_the_address_it_went_to(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    bob = member(world, "bob")
    clock.now = SENT + timedelta(minutes=1)
    outcome = feedback.handle(parse(record(recipients=["ANN@example.com", "bob@example.com"])))
    assert outcome == {"ann@example.com": "suppressed", "bob@example.com": "suppressed"}
    assert subscriptions.get(ann).cadence == subscriptions.get(bob).cadence == "off"


def test_an_address_that_is_not_the_tagged_accounts_changes_nothing(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    forged = parse(record(recipients=["mallory@example.com"], tags={"byline-user": "ann"}))
    assert feedback.handle(forged) == {"mallory@example.com": "not_ours"}
    unknown = parse(record(recipients=["nobody@example.com"]))
    assert feedback.handle(unknown) == {"nobody@example.com": "not_ours"}
    other_set = parse(record(tags={"byline-user": "ann"}, configuration_set="someone-else"))
    assert feedback.handle(other_set) == {"ann@example.com": "not_ours"}
    assert subscriptions.get(ann).cadence == "daily"


def test_feedback_for_an_account_without_a_subscription_changes_nothing(world):
    _, clock, users, _, feedback = world
    users.reserve(
        UserRecord.from_item({"username": "cy", "email": "cy@example.com", "display_name": "cy",
         "role": "reader", "confirmed": False, "joined_at": "2026-01-01T00:00:00.000Z"}),
        2_000_000_000, 0,
    )  # fmt: skip
    users.mark_confirmed("cy", 0, "cy")
    clock.now = SENT + timedelta(minutes=1)
    assert feedback.handle(parse(record(recipients=["cy@example.com"]))) == {
        "cy@example.com": "unchanged"
    }


def test_changing_only_the_hour_after_the_mail_does_not_outrank_a_complaint_about_it(world):
    """Only turning digests on is an opt-in; a later hour or zone chosen after the reported
    mail went out must not make the complaint (or a permanent bounce) count for nothing."""
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")  # subscribed a day before the mail was sent
    clock.now = SENT + timedelta(minutes=30)
    subscriptions.put(ann, SubscriptionUpdate(cadence="daily", hour=19, timezone="Europe/Paris"))
    clock.now = SENT + timedelta(hours=1)
    complaint = parse(record("Complaint", tags={"byline-user": "ann"}))
    assert feedback.handle(complaint) == {"ann@example.com": "suppressed"}
    assert subscriptions.get(ann).cadence == "off"


def test_a_notification_naming_no_configuration_set_changes_nothing(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    raw = ses_event_record("Bounce", ["ann@example.com"], sent_at=SENT, tags={"byline-user": "ann"})
    del raw["mail"]["tags"]["ses:configuration-set"]
    assert feedback.handle(parse(json.dumps(raw))) == {"ann@example.com": "not_ours"}
    del raw["mail"]["tags"]  # the identity notifications' form: no tags at all
    assert feedback.handle(parse(json.dumps(raw))) == {"ann@example.com": "not_ours"}
    assert subscriptions.get(ann).cadence == "daily"


def test_a_service_that_knows_no_configuration_set_acts_on_nothing(world):
    table, clock, users, subscriptions, _ = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    unconfigured = FeedbackService(Subscriptions(table), users, "", clock)
    notice = parse(record(tags={"byline-user": "ann"}))
    assert unconfigured.handle(notice) == {"ann@example.com": "not_ours"}
    assert subscriptions.get(ann).cadence == "daily"


@pytest.mark.parametrize(
    "timestamp",
    [None, "", "yesterday", "2026-11-25T08:00:00", 1764057600, "2099-01-01T00:00:00.000Z"],
    ids=["missing", "empty", "unreadable", "no-offset", "a-number", "far-future"],
)
def test_a_mail_timestamp_that_cannot_date_the_feedback_is_refused(world, timestamp):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    raw = ses_event_record(
        "Complaint", ["ann@example.com"], sent_at=SENT, tags={"byline-user": "ann"}
    )
    if timestamp is None:
        del raw["mail"]["timestamp"]
    else:
        raw["mail"]["timestamp"] = timestamp
    assert feedback.handle(parse(json.dumps(raw))) == {"ann@example.com": "refused"}
    assert subscriptions.get(ann).cadence == "daily"
    assert subscriptions.get(ann).delivery_stopped is None


def test_a_future_mail_timestamp_does_not_undo_a_later_resubscription(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(minutes=1)
    assert feedback.handle(parse(record("Complaint", tags={"byline-user": "ann"}))) == {
        "ann@example.com": "suppressed"
    }
    clock.now = SENT + timedelta(hours=1)
    subscriptions.put(ann, SubscriptionUpdate(cadence="daily"))
    forged = ses_event_record(
        "Complaint", ["ann@example.com"], sent_at=datetime(2099, 1, 1, tzinfo=UTC),
        tags={"byline-user": "ann"},
    )  # fmt: skip
    assert feedback.handle(parse(json.dumps(forged))) == {"ann@example.com": "refused"}
    assert subscriptions.get(ann).cadence == "daily"


def test_a_mail_timestamp_after_the_bounce_itself_is_refused_within_the_skew_it_is_not(world):
    _, clock, _, subscriptions, feedback = world
    ann = member(world, "ann")
    clock.now = SENT + timedelta(hours=2)
    raw = ses_event_record("Bounce", ["ann@example.com"], sent_at=SENT, tags={"byline-user": "ann"})
    # mail "sent" an hour after SES reported the bounce (and before now): refused
    raw["mail"]["timestamp"] = "2026-11-25T09:00:00.000Z"
    assert feedback.handle(parse(json.dumps(raw))) == {"ann@example.com": "refused"}
    # a few minutes' difference between clocks is tolerated
    raw["mail"]["timestamp"] = "2026-11-25T08:04:00.000Z"
    assert feedback.handle(parse(json.dumps(raw))) == {"ann@example.com": "suppressed"}
    assert subscriptions.get(ann).cadence == "off"
