"""The digest pipeline's services against moto with an injected clock and a mailbox
(tests/integration/test_digest_pipeline.py, test_digest_content.py, test_faults_digests.py): a
world of services, subscribers, published articles and a run's stored candidates."""

from __future__ import annotations

import time
import uuid

from byline.auth.principal import Principal
from byline.data.articles import Articles
from byline.data.digest_archive import S3DigestStore
from byline.data.subscriptions import Subscriptions
from byline.data.table import table
from byline.data.users import UserRecord, Users
from byline.models.articles import ArticleCreate, PublishRequest
from byline.models.subscriptions import SubscriptionUpdate
from byline.services.articles import ArticleService
from byline.services.digests import DigestService
from byline.services.subscriptions import SubscriptionService

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
        store=S3DigestStore(stack_resources["DIGEST_BUCKET"]),
        send_email=send_email,
        unsubscribe_key=key,
        site_url="https://byline.example",
        sender=stack_resources["DIGEST_SENDER"],
        users=Users(table()),
        clock=clock,
    )
    articles = ArticleService(
        articles=Articles(table()), cursor_key=key, publish_event=lambda *_: True, clock=clock
    )
    subscriptions = SubscriptionService(Subscriptions(table()), key, clock)
    return clock, mailbox, digests, articles, subscriptions


def subscriber(world, tags, hour=6, timezone="UTC"):
    _clock, _, _, _, subscriptions = world
    name = "s" + uuid.uuid4().hex[:10]
    Users(table()).reserve(
        UserRecord.from_item({"username": name, "email": f"{name}@example.com",
         "display_name": name,
         "role": "reader", "confirmed": False, "joined_at": "2032-01-01T00:00:00.000Z"}),
        2_000_000_000,
        int(time.time()),
    )  # fmt: skip
    Users(table()).mark_confirmed(name, int(time.time()), name)
    me = Principal(username=name, sub=name, groups=("reader",))
    subscriptions.put(me, SubscriptionUpdate(cadence="daily", hour=hour, timezone=timezone))
    for tag in tags:
        subscriptions.follow_tag(me, tag, muted=False)
    return name


def publish(world, tag):
    _, _, _, articles, _ = world
    draft = articles.create(
        AUTHOR, ArticleCreate(title=f"On {tag} {uuid.uuid4().hex[:4]}", tags=[tag])
    )
    return articles.publish(AUTHOR, draft.id, PublishRequest())


def run_candidates(digests, only=None):
    """Plan-like: store this moment's candidates (or only those ``only`` names, as a snapshot
    read from a lagging index would hold) and return the run key the worker reads."""
    from byline.services.digests import _candidate_to_json

    run = f"test-{uuid.uuid4().hex[:8]}"
    found = [c for c in digests.load_candidates(digests.clock()) if only is None or c.id in only]
    digests.store.save_candidates(run, [_candidate_to_json(c) for c in found])
    return run
