"""Content cannot break delivery for others: a digest whose articles cannot be rendered or put
into a MIME message is sent without them, or recorded as failed; it is never left as if handed
over to SES, and a failed digest never marks its articles sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest

from byline.data import keys, mailer
from byline.data.mailer import Email
from byline.data.table import table
from byline.services import digests as digests_module
from tests.integration.test_digest_pipeline import (
    Clock,
    build_world,
    publish,
    run_candidates,
    subscriber,
)

pytestmark = pytest.mark.integration


class Composer:
    """Sends as the real mailer does up to SES: the raw MIME message is built and kept."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def __call__(self, email: Email) -> str:
        parsed = message_from_bytes(mailer.compose(email), policy=default)
        assert isinstance(parsed, EmailMessage)
        self.sent.append(parsed)
        return f"m-{len(self.sent)}"

    def to(self, username: str) -> list[EmailMessage]:
        return [m for m in self.sent if str(m["To"]).startswith(f"{username}@")]


@pytest.fixture
def world(stack_resources: Any) -> Any:
    composer = Composer()
    clock = Clock(datetime(2024, 6, 5, 6, 15, tzinfo=UTC))
    return build_world(stack_resources, clock, composer, composer)


def _digest(name: str, period: str) -> dict[str, Any]:
    record = table().get(keys.digest(name, period))
    assert record is not None
    return record


def _marked_sent(name: str, article_id: str) -> bool:
    return table().get(keys.sent_article(name, article_id)) is not None


def _set_raw_title(article_id: str, title: str) -> None:
    """A title stored before single-line fields were validated: written straight to the item."""
    table().update(keys.article(article_id), "SET title = :t", values={":t": title})


def _due(world: Any, titles: int) -> tuple[str, list[Any]]:
    clock, *_ = world
    tag = f"dc{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag], hour=clock.now.hour)
    published = []
    for _ in range(titles):
        published.append(publish(world, tag))
        clock.now += timedelta(minutes=1)
    return name, published


def test_a_stored_title_with_a_line_break_is_sent_on_one_subject_line(world):
    clock, composer, digests, _, _ = world
    name, (article,) = _due(world, 1)
    _set_raw_title(article.id, "Breaking\r\nBcc: victim@example.com\u2028news")
    assert digests.deliver(name, run_candidates(digests)) == "sent"
    (message,) = composer.to(name)
    assert message["Subject"] == "1 new article on Byline: Breaking Bcc: victim@example.com news"
    assert message.get_all("Bcc") is None
    period = clock.now.strftime("%Y-%m-%d")
    assert _digest(name, period)["state"] == "sent"
    assert _marked_sent(name, article.id)


def _poison_rendering(monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
    real = digests_module.render_template

    def render(name: str, **context: Any) -> str:
        if any(marker in a.title for a in context["articles"]):
            raise ValueError("cannot render this article")
        return real(name, **context)

    monkeypatch.setattr(digests_module, "render_template", render)


def test_a_digest_is_sent_without_the_article_that_cannot_be_rendered(world, monkeypatch):
    clock, composer, digests, _, _ = world
    name, (good, bad) = _due(world, 2)
    _set_raw_title(bad.id, "POISON title")
    _poison_rendering(monkeypatch, "POISON")
    assert digests.deliver(name, run_candidates(digests)) == "sent"
    (message,) = composer.to(name)
    assert message["Subject"] == f"1 new article on Byline: {good.title}"
    record = _digest(name, clock.now.strftime("%Y-%m-%d"))
    assert (record["state"], record["articles"]) == ("sent", [good.id])
    assert _marked_sent(name, good.id)
    assert not _marked_sent(name, bad.id)


def test_a_digest_that_cannot_be_built_is_recorded_failed_and_marks_nothing_sent(
    world, monkeypatch
):
    clock, composer, digests, _, _ = world
    name, (only,) = _due(world, 1)
    _set_raw_title(only.id, "POISON title")
    _poison_rendering(monkeypatch, "POISON")
    run = run_candidates(digests)
    assert digests.deliver(name, run) == "failed"
    assert composer.to(name) == []
    record = _digest(name, clock.now.strftime("%Y-%m-%d"))
    assert record["state"] == "failed"
    assert "lease_until" not in record
    assert not _marked_sent(name, only.id)
    # the queue delivering the message again settles it without another attempt
    assert digests.deliver(name, run) == "failed"
    assert composer.to(name) == []


def test_a_digest_whose_mime_message_cannot_be_built_is_not_handed_over(world, monkeypatch):
    clock, composer, digests, _, _ = world
    name, (only,) = _due(world, 1)

    def broken(email: Email) -> bytes:
        raise ValueError("header cannot be built")

    monkeypatch.setattr(mailer, "compose", broken)
    assert digests.deliver(name, run_candidates(digests)) == "failed"
    assert composer.sent == []
    assert _digest(name, clock.now.strftime("%Y-%m-%d"))["state"] == "failed"
    assert not _marked_sent(name, only.id)
