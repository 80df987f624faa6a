"""The typed records of subscriptions, digests, leases and the digest queue: built from the
items as DynamoDB returns them (numbers as Decimal, absent attributes), and read back whole from
one subscriber's partition."""

import json
from decimal import Decimal

from byline.data import keys
from byline.data.leases import Lease
from byline.data.queues import DigestMessage, WelcomeMessage, is_welcome
from byline.data.subscriptions import (
    DigestRecord,
    Follow,
    Recipient,
    SentEntry,
    SubscriptionRecord,
    Subscriptions,
    WelcomeClaim,
)
from tests.support.memory_table import MemoryTable


def test_a_subscription_item_becomes_a_record_with_numbers_and_its_bucket():
    record = SubscriptionRecord.from_item(
        {**keys.subscription("Ann"), "kind": "subscription", "cadence": "weekly",
         "weekday": Decimal(6), "hour": Decimal(0), "timezone": "Asia/Kolkata",
         "watermark": "2026-11-24T08:00:00.000Z", "GSI1PK": "DUE#weekly#D6H18M30"}
    )  # fmt: skip
    assert record == SubscriptionRecord(
        "ann", cadence="weekly", weekday=6, hour=0, timezone="Asia/Kolkata",
        watermark="2026-11-24T08:00:00.000Z", bucket="D6H18M30",
    )  # fmt: skip


def test_a_subscription_without_choices_is_off_at_eight_utc():
    record = SubscriptionRecord.from_item({**keys.subscription("ann"), "kind": "subscription"})
    assert (record.cadence, record.weekday, record.hour, record.timezone) == ("off", None, 8, "UTC")
    assert record.bucket is None


def test_a_tombstone_or_a_profile_being_deleted_is_no_live_recipient():
    profile = {**keys.user_profile("ann"), "kind": "profile", "username": "Ann",
               "email": "ann@example.com", "confirmed": True}  # fmt: skip
    assert Recipient.from_item(profile).live
    assert Recipient.from_item(profile).username == "Ann"
    assert not Recipient.from_item({**profile, "deleting": True}).live
    tombstone = {**keys.user_profile("ann"), "kind": "tombstone", "deleted_at": "2026"}
    assert Recipient.from_item(tombstone) == Recipient("ann", profile=False)


def test_follows_and_digest_records_read_their_keys_and_attributes():
    follow = {**keys.follow("ann", "tag", "python"), "kind": "follow", "kind_of": "tag",
              "target": "python", "muted": True, "created_at": "2026"}  # fmt: skip
    assert Follow.from_item(follow) == Follow("tag", "python", muted=True, created_at="2026")
    digest = {**keys.digest("ann", "2026-W48"), "kind": "digest", "state": "handed",
              "claim": "c1", "lease_until": Decimal(17), "articles": ["a1", "a2@2026"],
              "more": ["a3"], "ledger": ["a1"], "archive": "digests/ann/2026-W48.html",
              "upto": "2026-11-24T08:00:00.000Z"}  # fmt: skip
    record = DigestRecord.from_item(digest)
    assert (record.period, record.state, record.claim, record.lease_until) == (
        "2026-W48", "handed", "c1", 17,
    )  # fmt: skip
    assert (record.articles, record.more, record.ledger) == (("a1", "a2@2026"), ("a3",), ("a1",))
    assert (record.sent_at, record.message_id) == (None, None)


def test_one_query_of_the_partition_gives_every_record_of_a_subscriber():
    table = MemoryTable()
    subscriptions = Subscriptions(table)  # type: ignore[arg-type]
    table.put({**keys.user_profile("ann"), "kind": "profile", "username": "ann",
               "email": "ann@example.com", "confirmed": True})  # fmt: skip
    subscriptions.save_subscription(
        "ann", cadence="daily", weekday=None, hour=7, timezone="UTC",
        updated_at="2026-11-24T06:00:00.000Z", bucket="H07",
    )  # fmt: skip
    subscriptions.follow("ann", "tag", "Python", muted=False, at="2026")
    assert subscriptions.claim("ann", "2026-11-24", "c1", 100, 400)
    subscriptions.hand_over("ann", "2026-11-24", "c1", ["a1"], "k", upto="u")
    subscriptions.complete(
        "ann", "2026-11-24", "c1", "m-1", ["a1", "a2@r"], "s", 999, watermark="u"
    )
    found = subscriptions.subscriber("Ann")
    assert found.username == "ann"
    assert found.profile is not None
    assert found.profile.email == "ann@example.com"
    assert found.subscription is not None
    assert (found.subscription.bucket, found.subscription.watermark) == ("H07", "u")
    assert found.follows == (Follow("tag", "python", created_at="2026"),)
    assert found.sent == {"a1", "a2@r"}
    assert found.digests["2026-11-24"].state == "sent"
    assert found.digests["2026-11-24"].message_id == "m-1"
    assert subscriptions.due("daily", "H07", 10, None).usernames == ("ann",)


def test_a_lease_item_expires_an_hour_after_the_lease():
    item = Lease("admins", "h1", 1000).to_item()
    assert item == {**keys.lease("admins"), "kind": "lease", "holder": "h1",
                    "expires_at": 1000, "ttl": 4600}  # fmt: skip


def test_queue_messages_round_trip_and_say_which_they_are():
    digest = DigestMessage("ann", "run-1", "2026-11-24T08:00:00.000Z", "2026-11-24T08:00:00.000Z")
    body = json.loads(digest.to_body())
    assert body == {"username": "ann", "run": "run-1", "slot": digest.slot, "upto": digest.upto}
    assert DigestMessage.from_body(body) == digest
    assert DigestMessage.from_body({"username": "ann", "run": "r"}) == DigestMessage("ann", "r")
    welcome = WelcomeMessage("ann", "2026-11-24T08:00:00.000Z")
    assert is_welcome(json.loads(welcome.to_body()))
    assert not is_welcome(body)
    assert WelcomeMessage.from_body(json.loads(welcome.to_body())) == welcome


def test_written_records_make_the_items_they_are_read_back_from():
    follow = Follow("author", "Ada", created_at="2026")
    item = follow.to_item("Ann")
    assert (item["PK"], item["SK"], item["target"]) == ("USER#ann", "FOLLOW#AUTHOR#ada", "ada")
    assert Follow.from_item(item) == Follow("author", "ada", created_at="2026")
    entry = SentEntry("a1@2026-11-24T08:00:00.000Z", "2026-11-24", 99)
    assert entry.article_id == "a1"
    assert entry.to_item("ann") == {**keys.sent_article("ann", "a1"), "token": entry.token,
                                    "kind": "sent", "period": "2026-11-24", "ttl": 99}  # fmt: skip
    claim = WelcomeClaim("Ann", "2026-11-24T08:00:00.000Z", "c1", 10, 20).to_item()
    assert claim == {**keys.welcome("ann"), "kind": "welcome", "claim": "c1", "claimed_at": 10,
                     "subscribed_at": "2026-11-24T08:00:00.000Z", "ttl": 20}  # fmt: skip
