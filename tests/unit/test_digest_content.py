"""What a digest email shows: authors by display name (a deleted author by pseudonym), covers
from our media origin only, dates in the reader's own time zone, and the operator's postal
address in the footer. The real planner and worker on an in-memory table
(tests/support/digest_world.py); the whole XSS corpus goes through the renderer directly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from byline.auth.principal import Principal
from byline.data.mailer import Email
from byline.data.subscriptions import Recipient, Subscriber, SubscriptionRecord
from byline.data.users import Users
from byline.models.articles import ArticleCreate, PublishRequest
from byline.services.digest_logic import Candidate, Pick
from byline.services.digests import postal_lines
from tests.support.digest_world import EDITOR, Clock, DigestWorld
from tests.support.html_safety import executable_constructs
from tests.support.xss_payloads import PAYLOADS

MEDIA = "https://media.byline.example"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _author(world: DigestWorld, name: str, display_name: str) -> Principal:
    world.table.put(
        {"PK": f"USER#{name}", "SK": "PROFILE", "kind": "profile", "username": name,
         "email": f"{name}@example.com", "display_name": display_name, "role": "author",
         "confirmed": True}
    )  # fmt: skip
    return Principal(username=name, sub=name, groups=("author",))


def _publish(world: DigestWorld, who: Principal, title: str, cover: str | None = None) -> str:
    draft = world.articles.create(who, ArticleCreate(title=title, body="x", tags=["python"]))
    if cover is not None:  # a cover as stored (the route checks it is an accepted upload)
        world.table.update(
            {"PK": f"ARTICLE#{draft.id}", "SK": "ARTICLE"}, "SET cover = :c", values={":c": cover}
        )
    world.articles.publish(who, draft.id, PublishRequest())
    return draft.id


def _reader(world: DigestWorld, name: str, zone: str = "UTC", hour: int = 8) -> None:
    reader = world.add_reader(name)
    world.subscriptions.follow_tag(reader, "python", muted=False)
    world.subscribe(reader, cadence="daily", hour=hour, timezone=zone)


def _mail(world: DigestWorld, name: str) -> Email:
    (mail,) = [m for m in world.mails if m.recipient == f"{name}@example.com"]
    return mail


def _byline(mail: Email) -> str:
    """The text part's author line of its only article."""
    (line,) = [line for line in mail.text.splitlines() if line.startswith("  by ")]
    return line.removeprefix("  by ")


def test_an_author_is_named_by_display_name_else_username_and_a_deleted_one_by_pseudonym():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    for name in ("r1", "r2", "r3"):
        _reader(world, name)
    named = _author(world, "ana", "Ana Lima")
    unnamed = _author(world, "bo", "")
    gone = _author(world, "cy", "Cy Real Name")
    world.clock.now = _at("2026-11-23T10:00")
    _publish(world, named, "By Ana")
    gone_article = _publish(world, gone, "By Cy")
    # account deletion: the articles are withdrawn under a pseudonym, the profile erased; an
    # editor publishes the article again
    world.articles.withdraw_author("cy", "former-7f3a")
    users = Users(world.table)  # type: ignore[arg-type]
    users.erase("cy", "cy@example.com", "2026-11-23T10:30:00.000Z")
    world.clock.now = _at("2026-11-23T11:00")
    world.articles.publish(EDITOR, gone_article, PublishRequest())
    _publish(world, unnamed, "By Bo")

    world.cycle(_at("2026-11-24T08:00"))

    mail = _mail(world, "r1")
    bylines = [line.strip() for line in mail.text.splitlines() if line.startswith("  by ")]
    named_as = sorted(b.split(",")[0] for b in bylines)
    assert named_as == ["by Ana Lima", "by bo", "by former-7f3a"]
    assert "by Ana Lima &middot;" in mail.html
    assert "by former-7f3a &middot;" in mail.html
    assert "Cy Real Name" not in mail.html + mail.text
    assert "by ana" not in mail.text


def test_a_renamed_author_is_named_as_the_profile_says_when_the_planner_runs():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    _reader(world, "r1")
    ana = _author(world, "ana", "Ana Lima")
    _publish(world, ana, "By Ana")
    world.table.update(
        {"PK": "USER#ana", "SK": "PROFILE"}, "SET display_name = :n", values={":n": "Ana Souza"}
    )
    world.cycle(_at("2026-11-24T08:00"))
    assert _byline(_mail(world, "r1")).startswith("Ana Souza,")


def test_the_preview_names_the_author_and_keeps_the_username():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    _reader(world, "r1")
    _publish(world, _author(world, "ana", "Ana Lima"), "By Ana")
    world.clock.now = _at("2026-11-23T12:00")
    reader = Principal(username="r1", sub="r1", groups=("reader",))
    (article,) = world.digests.preview(reader).articles
    assert (article.author, article.author_name) == ("ana", "Ana Lima")


def test_a_cover_is_shown_above_the_title_only_when_the_article_has_one():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    world.digests.media_url = MEDIA
    _reader(world, "r1")
    ana = _author(world, "ana", "Ana")
    _publish(world, ana, "Covered", cover="media/ana/01hcover.png")
    _publish(world, ana, "Bare")
    world.cycle(_at("2026-11-24T08:00"))
    html = _mail(world, "r1").html
    image = f'<img src="{MEDIA}/media/ana/01hcover.png" width="536" height="268" alt="Covered"'
    assert html.count("<img ") == 1
    assert html.index(image) < html.index(">Covered</a>")


@pytest.mark.parametrize(
    "cover",
    [
        "https://evil.example/x.png",
        "javascript:alert(1)",
        "//evil.example/x.png",
        "media/ana/../../secret",
        'media/ana/x.png" onerror="alert(1)',
        "",
    ],
)
def test_a_stored_cover_that_is_not_one_of_our_media_keys_is_left_out(cover):
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    world.digests.media_url = MEDIA
    assert world.digests.cover_url(cover) is None
    _reader(world, "r1")
    _publish(world, _author(world, "ana", "Ana"), "Odd cover", cover=cover or None)
    world.cycle(_at("2026-11-24T08:00"))
    assert "<img" not in _mail(world, "r1").html


def test_without_a_media_origin_no_cover_is_shown():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    assert world.digests.media_url == ""
    _reader(world, "r1")
    _publish(world, _author(world, "ana", "Ana"), "Covered", cover="media/ana/01hcover.png")
    world.cycle(_at("2026-11-24T08:00"))
    assert "<img" not in _mail(world, "r1").html
    assert world.digests.cover_url("media/ana/01hcover.png") is None


def test_an_article_published_at_2330_utc_is_dated_the_next_day_in_tokyo_the_same_in_los_angeles():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    _reader(world, "tokyo", "Asia/Tokyo", hour=9)  # 00:00 UTC
    _reader(world, "la", "America/Los_Angeles", hour=18)  # 02:00 UTC
    _reader(world, "utc", "UTC", hour=3)
    world.clock.now = _at("2026-11-23T23:30")
    _publish(world, _author(world, "ana", "Ana"), "Late")
    for slot in ("2026-11-24T00:00", "2026-11-24T02:00", "2026-11-24T03:00"):
        world.cycle(_at(slot))
    tokyo, la, utc = (_mail(world, n) for n in ("tokyo", "la", "utc"))
    assert _byline(tokyo) == "Ana, 24 Nov 2026"
    assert "Ana &middot; 24 Nov 2026" in tokyo.html
    assert "23 Nov 2026" not in tokyo.html + tokyo.text
    assert _byline(la) == "Ana, 23 Nov 2026"
    assert "Ana &middot; 23 Nov 2026" in la.html
    assert _byline(utc) == "Ana, 23 Nov 2026"


def test_the_postal_address_is_a_footer_row_below_the_unsubscribe_row_escaped_line_by_line():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    world.digests.postal_address = "Byline Ltd\\n1 <b>Main</b> St & Co\\n\\nSpringfield, IL 62701"
    _reader(world, "r1")
    _publish(world, _author(world, "ana", "Ana"), "Hello")
    world.cycle(_at("2026-11-24T08:00"))
    mail = _mail(world, "r1")
    row = "Byline Ltd<br>1 &lt;b&gt;Main&lt;/b&gt; St &amp; Co<br>Springfield, IL 62701"
    assert row in mail.html
    assert mail.html.index("(schedule and follows).\n</td></tr>") < mail.html.index(row)
    assert "<b>Main" not in mail.html
    assert mail.text.rstrip("\n").endswith(
        "Unsubscribe in one click: " + mail.unsubscribe_url
        + "\nManage preferences: " + world.digests.links("r1", "2026-11-24")["preferences"]
        + "\n\nByline Ltd\n1 <b>Main</b> St & Co\nSpringfield, IL 62701"
    )  # fmt: skip


def test_without_a_postal_address_the_footer_ends_with_the_unsubscribe_and_preferences_row():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    _reader(world, "r1")
    _publish(world, _author(world, "ana", "Ana"), "Hello")
    world.cycle(_at("2026-11-24T08:00"))
    mail = _mail(world, "r1")
    preferences = world.digests.links("r1", "2026-11-24")["preferences"]
    assert mail.text.rstrip("\n").endswith(
        "Unsubscribe in one click: " + mail.unsubscribe_url + "\nManage preferences: " + preferences
    )
    assert mail.html.split("(schedule and follows).\n</td></tr>\n")[1].startswith("</table>")


def test_postal_lines_accept_newlines_and_literal_backslash_n():
    assert postal_lines("") == []
    assert postal_lines("  A\r\n\nB  ") == ["A", "B"]
    assert postal_lines("A\\nB\\n") == ["A", "B"]


def _render(world: DigestWorld, author_name: str, address: str) -> tuple[str, str]:
    article = Candidate(
        id="a1", slug="s", title="T", author="ana", tags=("python",), excerpt="e",
        published_at=_at("2026-11-23T10:00"), author_name=author_name, cover="media/ana/c.png",
    )  # fmt: skip
    subscriber = Subscriber(
        "r1", profile=Recipient("r1", email="r1@example.com", display_name="R"),
        subscription=SubscriptionRecord("r1", timezone="Asia/Tokyo"),
    )  # fmt: skip
    world.digests.postal_address = address
    picks = [Pick(article, 3.0, ("tag:python",))]
    links = world.digests.links(subscriber.username, "2026-11-24")
    email, archive = world.digests._render(subscriber, "daily", "2026-11-24", links, picks, picks)
    return email.html, archive


def test_hostile_display_names_and_addresses_are_escaped_in_the_email_and_the_archive():
    world = DigestWorld(Clock(_at("2026-11-23T09:00")))
    world.digests.media_url = MEDIA
    baseline = [executable_constructs(page) for page in _render(world, "Ana", "A St")]
    for payload in PAYLOADS:
        pages = _render(world, payload, payload)
        assert [executable_constructs(page) for page in pages] == baseline, payload
