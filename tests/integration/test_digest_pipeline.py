"""The digest pipeline against moto with an injected clock: periods, failures, retries, the
dead-letter queue and crash recovery. The worker's own handler processes real SQS messages."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from byline import aws
from byline.auth.principal import Principal
from byline.data.articles import Articles
from byline.data.subscriptions import Subscriptions
from byline.data.table import table
from byline.data.users import Users
from byline.models.articles import ArticleCreate, PublishRequest
from byline.models.subscriptions import SubscriptionUpdate
from byline.services.articles import ArticleService
from byline.services.digests import (
    LEASE_SECONDS,
    DigestInProgress,
    DigestService,
    S3Store,
    SqsOutbox,
)
from byline.services.subscriptions import SubscriptionService
from local.events import sqs_event

pytestmark = pytest.mark.integration

AUTHOR = Principal(username="pipeline_author", sub="pa", groups=("author",))


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


class Mailbox:
    def __init__(self, failing=()):
        self.sent = []
        self.failing = set(failing)

    def __call__(self, email):
        if email.recipient.split("@")[0] in self.failing:
            raise RuntimeError("SES throttled")
        self.sent.append(email)
        return f"m-{len(self.sent)}"

    def to(self, username):
        return [e for e in self.sent if e.recipient.startswith(f"{username}@")]


def build_world(stack_resources, clock, mailbox, send_email):
    """The services of a pipeline test, on one clock, mail going to ``send_email``:
    ``(clock, mailbox, digests, articles, subscriptions)``."""
    key = lambda: b"u" * 32  # noqa: E731
    digests = DigestService(
        subscriptions=Subscriptions(table()),
        articles=Articles(table()),
        store=S3Store(stack_resources["DIGEST_BUCKET"]),
        send_email=send_email,
        unsubscribe_key=key,
        site_url="https://byline.example",
        sender=stack_resources["DIGEST_SENDER"],
        clock=clock,
    )
    articles = ArticleService(
        articles=Articles(table()), cursor_key=key, publish_event=lambda *_: True, clock=clock
    )
    subscriptions = SubscriptionService(Subscriptions(table()), Users(table()), key, clock)
    return clock, mailbox, digests, articles, subscriptions


@pytest.fixture
def world(stack_resources):
    clock = Clock(datetime(2024, 4, 3, 6, 15, tzinfo=UTC))  # past: never the newest articles
    mailbox = Mailbox()
    return build_world(stack_resources, clock, mailbox, mailbox)


def subscriber(world, tags, hour=6):
    _clock, _, _, _, subscriptions = world
    name = "s" + uuid.uuid4().hex[:10]
    Users(table()).reserve(
        {"kind": "profile", "username": name, "email": f"{name}@example.com", "display_name": name,
         "role": "reader", "confirmed": False, "joined_at": "2032-01-01T00:00:00.000Z"},
        2_000_000_000,
        int(time.time()),
    )  # fmt: skip
    Users(table()).mark_confirmed(name, int(time.time()), name)
    me = Principal(username=name, sub=name, groups=("reader",))
    subscriptions.put(me, SubscriptionUpdate(cadence="daily", hour=hour, timezone="UTC"))
    for tag in tags:
        subscriptions.follow_tag(me, tag, muted=False)
    return name


def publish(world, tag):
    _, _, _, articles, _ = world
    draft = articles.create(
        AUTHOR, ArticleCreate(title=f"On {tag} {uuid.uuid4().hex[:4]}", tags=[tag])
    )
    return articles.publish(AUTHOR, draft.id, PublishRequest())


def run_candidates(digests):
    """Plan-like: store this hour's candidates and return the run key the worker reads."""
    now = digests.clock()
    run = f"test-{uuid.uuid4().hex[:8]}"
    candidates = digests.load_candidates(now)
    from byline.services.digests import _candidate_to_json

    digests.store.put(
        f"runs/{run}/candidates.json",
        json.dumps([_candidate_to_json(c) for c in candidates]).encode(),
        "application/json",
    )
    return run


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
    clock.now += timedelta(minutes=10)

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
    outcome = digests.plan(SqsOutbox(queue))
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
    assert batch_failures[0] == failing
    assert all(f <= failing for f in batch_failures)
    for name in names:
        assert len(mailbox.to(name)) == (0 if name in failing else 1)
    dead_letters = (
        aws.sqs().receive_message(QueueUrl=dead, MaxNumberOfMessages=10).get("Messages", [])
    )
    assert {json.loads(m["Body"])["username"] for m in dead_letters} == failing
