"""Faults under the digest pipeline: S3 and SES failing, SQS delivering a message twice, Lambda
timing out half-way through a batch. Each subscriber must end with exactly one digest email for
the period (what SES accepted from the real mailer, on moto), except in the one
window docs/decisions/0009-digests.md names: a crash after SES accepted a message and before the
record says ``sent``, where a retry sends a second one (never none).

Failures are injected into the layer's boto3 clients at the wire (tests/support/aws_calls.py),
so botocore's retries run as in Lambda; the worker's own handler processes SQS records.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from byline import aws
from byline.data import mailer
from byline.data.mailer import Email
from byline.data.subscriptions import DigestRecord, Subscriptions
from byline.services.digests import LEASE_SECONDS, DigestInProgress
from local.events import sqs_event
from tests.support.aws_calls import Faults
from tests.support.digest_pipeline import (
    AUTHOR,
    Clock,
    Mailbox,
    build_world,
    publish,
    run_candidates,
    subscriber,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:byline-test-digests"
VISIBILITY_TIMEOUT = timedelta(seconds=360)  # DigestQueue's, longer than the claim's lease


class InvocationKilled(BaseException):
    """Lambda stopping the invocation at its timeout: nothing in the function can catch it."""


class Sender:
    """The real SES mailer, with a kill switch before or after SES accepts a message; counts
    what SES accepted (moto's own record of sent mail is a dump of every service's data, too
    slow to read after the other tests have filled the stack)."""

    def __init__(self) -> None:
        self.kill_before: set[str] = set()
        self.kill_after: set[str] = set()
        self.time_out: set[str] = set()
        self.accepted: Counter[str] = Counter()

    def __call__(self, email: Email) -> str:
        from botocore.exceptions import ReadTimeoutError

        name = email.recipient.split("@")[0]
        if name in self.kill_before:
            self.kill_before.discard(name)
            raise InvocationKilled(name)
        if name in self.time_out:  # no answer in time (here SES never had it)
            self.time_out.discard(name)
            raise ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com")
        message_id = mailer.send(email)
        self.accepted[name] += 1
        if name in self.kill_after:
            self.kill_after.discard(name)
            raise InvocationKilled(name)
        return message_id


@pytest.fixture
def world(stack_resources: Any) -> Any:
    """The pipeline tests' world (test_digest_pipeline.py), sending through the real mailer."""
    from datetime import UTC, datetime

    from tests.support.layer_caches import reset_layer_caches

    reset_layer_caches()  # clients with a full retry quota
    clock = Clock(datetime(2024, 5, 8, 6, 15, tzinfo=UTC))
    assert AUTHOR.username  # publish() writes as the pipeline tests' author
    return build_world(stack_resources, clock, Mailbox(), Sender())


@pytest.fixture
def pipeline(world: Any, stack_resources: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from tests.support.layer_caches import reset_layer_caches

    clock, _mailbox, digests, _articles, _subscriptions = world
    sender = digests.send_email
    import byline.services.digests as module

    real = module.digest_service
    monkeypatch.setattr(module, "digest_service", lambda: digests)
    # a worker handler loaded earlier in the session bound the name at its import
    loaded = sys.modules.get("byline_local_fn_DigestWorkerFunction")
    if loaded is not None:
        monkeypatch.setattr(loaded, "digest_service", lambda: digests)
    yield clock, digests, sender, sender  # the last: what SES accepted, per subscriber
    # and one loaded during this test keeps the real service for the tests after
    loaded = sys.modules.get("byline_local_fn_DigestWorkerFunction")
    if loaded is not None:
        loaded.digest_service = real
    reset_layer_caches()


def emails_to(sender: Sender, name: str) -> int:
    return sender.accepted[name]


def due_subscribers(world: Any, count: int) -> tuple[list[str], str]:
    """``count`` subscribers with one matching article, due now; the run key for the worker."""
    clock, _, digests, _, _ = world
    tag = f"fd{uuid.uuid4().hex[:8]}"
    names = [subscriber(world, [tag], hour=clock.now.hour) for _ in range(count)]
    publish(world, tag)
    clock.now += timedelta(minutes=5)
    return names, run_candidates(digests)


def message(name: str, run: str) -> dict[str, Any]:
    return {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": uuid.uuid4().hex,
        "Body": json.dumps({"username": name, "run": run}),
        "Attributes": {"ApproximateReceiveCount": "1"},
    }


def deliver_batch(invoke: Callable[..., Any], messages: list[dict[str, Any]]) -> set[str]:
    """The worker's handler on one SQS batch; the usernames whose messages failed."""
    response = invoke("DigestWorkerFunction", sqs_event(messages, QUEUE_ARN))
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    return {json.loads(m["Body"])["username"] for m in messages if m["MessageId"] in failed}


def test_an_archive_that_cannot_be_written_sends_nothing_and_the_retry_sends_once(
    world, pipeline, invoke_handler
):
    clock, _, _, mail = pipeline
    (name,), run = due_subscribers(world, 1)
    batch = [message(name, run)]
    with Faults(aws.s3()) as s3:
        s3.fail("PutObject", code="SlowDown", status=503)
        assert deliver_batch(invoke_handler, batch) == {name}  # reported: SQS retries it
    assert s3.attempts["PutObject"] == 4  # 1 + 3 retries with backoff
    assert emails_to(mail, name) == 0
    clock.now += VISIBILITY_TIMEOUT
    assert deliver_batch(invoke_handler, batch) == set()
    assert emails_to(mail, name) == 1


@pytest.mark.parametrize("failures", [2, None], ids=["transient", "sustained"])
def test_ses_throttling_is_retried_and_never_loses_or_doubles_a_digest(
    world, pipeline, invoke_handler, failures
):
    clock, _, _, mail = pipeline
    (name,), run = due_subscribers(world, 1)
    batch = [message(name, run)]
    with Faults(aws.ses()) as ses:
        ses.fail("SendEmail", code="TooManyRequestsException", status=429, times=failures)
        failed = deliver_batch(invoke_handler, batch)
    if failures is None:  # still throttled after botocore's retries: the queue retries later
        assert failed == {name}
        assert emails_to(mail, name) == 0
        clock.now += VISIBILITY_TIMEOUT
        assert deliver_batch(invoke_handler, batch) == set()
    else:
        assert failed == set()
    assert emails_to(mail, name) == 1
    assert deliver_batch(invoke_handler, batch) == set()  # SQS redelivers it once more
    assert emails_to(mail, name) == 1


def test_a_message_delivered_twice_sends_one_digest(world, pipeline, invoke_handler):
    _, digests, _, mail = pipeline
    (name,), run = due_subscribers(world, 1)
    same = message(name, run)
    assert deliver_batch(invoke_handler, [same]) == set()
    assert deliver_batch(invoke_handler, [same, message(name, run)]) == set()
    assert emails_to(mail, name) == 1
    assert digests.deliver(name, run) == "duplicate"


def test_a_timeout_half_way_through_a_batch_ends_with_one_digest_each(
    world, pipeline, invoke_handler, monkeypatch
):
    clock, digests, _, mail = pipeline
    names, run = due_subscribers(world, 4)
    batch = [message(name, run) for name in names]
    # killed while preparing the second (claimed, archiving, SES not yet asked)
    real_save = digests.store.save_digest

    def save(username: str, period: str, html: str) -> str:
        if username == names[1]:
            monkeypatch.setattr(digests.store, "save_digest", real_save)
            raise InvocationKilled(names[1])
        return real_save(username, period, html)

    monkeypatch.setattr(digests.store, "save_digest", save)
    with pytest.raises(InvocationKilled):
        deliver_batch(invoke_handler, batch)
    assert [emails_to(mail, n) for n in names] == [1, 0, 0, 0]
    # nothing was reported, so SQS shows the whole batch again after the visibility timeout
    with pytest.raises(DigestInProgress):
        digests.deliver(names[1], run)  # before then the dead claim still holds
    clock.now += VISIBILITY_TIMEOUT
    assert VISIBILITY_TIMEOUT.total_seconds() > LEASE_SECONDS
    assert deliver_batch(invoke_handler, batch) == set()
    assert [emails_to(mail, n) for n in names] == [1, 1, 1, 1]


@pytest.mark.parametrize("how", ["killed after SES accepted", "table unavailable"])
def test_a_failure_after_ses_accepted_is_recovered_without_a_second_email(
    world, pipeline, invoke_handler, how
):
    """A digest SES accepted but whose ``sent`` record could not be written stays ``handed``;
    the retry, once the lease has run out, records it as ``unconfirmed`` and sends nothing.
    The others in the batch are not affected."""
    clock, digests, sender, mail = pipeline
    names, run = due_subscribers(world, 3)
    batch = [message(name, run) for name in names]
    if how.startswith("killed"):
        sender.kill_after.add(names[1])
        with pytest.raises(InvocationKilled):
            deliver_batch(invoke_handler, batch)
    else:
        with Faults(aws.dynamodb()) as table:
            # the second subscriber's "sent" transaction fails throughout: each subscriber
            # makes two, the hand-over (with the account's check) and the "sent" record
            table.fail("TransactWriteItems", skip=3, times=4)
            assert deliver_batch(invoke_handler, batch) == {names[1]}
    with pytest.raises(DigestInProgress):
        digests.deliver(names[1], run)  # the lease still holds
    clock.now += VISIBILITY_TIMEOUT
    assert deliver_batch(invoke_handler, batch) == set()
    assert [emails_to(mail, n) for n in names] == [1, 1, 1]
    assert _record(names[1]).state == "unconfirmed"
    assert digests.deliver(names[1], run) == "duplicate"  # and it stays settled
    assert emails_to(mail, names[1]) == 1


def test_a_delivery_that_stops_inside_the_ses_call_never_sends_twice(
    world, pipeline, invoke_handler
):
    """The one case the hand-over cannot tell apart: stopped while SES had the message, before
    its answer. It may have gone out, so it is recorded ``unconfirmed`` and not sent again
    (at most one email per period); its articles count as sent."""
    clock, _, sender, mail = pipeline
    (name,), run = due_subscribers(world, 1)
    sender.kill_before.add(name)  # SES never saw it, though nothing here can know that
    with pytest.raises(InvocationKilled):
        deliver_batch(invoke_handler, [message(name, run)])
    clock.now += VISIBILITY_TIMEOUT
    assert deliver_batch(invoke_handler, [message(name, run)]) == set()
    assert emails_to(mail, name) == 0
    record = _record(name)
    assert record.state == "unconfirmed"
    assert record.articles


def test_a_timeout_waiting_for_ses_is_not_taken_for_a_refusal(world, pipeline, invoke_handler):
    clock, _, sender, mail = pipeline
    (name,), run = due_subscribers(world, 1)
    sender.time_out.add(name)
    assert deliver_batch(invoke_handler, [message(name, run)]) == {name}
    assert _record(name).state == "handed"  # SES may have it: never released
    clock.now += VISIBILITY_TIMEOUT
    assert deliver_batch(invoke_handler, [message(name, run)]) == set()
    assert _record(name).state == "unconfirmed"
    assert emails_to(mail, name) == 0


def _record(name: str) -> DigestRecord:
    """The subscriber's one digest record."""
    from byline.data.table import table

    (record,) = Subscriptions(table()).digests(name)
    return record
