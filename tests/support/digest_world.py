"""The real digest services (planner, worker, articles, subscriptions) over an in-memory table,
with one injectable clock: what the digest simulation and the digest scenario tests drive."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from byline.auth.principal import Principal
from byline.data.articles import Articles
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


class MemoryStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = body

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def find(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def link(self, key: str, seconds: int) -> str:
        return f"memory://{key}"

    def forget(self, prefix: str) -> int:
        gone = [key for key in self.objects if key.startswith(prefix)]
        for key in gone:
            del self.objects[key]
        return len(gone)


class Outbox:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_batch(self, bodies: list[str]) -> list[int]:
        self.bodies.extend(bodies)
        return []


@dataclass
class DigestWorld:
    """``send`` decides what sending an email does (records it by default)."""

    clock: Clock
    table: MemoryTable = field(default_factory=MemoryTable)
    store: MemoryStore = field(default_factory=MemoryStore)
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
            Users(self.table),  # type: ignore[arg-type]
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
