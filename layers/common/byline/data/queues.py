"""The digest queue in SQS and the messages it carries: one per subscriber whose digest is due
(written by the planner), and one per subscription to welcome (written by the subscription
route); the digest worker reads both.

:class:`Outbox` is what the services need; :class:`SqsQueue` sends to the queue, and tests give
the services an in-memory one. The message bodies are formatted here and nowhere else."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

WELCOME = "welcome"
"""The ``kind`` of a welcome message (a digest's message has none)."""


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """Deliver ``username``'s digest for the quarter-hour ``slot``, with the candidates of the
    planner's ``run`` up to its snapshot bound ``upto`` (ISO instants; older messages have
    neither: they are for the moment they are read)."""

    username: str
    run: str
    slot: str | None = None
    upto: str | None = None

    def to_body(self) -> str:
        return json.dumps(
            {"username": self.username, "run": self.run, "slot": self.slot, "upto": self.upto}
        )

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> DigestMessage:
        slot, upto = body.get("slot"), body.get("upto")
        return cls(
            username=str(body["username"]),
            run=str(body["run"]),
            slot=str(slot) if slot else None,
            upto=str(upto) if upto else None,
        )


@dataclass(frozen=True, slots=True)
class WelcomeMessage:
    """Welcome ``username``'s subscription that started at ``subscribed_at``."""

    username: str
    subscribed_at: str

    def to_body(self) -> str:
        return json.dumps(
            {"kind": WELCOME, "username": self.username, "subscribed_at": self.subscribed_at}
        )

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> WelcomeMessage:
        return cls(username=str(body["username"]), subscribed_at=str(body["subscribed_at"]))


def is_welcome(body: Mapping[str, Any]) -> bool:
    """Whether a message read from the queue asks for a welcome (else: a digest)."""
    return body.get("kind") == WELCOME


class Outbox(Protocol):
    def send(self, body: str) -> None:
        """Queue one message; raises when it was not queued."""
        ...

    def send_batch(self, bodies: Sequence[str]) -> list[int]:
        """Queue up to ten messages; the indexes of those that were not queued."""
        ...


class SqsQueue:
    """:class:`Outbox` on an SQS queue."""

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, body: str) -> None:
        from byline import aws

        aws.sqs().send_message(QueueUrl=self.queue_url, MessageBody=body)

    def send_batch(self, bodies: Sequence[str]) -> list[int]:
        from byline import aws

        response = aws.sqs().send_message_batch(
            QueueUrl=self.queue_url,
            Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)],
        )
        return [int(f["Id"]) for f in response.get("Failed", [])]
