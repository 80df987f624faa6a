"""The digest pipeline against moto with an injected clock: periods, failures, retries, the
dead-letter queue and crash recovery. The worker's own handler processes real SQS messages."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from byline import aws
from byline.auth.principal import Principal
from byline.data.queues import SqsQueue
from byline.data.subscriptions import Subscriptions
from byline.data.table import table
from byline.models.articles import PublishRequest
from byline.models.subscriptions import SubscriptionUpdate
from byline.services.digests import (
    LEASE_SECONDS,
    DigestInProgress,
    Outcome,
)
from local.events import sqs_event
from tests.support.digest_pipeline import (
    AUTHOR,
    Clock,
    Mailbox,
    build_world,
    publish,
    run_candidates,
    subscriber,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def world(stack_resources):
    clock = Clock(datetime(2024, 4, 3, 6, 15, tzinfo=UTC))  # past: never the newest articles
    mailbox = Mailbox()
    return build_world(stack_resources, clock, mailbox, mailbox)


def test_the_next_period_brings_only_newer_articles(world):
    clock, mailbox, digests, _, _ = world
    tag = f"p{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    first = publish(world, tag)
    clock.now += timedelta(minutes=30)
    assert digests.deliver(name, run_candidates(digests)) == "sent"
    assert digests.deliver(name, run_candidates(digests)) == "duplicate"
    clock.now += timedelta(hours=3)
    newer = publish(world, tag)
    clock.now += timedelta(days=1) - timedelta(hours=3)
    assert digests.deliver(name, run_candidates(digests)) == "sent"
    day_one, day_two = mailbox.to(name)
    assert first.title in day_one.text
    assert newer.title in day_two.text
    assert first.title not in day_two.text
    clock.now += timedelta(days=1)
    assert digests.deliver(name, run_candidates(digests)) == "empty"
    assert len(mailbox.to(name)) == 2


def test_a_crash_between_claim_and_send_is_recovered_with_one_email(world):
    clock, mailbox, digests, _, _ = world
    tag = f"c{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    publish(world, tag)
    clock.now += timedelta(minutes=5)
    run_key = run_candidates(digests)
    period = clock.now.date().isoformat()
    stamp = int(clock.now.timestamp())
    # a worker claimed the digest and died before sending
    assert digests.subscriptions.claim(name, period, "dead", stamp, stamp + LEASE_SECONDS)
    with pytest.raises(DigestInProgress):
        digests.deliver(name, run_key)  # the claim is live: retry later
    assert mailbox.to(name) == []
    clock.now += timedelta(seconds=LEASE_SECONDS + 60)  # the queue shows the message again
    assert digests.deliver(name, run_key) == "sent"
    assert digests.deliver(name, run_key) == "duplicate"
    assert len(mailbox.to(name)) == 1


def test_failed_sends_alone_are_retried_and_end_in_the_dead_letter_queue(
    world, stack_resources, invoke_handler, monkeypatch
):
    clock, mailbox, digests, _, _ = world
    tag = f"f{uuid.uuid4().hex[:8]}"
    names = [subscriber(world, [tag], hour=clock.now.hour) for _ in range(6)]
    failing = set(names[:2])
    mailbox.failing = failing
    publish(world, tag)
    clock.now = clock.now.replace(minute=10) + timedelta(days=1)  # their next digest is due

    queue = aws.sqs().create_queue(QueueName=f"digests-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    dead = aws.sqs().create_queue(QueueName=f"dead-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = lambda url: aws.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[  # noqa: E731
        "Attributes"
    ]["QueueArn"]
    aws.sqs().set_queue_attributes(
        QueueUrl=queue,
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn(dead), "maxReceiveCount": "3"})
        },
    )
    outcome = digests.plan(SqsQueue(queue), clock.now.replace(minute=0))  # the event's time
    assert outcome.planned >= 6

    import sys

    warm_up = [{"MessageId": "warm-up", "ReceiptHandle": "x", "Body": "{}", "Attributes": {}}]
    invoke_handler("DigestWorkerFunction", sqs_event(warm_up, arn(queue)))  # load it, then point it
    worker = sys.modules["byline_local_fn_DigestWorkerFunction"]  # at this test's service
    monkeypatch.setattr(worker, "digest_service", lambda: digests)
    batch_failures = []
    for _ in range(6):
        received = (
            aws.sqs()
            .receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])
            .get("Messages", [])
        )
        if not received:
            break
        for start in range(0, len(received), 10):
            batch = received[start : start + 10]
            response = invoke_handler("DigestWorkerFunction", sqs_event(batch, arn(queue)))
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            batch_failures.append(
                {json.loads(m["Body"])["username"] for m in batch if m["MessageId"] in failed}
            )
            for message in batch:
                if message["MessageId"] in failed:  # what the event source mapping does
                    aws.sqs().change_message_visibility(
                        QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    aws.sqs().delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    # other tests' subscribers may be due in the same quarter-hour: the failing two need not
    # share the first batch of ten, but only they ever fail
    assert set().union(*batch_failures) == failing
    assert all(f <= failing for f in batch_failures)
    for name in names:
        assert len(mailbox.to(name)) == (0 if name in failing else 1)
    dead_letters = (
        aws.sqs().receive_message(QueueUrl=dead, MaxNumberOfMessages=10).get("Messages", [])
    )
    assert {json.loads(m["Body"])["username"] for m in dead_letters} == failing


class ListOutbox:
    def __init__(self):
        self.messages = []

    def send_batch(self, bodies):
        self.messages.extend(json.loads(b) for b in bodies)
        return []

    def to(self, username):
        return [m for m in self.messages if m["username"] == username]


def plan(world, slot, late=timedelta(seconds=30)):
    """The planner run for ``slot``, started ``late`` after it; the messages it queued."""
    clock, _, digests, _, _ = world
    clock.now = slot + late
    outbox = ListOutbox()
    digests.plan(outbox, slot)
    return outbox


def deliver(world, outbox, username, at):
    clock, _, digests, _, _ = world
    clock.now = at
    (message,) = outbox.to(username)
    return digests.deliver_message(message)


def at(day, hour, minute=0):
    return datetime(2024, 4, day, hour, minute, tzinfo=UTC)


def after_first_digest(world):
    """A 06:00 UTC subscriber to a new tag, sent the 4 April digest with one article at 05:00:
    ``(tag, name, article)``."""
    tag = f"t{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    world[0].now = at(4, 5)
    article = publish(world, tag)
    assert deliver(world, plan(world, at(4, 6)), name, at(4, 6, 1)) == "sent"
    return tag, name, article


def test_an_article_published_while_the_queue_drains_reaches_the_next_digest(world):
    clock, mailbox, _, _, _ = world
    tag = f"d{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    clock.now = at(4, 5)
    before = publish(world, tag)
    outbox = plan(world, at(4, 6))
    clock.now = at(4, 6, 2)
    during = publish(world, tag)  # after the snapshot, before this subscriber's message
    assert deliver(world, outbox, name, at(4, 6, 10)) == "sent"
    assert deliver(world, plan(world, at(5, 6)), name, at(5, 6, 1)) == "sent"
    first, second = mailbox.to(name)
    assert before.title in first.text
    assert during.title not in first.text
    assert during.title in second.text
    assert before.title not in second.text


def test_the_planner_plans_the_quarter_hour_its_event_names_however_late_it_runs(world):
    tag = f"l{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    world[0].now = at(4, 5)
    publish(world, tag)
    late = plan(world, at(4, 6), late=timedelta(minutes=80))  # the machine's clock says 07:20
    assert [m["slot"] for m in late.to(name)] == ["2024-04-04T06:00:00.000Z"]
    assert deliver(world, late, name, at(4, 7, 25)) == "sent"
    replayed = plan(world, at(4, 6), late=timedelta(hours=5))  # replaying the hour sends nothing
    assert deliver(world, replayed, name, at(4, 11, 5)) == "duplicate"
    assert len(world[1].to(name)) == 1


def test_half_hour_and_45_minute_zones_are_planned_at_their_local_hour(world):
    kolkata = subscriber(world, ["x"], hour=8, timezone="Asia/Kolkata")
    kathmandu = subscriber(world, ["x"], hour=8, timezone="Asia/Kathmandu")
    assert plan(world, at(4, 2)).to(kolkata) == []
    assert len(plan(world, at(4, 2, 30)).to(kolkata)) == 1  # 08:00 IST
    assert len(plan(world, at(4, 2, 15)).to(kathmandu)) == 1  # 08:00 NPT


def test_a_23_00_paris_subscriber_gets_the_digest_of_the_spring_switch_day(world):
    clock, mailbox, _, _, _ = world
    tag = f"s{uuid.uuid4().hex[:8]}"
    clock.now = datetime(2024, 3, 30, 12, tzinfo=UTC)
    name = subscriber(world, [tag], hour=23, timezone="Europe/Paris")
    publish(world, tag)
    saturday = plan(world, datetime(2024, 3, 30, 22, tzinfo=UTC))  # 23:00 CET
    assert deliver(world, saturday, name, datetime(2024, 3, 30, 22, 5, tzinfo=UTC)) == "sent"
    clock.now = datetime(2024, 3, 31, 12, tzinfo=UTC)  # the clocks went forward at 02:00
    publish(world, tag)
    sunday = plan(world, datetime(2024, 3, 31, 21, tzinfo=UTC))  # 23:00 CEST
    assert deliver(world, sunday, name, datetime(2024, 3, 31, 21, 5, tzinfo=UTC)) == "sent"
    assert len(mailbox.to(name)) == 2


def test_changing_the_schedule_right_after_a_digest_keeps_what_was_published_since(world):
    clock, mailbox, _, _, subscriptions = world
    tag, name, first = after_first_digest(world)
    clock.now = at(4, 6, 20)
    since = publish(world, tag)
    clock.now = at(4, 6, 30)
    me = Principal(username=name, sub=name, groups=("reader",))
    subscriptions.put(me, SubscriptionUpdate(cadence="daily", hour=20, timezone="UTC"))
    assert Subscriptions(table()).subscription(name).watermark == "2024-04-04T06:00:00.000Z"
    assert deliver(world, plan(world, at(4, 20)), name, at(4, 20, 1)) == "duplicate"
    assert deliver(world, plan(world, at(5, 20)), name, at(5, 20, 1)) == "sent"
    later = mailbox.to(name)[-1]
    assert since.title in later.text
    assert first.title not in later.text


def test_an_unpublished_then_republished_article_reaches_the_next_digest(world):
    clock, mailbox, _, articles, _ = world
    _, name, article = after_first_digest(world)
    clock.now = at(4, 8)
    articles.unpublish(AUTHOR, article.id)
    clock.now = at(4, 12)
    articles.publish(AUTHOR, article.id, PublishRequest())
    assert deliver(world, plan(world, at(5, 6)), name, at(5, 6, 1)) == "sent"
    assert deliver(world, plan(world, at(6, 6)), name, at(6, 6, 1)) == "empty"
    assert [article.title in e.text for e in mailbox.to(name)] == [True, True]


def test_a_capped_digest_says_how_many_more_matched_and_links_to_them(world):
    clock, mailbox, _, _, _ = world
    tag = f"m{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    clock.now = at(4, 3)
    for _ in range(9):
        clock.now += timedelta(minutes=5)
        publish(world, tag)
    assert deliver(world, plan(world, at(4, 6)), name, at(4, 6, 1)) == "sent"
    (email,) = mailbox.to(name)
    view = world[2].links(name, "2024-04-04")["view"]  # the API's page of the digest
    assert f"And 2 more articles matched: {view}#more" in email.text
    assert f'href="{view.replace("&", "&amp;")}#more"' in email.html
    archive = world[2].view(view.split("token=")[1], "2024-04-04")[0]
    assert archive.count("Also matched") == 1  # the two left out are listed there
    me = Principal(username=name, sub=name, groups=("reader",))
    page = world[2].archived(me, "2024-04-04")
    assert len(page.article_ids) == 7
    assert len(page.more_article_ids) == 2
    assert not set(page.article_ids) & set(page.more_article_ids)
    assert deliver(world, plan(world, at(5, 6)), name, at(5, 6, 1)) == "empty"


def test_the_planner_function_plans_the_time_its_scheduled_event_names(invoke_handler, monkeypatch):
    import sys

    from local.events import scheduled_event

    rule = "arn:aws:events:us-east-1:123456789012:rule/digest-replay"
    slot = datetime(2024, 4, 4, 3, 45, tzinfo=UTC)  # a quarter-hour nobody here is due in
    invoke_handler("DigestPlannerFunction", scheduled_event(rule, slot))  # load it
    planner = sys.modules["byline_local_fn_DigestPlannerFunction"]
    asked = []

    class Service:
        def plan(self, outbox=None, at=None, ahead_ok=False):
            asked.append(at)
            return Outcome()

    monkeypatch.setattr(planner, "digest_service", Service)
    invoke_handler("DigestPlannerFunction", scheduled_event(rule, slot))
    assert asked == [slot]


def test_an_article_a_lagging_index_left_out_of_a_snapshot_reaches_the_next_digest_once(world):
    clock, mailbox, digests, _, _ = world
    tag = f"g{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    clock.now = at(4, 5, 59) + timedelta(seconds=55)
    missed = publish(world, tag)  # seconds before the slot, not yet in the index's answer
    clock.now += timedelta(seconds=2)
    seen = publish(world, tag)
    clock.now = at(4, 6, 1)
    first = run_candidates(digests, {seen.id})
    assert digests.deliver(name, first, slot=at(4, 6), upto=at(4, 6)) == "sent"
    clock.now = at(5, 6, 1)
    second = run_candidates(digests, {seen.id, missed.id})
    assert digests.deliver(name, second, slot=at(5, 6), upto=at(5, 6)) == "sent"
    day_one, day_two = mailbox.to(name)
    assert seen.title in day_one.text
    assert missed.title in day_two.text
    assert seen.title not in day_two.text


def test_the_preview_says_the_period_was_sent_and_shows_what_the_next_digest_would_hold(world):
    clock, _, digests, _, _ = world
    tag, name, sent_article = after_first_digest(world)
    me = Principal(username=name, sub=name, groups=("reader",))
    clock.now = at(4, 9)
    newer = publish(world, tag)
    clock.now = at(4, 10)
    preview = digests.preview(me)
    assert (preview.current_period, preview.current_period_sent) == ("2024-04-04", True)
    assert preview.current_sent_at == at(4, 6, 1)
    assert (preview.period, preview.next_digest_at) == ("2024-04-05", at(5, 6))
    assert [a.id for a in preview.articles] == [newer.id]
    assert preview.would_send
    assert sent_article.id not in {a.id for a in preview.articles}


def test_the_preview_before_the_period_s_digest_names_this_period(world):
    clock, _, digests, _, _ = world
    tag = f"v{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag])
    clock.now = at(4, 3)
    article = publish(world, tag)
    clock.now = at(4, 4)
    preview = digests.preview(Principal(username=name, sub=name, groups=("reader",)))
    assert (preview.current_period, preview.current_period_sent) == ("2024-04-04", False)
    assert (preview.period, preview.next_digest_at) == ("2024-04-04", at(4, 6))
    assert preview.current_sent_at is None
    assert [a.id for a in preview.articles] == [article.id]


def test_the_planner_function_refuses_a_slot_ahead_of_the_clock_unless_the_event_asks(
    invoke_handler, monkeypatch
):
    """EventBridge never names a future slot; a person replaying by hand might, and its digests
    would go out before they are due and stand in for the period's own. The invocation fails
    (seen in the planner's errors and dead-letter queue); ``detail.plan_ahead`` (the local
    demo's ``TIME=next-hour``) plans it knowingly."""
    import sys

    from byline.services.digests import SlotAhead
    from local.events import scheduled_event

    rule = "arn:aws:events:us-east-1:123456789012:rule/digest-ahead"
    ahead = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    with pytest.raises(SlotAhead):
        invoke_handler("DigestPlannerFunction", scheduled_event(rule, ahead))
    planner = sys.modules["byline_local_fn_DigestPlannerFunction"]
    asked = []

    class Service:
        def plan(self, outbox=None, at=None, ahead_ok=False):
            asked.append((at, ahead_ok))
            return Outcome()

    monkeypatch.setattr(planner, "digest_service", Service)
    invoke_handler(
        "DigestPlannerFunction", scheduled_event(rule, ahead, detail={"plan_ahead": True})
    )
    assert asked == [(ahead, True)]
