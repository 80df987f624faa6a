"""Content cannot break delivery for others: a digest whose articles cannot be rendered or put
into a MIME message is sent without them, or recorded as failed; it is never left as if handed
over to SES, and a failed digest never marks its articles sent."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from byline.auth.principal import Principal
from byline.data import keys, mailer
from byline.data.mailer import Email
from byline.data.table import table
from byline.data.users import UserRecord, Users
from byline.models.articles import ArticleCreate, PublishRequest
from byline.services import digests as digests_module
from tests.support.digest_pipeline import (
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


def _author_profile(display_name: str) -> Principal:
    name = "a" + uuid.uuid4().hex[:10]
    Users(table()).reserve(
        UserRecord.from_item({"username": name, "email": f"{name}@example.com",
         "display_name": display_name, "role": "author", "confirmed": False,
         "joined_at": "2024-01-01T00:00:00.000Z"}),
        2_000_000_000,
        int(time.time()),
    )  # fmt: skip
    Users(table()).mark_confirmed(name, int(time.time()), name)
    return Principal(username=name, sub=name, groups=("author",))


def _parts(message: EmailMessage) -> tuple[str, str]:
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None
    assert text is not None
    return str(html.get_content()), str(text.get_content()).replace("\r\n", "\n")


def test_the_email_names_the_author_shows_the_cover_and_dates_in_the_reader_s_zone(world):
    """Through moto: the display name from the profiles (BatchGetItem), the cover from the
    release index (its projection carries ``cover``), the date in Tokyo's day."""
    clock, composer, digests, articles, _ = world
    digests.media_url = "https://media.byline.example"
    digests.postal_address = "Byline Ltd\\n1 Main St"
    clock.now = datetime(2024, 6, 5, 23, 29, tzinfo=UTC)
    tag = f"dz{uuid.uuid4().hex[:8]}"
    name = subscriber(world, [tag], hour=9, timezone="Asia/Tokyo")
    author = _author_profile("Zoë <b>Writer</b>")
    clock.now = datetime(2024, 6, 5, 23, 30, tzinfo=UTC)
    draft = articles.create(author, ArticleCreate(title=f"Late {tag}", tags=[tag]))
    cover = f"media/{author.username}/01hcover.png"
    table().update(keys.article(draft.id), "SET cover = :c", values={":c": cover})
    articles.publish(author, draft.id, PublishRequest())
    clock.now = datetime(2024, 6, 6, 0, 5, tzinfo=UTC)

    assert digests.deliver(name, run_candidates(digests)) == "sent"

    html, text = _parts(composer.to(name)[0])
    assert "by Zoë &lt;b&gt;Writer&lt;/b&gt; &middot; 06 Jun 2024" in html
    assert "by Zoë <b>Writer</b>, 06 Jun 2024" in text
    assert author.username not in text.replace(cover, "")
    assert f'<img src="https://media.byline.example/{cover}" width="536" height="268"' in html
    assert "Byline Ltd<br>1 Main St" in html
    assert text.rstrip().endswith("Byline Ltd\n1 Main St")


def test_the_digest_page_allows_images_from_the_media_origin_and_nowhere_else(
    stack_resources, function_specs_by_id, invoke_handler, monkeypatch
):
    from byline.data.digest_archive import S3DigestStore
    from byline.secrets import signing_key
    from byline.services import unsubscribe_tokens
    from tests.support.layer_caches import reset_layer_caches

    name = "v" + uuid.uuid4().hex[:10]
    S3DigestStore(stack_resources["DIGEST_BUCKET"]).save_digest(name, "2024-06-06", "<p>digest</p>")
    token = unsubscribe_tokens.issue(signing_key("unsubscribe"), name, unsubscribe_tokens.VIEW)
    event = json.loads(Path("events/digest_view.json").read_text())
    event |= {"path": "/digests/2024-06-06", "pathParameters": {"period": "2024-06-06"},
              "queryStringParameters": {"token": token},
              "multiValueQueryStringParameters": {"token": [token]}}  # fmt: skip

    def policy() -> tuple[int, str]:
        reset_layer_caches()
        response = invoke_handler("DigestViewFunction", event)
        headers = response.get("headers") or {
            k: v[0] for k, v in response["multiValueHeaders"].items()
        }
        return response["statusCode"], headers["Content-Security-Policy"]

    status, without = policy()
    assert status == 200
    assert "img-src" not in without
    configured = function_specs_by_id["DigestViewFunction"].configured
    monkeypatch.setitem(configured, "MEDIA_URL", "https://media.byline.example")
    status, with_media = policy()
    assert status == 200
    assert with_media == without + "; img-src https://media.byline.example"
    monkeypatch.undo()
    reset_layer_caches()
