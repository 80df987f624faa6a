"""The real digest services (planner, worker, articles, subscriptions) over an in-memory table,
with one injectable clock: what the digest simulation and the digest scenario tests drive."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from byline.auth.principal import Principal
from byline.data.articles import Articles
from byline.data.digest_archive import archive_key, archive_prefix, run_key
from byline.data.subscriptions import Subscriptions
from byline.data.users import Users
from byline.models.articles import ArticleCreate, PublishRequest
from byline.models.subscriptions import SubscriptionUpdate
from byline.services.articles import ArticleService
from byline.services.digests import DigestService
from byline.services.subscriptions import SubscriptionService
from tests.support.memory_table import MemoryTable

EDITOR = Principal(username="sim_editor", sub="se", groups=("editor",))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class MemoryDigestStore:
    """:class:`byline.data.digest_archive.DigestStore` in a dict of object keys (the bucket's
    own keys, so a test can look at what is kept)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def save_candidates(self, run: str, candidates: Sequence[Mapping[str, Any]]) -> None:
        self.objects[run_key(run)] = json.dumps(list(candidates)).encode()

    def candidates(self, run: str) -> list[dict[str, Any]]:
        loaded: list[dict[str, Any]] = json.loads(self.objects[run_key(run)])
        return loaded

    def save_digest(self, username: str, period: str, html: str) -> str:
        key = archive_key(username, period)
        self.objects[key] = html.encode()
        return key

    def digest(self, username: str, period: str) -> str | None:
        body = self.objects.get(archive_key(username, period))
        return None if body is None else body.decode()

    def link(self, key: str, seconds: int) -> str:
        return f"memory://{key}"

    def forget_digest(self, username: str, period: str) -> int:
        return self._forget(archive_key(username, period))

    def forget_digests(self, username: str) -> int:
        return self._forget(archive_prefix(username))

    def _forget(self, prefix: str) -> int:
        gone = [key for key in self.objects if key.startswith(prefix)]
        for key in gone:
            del self.objects[key]
        return len(gone)


class Outbox:
    """:class:`byline.data.queues.Outbox` in a list of message bodies."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, body: str) -> None:
        self.bodies.append(body)

    def send_batch(self, bodies: Sequence[str]) -> list[int]:
        self.bodies.extend(bodies)
        return []


@dataclass
class DigestWorld:
    """``send`` decides what sending an email does (records it by default)."""

    clock: Clock
    table: MemoryTable = field(default_factory=MemoryTable)
    store: MemoryDigestStore = field(default_factory=MemoryDigestStore)
    mails: list[Any] = field(default_factory=list)
    ids: int = 0

    def __post_init__(self) -> None:
        key = lambda: b"k" * 32  # noqa: E731
        self.send = self.mails.append
        self.digests = DigestService(
            subscriptions=Subscriptions(self.table),  # type: ignore[arg-type]
            articles=Articles(self.table),  # type: ignore[arg-type]
            store=self.store,
            send_email=lambda email: self.send(email) or "message",
            unsubscribe_key=key,
            site_url="https://byline.example",
            sender="digests@byline.example",
            users=Users(self.table),  # type: ignore[arg-type]
            clock=self.clock,
        )
        self.articles = ArticleService(
            articles=Articles(self.table),  # type: ignore[arg-type]
            cursor_key=key,
            publish_event=lambda *_: True,
            clock=self.clock,
            new_id=self._new_id,
        )
        self.subscriptions = SubscriptionService(
            Subscriptions(self.table),  # type: ignore[arg-type]
            key,
            self.clock,
        )

    def _new_id(self, moment: datetime) -> str:
        self.ids += 1
        return f"{moment:%Y%m%d%H%M%S}{self.ids:06d}"

    def add_reader(self, name: str) -> Principal:
        self.table.put(
            {"PK": f"USER#{name}", "SK": "PROFILE", "kind": "profile", "username": name,
             "email": f"{name}@example.com", "display_name": name, "role": "reader",
             "confirmed": True}
        )  # fmt: skip
        return Principal(username=name, sub=name, groups=("reader",))

    def subscribe(self, who: Principal, **schedule: Any) -> None:
        self.subscriptions.put(who, SubscriptionUpdate(**schedule))

    def publish(self, title: str, tags: list[str]) -> str:
        draft = self.articles.create(EDITOR, ArticleCreate(title=title, body="x", tags=tags))
        self.articles.publish(EDITOR, draft.id, PublishRequest())
        return draft.id

    def plan(self, slot: datetime) -> list[dict[str, Any]]:
        """The planner's run for ``slot``, when it comes (the clock moves on to it)."""
        self.clock.now = max(self.clock.now, slot)
        outbox = Outbox()
        self.digests.plan(outbox, slot)
        return [json.loads(body) for body in outbox.bodies]

    def deliver(self, messages: list[dict[str, Any]]) -> list[str]:
        return [self.digests.deliver_message(m) for m in messages]

    def cycle(self, slot: datetime) -> list[str]:
        return self.deliver(self.plan(slot))
