"""Digest scenarios a review found losing or repeating articles, each replayed with the real
planner and worker on an in-memory table and one clock (tests/support/digest_world.py)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest

from byline.data import keys
from byline.models.articles import PublishRequest
from byline.services.digests import SlotAhead
from tests.support.digest_world import Clock, DigestWorld, Outbox


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _world(start: str) -> DigestWorld:
    return DigestWorld(Clock(_at(start)))


def _digests(world: DigestWorld, name: str) -> dict[str, set[str]]:
    """Each period's digest: the ids it listed and counted as more."""
    return {
        r.period: {a.split("@")[0] for a in r.articles} | set(r.more)
        for r in world.digests.subscriptions.digests(name)
        if r.state in ("sent", "unconfirmed")
    }


def test_a_weekly_subscriber_who_moves_their_weekday_after_a_digest_loses_nothing():
    """The skipped period left the watermark older than the planner's eight-day snapshot."""
    world = _world("2026-11-16T09:00")
    reader = world.add_reader("weekly")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="weekly", weekday=0, hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-20T10:00")
    first = world.publish("A", ["python"])
    world.cycle(_at("2026-11-23T08:00"))
    world.clock.now = _at("2026-11-23T09:00")
    world.subscribe(reader, cadence="weekly", weekday=6, hour=8, timezone="UTC")
    owed = []
    for moment in ("2026-11-24T10:00", "2026-11-27T12:00", "2026-11-29T06:00"):
        world.clock.now = _at(moment)
        owed.append(world.publish(f"owed {moment}", ["python"]))
    world.cycle(_at("2026-11-29T08:00"))  # still ISO week 48: already sent
    world.clock.now = _at("2026-12-02T10:00")
    owed.append(world.publish("E", ["python"]))

    world.cycle(_at("2026-12-06T08:00"))

    digests = _digests(world, "weekly")
    assert digests["2026-W48"] == {first}
    assert digests["2026-W49"] == set(owed)


def test_a_first_digest_sent_later_than_planned_holds_what_was_published_since_subscribing():
    world = _world("2026-11-23T09:00")
    reader = world.add_reader("newcomer")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-23T09:30")
    early = world.publish("N1", ["python"])
    world.clock.now = _at("2026-11-24T07:30")
    world.subscribe(reader, cadence="daily", hour=10, timezone="UTC")  # before the first digest
    late = world.publish("N2", ["python"])

    world.cycle(_at("2026-11-24T10:00"))

    assert _digests(world, "newcomer") == {"2026-11-24": {early, late}}


def test_what_is_published_while_unsubscribed_is_not_sent_after_resubscribing():
    world = _world("2026-11-20T09:00")
    reader = world.add_reader("returning")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-20T12:00")
    before = world.publish("before", ["python"])
    world.cycle(_at("2026-11-21T08:00"))
    world.clock.now = _at("2026-11-21T09:00")
    world.subscribe(reader, cadence="off", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-21T12:00")
    world.publish("while away", ["python"])
    world.clock.now = _at("2026-11-22T09:00")
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-22T12:00")
    after = world.publish("after", ["python"])

    world.cycle(_at("2026-11-23T08:00"))

    assert _digests(world, "returning") == {"2026-11-21": {before}, "2026-11-23": {after}}


def test_a_message_redelivered_days_late_does_not_move_the_subscriber_to_a_past_bucket():
    """A dead-letter redrive of a message planned before a spring switch filed the subscriber
    under the winter bucket, and the next day's digest was skipped."""
    world = _world("2027-03-25T09:00")
    reader = world.add_reader("paris")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="Europe/Paris")
    world.clock.now = _at("2027-03-25T12:00")
    world.publish("P0", ["python"])
    stale = world.plan(_at("2027-03-26T07:00"))  # never delivered: dead-lettered
    world.cycle(_at("2027-03-27T07:00"))
    world.cycle(_at("2027-03-28T06:00"))  # summer time: 08:00 in Paris is 06:00 UTC
    world.clock.now = _at("2027-03-28T10:00")
    world.deliver(stale)  # the redrive
    world.clock.now = _at("2027-03-28T12:00")
    p1 = world.publish("P1", ["python"])

    world.cycle(_at("2027-03-29T06:00"))

    assert _digests(world, "paris")["2027-03-29"] == {p1}
    subscription = world.table.get(keys.subscription("paris"))
    assert subscription is not None
    assert str(subscription["GSI1PK"]).endswith("H06")


def test_a_digest_left_handed_over_by_a_dead_lettered_message_is_not_sent_again_next_period():
    world = _world("2026-11-19T09:00")
    reader = world.add_reader("timedout")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.cycle(_at("2026-11-20T08:00"))
    world.clock.now = _at("2026-11-20T10:00")
    x1 = world.publish("X1", ["python"])
    messages = world.plan(_at("2026-11-21T08:00"))

    def times_out(_email: object) -> None:
        raise TimeoutError("SES did not answer")

    world.send = times_out
    with contextlib.suppress(TimeoutError):  # its last receive: dead-lettered, left handed
        world.deliver(messages)
    world.send = world.mails.append
    world.clock.now = _at("2026-11-21T12:00")
    x2 = world.publish("X2", ["python"])

    world.cycle(_at("2026-11-22T08:00"))

    digests = _digests(world, "timedout")
    assert digests["2026-11-21"] == {x1}  # recorded unconfirmed: it may well have arrived
    assert digests["2026-11-22"] == {x2}


def test_a_slot_planned_ahead_of_time_is_refused_unless_asked_for_and_loses_nothing():
    """A future slot is refused (its digests would go out before they are due); the demo asks
    for one: sent early, its watermark is the moment of planning, so an article published
    between the two is not skipped."""
    world = _world("2026-11-23T09:00")
    reader = world.add_reader("early")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-23T12:00")
    before = world.publish("before planning", ["python"])
    world.clock.now = _at("2026-11-23T20:00")
    with contextlib.suppress(SlotAhead):
        world.digests.plan(Outbox(), _at("2026-11-24T08:00"))
        raise AssertionError("a slot twelve hours ahead was planned without being asked to")
    assert world.mails == []
    outbox = Outbox()
    world.digests.plan(outbox, _at("2026-11-24T08:00"), ahead_ok=True)  # knowingly early
    world.deliver([json.loads(body) for body in outbox.bodies])
    world.clock.now = _at("2026-11-23T21:00")
    between = world.publish("after planning, before the slot", ["python"])

    world.clock.now = _at("2026-11-25T08:00")
    world.cycle(_at("2026-11-25T08:00"))

    assert _digests(world, "early") == {"2026-11-24": {before}, "2026-11-25": {between}}


def test_a_move_far_west_after_a_digest_skips_that_date_but_no_article():
    """Tokyo 08:00 has had 2 December's digest (23:00 UTC on the 1st); Los Angeles 08:00 on
    2 December is the same local date, so the next digest is the 3rd's, holding both."""
    world = _world("2026-11-30T00:00")
    reader = world.add_reader("mover")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="Asia/Tokyo")
    world.clock.now = _at("2026-12-01T12:00")
    first = world.publish("before the Tokyo digest", ["python"])
    world.cycle(_at("2026-12-01T23:00"))
    world.clock.now = _at("2026-12-02T00:00")
    world.subscribe(reader, cadence="daily", hour=8, timezone="America/Los_Angeles")
    world.clock.now = _at("2026-12-02T03:00")
    later = world.publish("after the move", ["python"])
    for slot in ("2026-12-02T16:00", "2026-12-03T16:00"):
        world.clock.now = _at(slot)
        world.cycle(_at(slot))

    assert _digests(world, "mover") == {"2026-12-02": {first}, "2026-12-03": {later}}


def test_a_signing_key_outage_is_retried_by_the_queue_not_recorded_as_a_failed_digest():
    """The links need the key from Secrets Manager: a failure to read it is no bad content,
    so nothing is claimed or recorded ``failed``, and the redelivered message sends."""
    world = _world("2026-11-23T09:00")
    reader = world.add_reader("keyless")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-23T12:00")
    article = world.publish("A", ["python"])
    slot = _at("2026-11-24T08:00")
    world.clock.now = slot
    messages = world.plan(slot)
    key = world.digests.unsubscribe_key

    def outage() -> bytes:
        raise ConnectionError("Secrets Manager did not answer")

    world.digests.unsubscribe_key = outage
    with contextlib.suppress(ConnectionError):
        world.deliver(messages)
        raise AssertionError("the outage did not reach the queue, which would not retry")
    assert world.digests.subscriptions.digest("keyless", "2026-11-24") is None
    world.digests.unsubscribe_key = key
    assert world.deliver(messages) == ["sent"]
    assert _digests(world, "keyless") == {"2026-11-24": {article}}


def test_an_account_deleted_while_its_digest_is_claimed_gets_no_email_and_keeps_no_archive():
    """Deletion's cleanup removed the archives before this delivery wrote one: the hand-over
    sees the account being deleted, sends nothing and removes what it wrote."""
    from byline.data.digest_archive import archive_prefix
    from byline.data.users import Users

    world = _world("2026-11-23T09:00")
    reader = world.add_reader("leaving")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-23T12:00")
    world.publish("A", ["python"])
    messages = world.plan(_at("2026-11-24T08:00"))
    save = world.store.save_digest

    def deletion_runs_first(username: str, period: str, html: str) -> str:
        Users(world.table).begin_deletion("leaving", "pseudonym-1")  # type: ignore[arg-type]
        world.store.forget_digests("leaving")  # its cleanup, before this write
        return save(username, period, html)

    world.store.save_digest = deletion_runs_first  # type: ignore[method-assign]
    assert world.deliver(messages) == ["gone"]
    assert world.mails == []
    assert not [key for key in world.store.objects if key.startswith(archive_prefix("leaving"))]


def test_a_republication_just_before_the_slot_is_recorded_as_such_when_ses_times_out():
    """A digest left handed over is recorded unconfirmed with its ledger tokens: a republished
    article's is ``<id>@<release>``, so the next digest's overlap does not send it again."""
    from tests.support.digest_world import EDITOR

    world = _world("2026-11-19T09:00")
    reader = world.add_reader("again")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.clock.now = _at("2026-11-19T10:00")
    article = world.publish("A", ["python"])
    world.cycle(_at("2026-11-20T08:00"))
    world.clock.now = _at("2026-11-20T12:00")
    world.articles.unpublish(EDITOR, article)
    world.clock.now = _at("2026-11-21T07:59:55")  # republished five seconds before the slot
    world.articles.publish(EDITOR, article, PublishRequest())
    messages = world.plan(_at("2026-11-21T08:00"))

    def times_out(_email: object) -> None:
        raise TimeoutError("SES did not answer")

    world.send = times_out
    with contextlib.suppress(TimeoutError):  # its last receive: dead-lettered, left handed
        world.deliver(messages)
    world.send = world.mails.append
    world.clock.now = _at("2026-11-21T09:00")
    world.cycle(_at("2026-11-22T08:00"))

    digests = _digests(world, "again")
    assert digests["2026-11-20"] == {article}
    assert digests["2026-11-21"] == {article}  # unconfirmed: the republication went out once
    assert "2026-11-22" not in digests
    assert [m.recipient for m in world.mails] == ["again@example.com"]


def test_the_preview_after_a_failed_digest_names_the_next_period_and_does_not_call_it_sent():
    """A period whose digest could not be built is final: the preview must not promise it at a
    later hour the same day (the worker would refuse), nor say it was sent."""
    world = _world("2026-11-23T09:00")
    reader = world.add_reader("failing")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    world.table.put(
        {**keys.digest("failing", "2026-11-24"), "kind": "digest", "state": "failed",
         "failed_at": "2026-11-24T08:00:01.000Z"}
    )  # fmt: skip
    world.clock.now = _at("2026-11-24T09:00")
    world.subscribe(reader, cadence="daily", hour=20, timezone="UTC")  # later the same day

    preview = world.digests.preview(reader)

    assert preview.current_period == "2026-11-24"
    assert preview.current_period_sent is False
    assert preview.next_digest_at == _at("2026-11-25T20:00")
    assert preview.period == "2026-11-25"


def test_the_planner_queues_to_the_queue_it_was_given_when_called_without_one():
    """The planner function names no queue: the service factory gives the service its own."""
    world = _world("2026-11-23T09:00")
    reader = world.add_reader("queued")
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=8, timezone="UTC")
    with pytest.raises(ValueError, match="no queue"):
        world.digests.plan(at=_at("2026-11-23T08:00"))
    world.digests.queue = queue = Outbox()
    outcome = world.digests.plan(at=_at("2026-11-23T08:00"))
    assert outcome.planned == 1
    assert [json.loads(body)["username"] for body in queue.bodies] == ["queued"]
