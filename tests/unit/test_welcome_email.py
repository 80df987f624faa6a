"""The welcome email's content, rendered without I/O: hostile display names and tag names
(the whole XSS corpus) add nothing a browser would run, and the plain text keeps them as
written."""

import pytest

from byline.data.subscriptions import Follow, Recipient, Subscriber, SubscriptionRecord
from byline.services.welcome import WelcomeService
from tests.support.html_safety import executable_constructs
from tests.support.xss_payloads import PAYLOADS


def _service() -> WelcomeService:
    return WelcomeService(
        subscriptions=None,  # type: ignore[arg-type]  # rendering reads nothing
        send_email=lambda email: "m-1",
        unsubscribe_key=lambda: b"k" * 32,
        site_url="https://byline.example",
        sender="digest@byline.example",
        api_url="https://api.byline.example",
    )


def _subscriber(name: str, tag: str, author: str = "ada") -> Subscriber:
    return Subscriber(
        "reader",
        profile=Recipient("reader", display_name=name, email="reader@example.com"),
        subscription=SubscriptionRecord(
            "reader", cadence="weekly", weekday=2, hour=0, timezone="Europe/Paris"
        ),
        follows=(
            Follow("tag", tag),
            Follow("tag", tag + "x", muted=True),
            Follow("author", author),
        ),
    )


BASELINE = set(executable_constructs(_service()._render(_subscriber("Ada", "python")).html))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_names_add_nothing_executable_and_stay_as_written_in_text(payload):
    email = _service()._render(_subscriber(payload, payload, payload))
    assert set(executable_constructs(email.html)) <= BASELINE
    assert f"Hi {payload}," in email.text


def test_the_welcome_states_the_schedule_what_is_followed_and_the_unsubscribe_link():
    email = _service()._render(_subscriber("Ada", "python", "grace"))
    assert email.subject == "Welcome to the Byline digest: every Wednesday at 00:00 Europe/Paris"
    assert "#python" in email.text
    assert "grace" in email.text
    assert "Muted: #pythonx" in email.text
    assert email.unsubscribe_url is not None
    assert email.unsubscribe_url.startswith("https://api.byline.example/unsubscribe?token=")
    assert email.unsubscribe_url in email.text


def test_the_welcome_carries_the_ses_tags_feedback_finds_the_account_by():
    email = _service()._render(_subscriber("Ada", "python", "grace"))
    assert dict(email.tags) == {"byline-user": "reader", "byline-mail": "welcome"}


def test_the_text_part_puts_every_item_on_its_own_line():
    email = _service()._render(_subscriber("Ada", "python", "grace"))
    lines = email.text.splitlines()
    start = lines.index("What you follow:")
    assert lines[start - 1] == ""  # a paragraph of its own
    assert lines[start + 1 : start + 6] == [
        "* Tags: #python",
        "* Authors: grace",
        "* Muted: #pythonx",
        "",
        "Follow more: https://byline.example",
    ]
    assert lines[-2:] == ["--", f"Unsubscribe in one click: {email.unsubscribe_url}"]
    assert lines[-3] == ""


def test_several_tags_and_authors_share_their_line_and_nothing_runs_together():
    subscriber = Subscriber(
        "reader",
        profile=Recipient("reader", display_name="Ada", email="reader@example.com"),
        subscription=SubscriptionRecord("reader", cadence="daily", hour=8, timezone="UTC"),
        follows=(
            Follow("tag", "rust"),
            Follow("tag", "python"),
            Follow("author", "grace"),
            Follow("author", "ada"),
        ),
    )
    lines = _service()._render(subscriber).text.splitlines()
    assert "* Tags: #python, #rust" in lines
    assert "* Authors: ada, grace" in lines
    assert not any(line.startswith("* Muted") for line in lines)
    assert "Follow more: https://byline.example" in lines


def test_the_text_part_of_a_welcome_that_follows_nothing_says_so_on_its_own_lines():
    subscriber = Subscriber(
        "reader",
        profile=Recipient("reader", display_name="Ada", email="reader@example.com"),
        subscription=SubscriptionRecord("reader", cadence="daily", hour=8, timezone="UTC"),
    )
    lines = _service()._render(subscriber).text.splitlines()
    start = lines.index(
        "You follow nothing yet, so your digest will stay empty (we send no empty digests)."
    )
    assert lines[start - 1] == ""
    assert lines[start + 1 : start + 4] == [
        "Follow a few tags or authors and your first digest will follow: https://byline.example",
        "",
        "--",
    ]
