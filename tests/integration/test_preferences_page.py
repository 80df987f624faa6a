"""The digest preferences page over HTTP against the local stack: opened with the email's signed
token, every control changes what the JSON routes report, and nothing else gets through."""

from __future__ import annotations

import base64
import html
import re
import uuid
from urllib.parse import urljoin

import pytest
import requests

from tests.support.digests_http import (
    follow,
    mail_for,
    next_digest_slot,
    run_digest_cycle,
    subscribe,
)
from tests.support.html_safety import executable_constructs
from tests.support.identity_helpers import make_user
from tests.support.preference_pages import (
    FORM,
    form_for,
    open_page,
    state,
    stored_subscription,
    submit,
    token_for,
)
from tests.support.xss_payloads import PAYLOADS

pytestmark = pytest.mark.integration


@pytest.fixture
def subscriber(local_api):
    """A weekly subscriber with two tags, a muted tag and an author with a display name."""
    user, author = make_user(local_api), make_user(local_api, "author")
    requests.patch(
        f"{local_api}/me", json={"display_name": "Ada Lovelace"}, headers=author.auth, timeout=30
    ).raise_for_status()
    subscribe(local_api, user, cadence="weekly", weekday=3, hour=6, timezone="Asia/Kolkata")
    follow(local_api, user, "python")
    follow(local_api, user, "rust")
    follow(local_api, user, "crypto", muted=True)
    response = requests.put(
        f"{local_api}/me/follows/authors/{author.username}", headers=user.auth, timeout=30
    )
    assert response.status_code == 200, response.text
    return user, author, token_for(user.username)


def test_the_page_shows_the_schedule_and_every_follow_with_its_own_control(local_api, subscriber):
    _user, author, token = subscriber
    page = open_page(local_api, token)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    policy = page.headers["Content-Security-Policy"]
    assert "form-action 'self'" in policy
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    text = page.text
    assert "A weekly digest on Thursdays at 06:00, Asia/Kolkata time." in text
    assert f"Ada Lovelace ({author.username})" in text
    for action, target in (
        ("unfollow-tag", "python"),
        ("unfollow-tag", "rust"),
        ("unmute-tag", "crypto"),
        ("unfollow-author", author.username),
    ):
        address, fields = form_for(text, action, target)
        assert address == f"preferences?token={token}"
        assert fields["check"]
    assert form_for(text, "schedule")[1]["check"]
    assert 'value="Asia/Kolkata"' in text


def test_each_control_changes_what_the_json_routes_report(local_api, subscriber):
    user, author, token = subscriber
    watermark = stored_subscription(user.username)["watermark"]
    page = open_page(local_api, token).text

    saved = submit(
        local_api, token, page, "schedule", cadence="daily", weekday="0", hour="21",
        timezone="America/New_York",
    )  # fmt: skip
    assert saved.status_code == 303
    location = saved.headers["Location"]
    assert location == f"preferences?token={token}&done=schedule"
    assert saved.headers["Cache-Control"] == "no-store"
    # a redirect as servers send one: a short page linking on, not an empty "JSON" body
    assert saved.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'href="{html.escape(location)}"' in saved.text
    after = requests.get(urljoin(f"{local_api}/preferences", location), timeout=30)
    assert after.status_code == 200
    assert "Your digest schedule is saved." in after.text
    assert "A daily digest at 21:00, America/New_York time." in after.text
    subscription, _ = state(local_api, user)
    assert (subscription["cadence"], subscription["weekday"], subscription["hour"]) == (
        "daily",
        None,
        21,
    )
    assert subscription["timezone"] == "America/New_York"
    # decision 0009: a schedule change keeps what the digests owe
    assert stored_subscription(user.username)["watermark"] == watermark

    for action, target in (
        ("unfollow-tag", "python"),
        ("unmute-tag", "crypto"),
        ("unfollow-author", author.username),
    ):
        page = open_page(local_api, token).text
        done = submit(local_api, token, page, action, target)
        assert done.status_code == 303, done.text
        assert done.headers["Location"].endswith(f"&done={action}")
    _, follows = state(local_api, user)
    assert follows == {"tags": ["rust"], "muted_tags": [], "authors": []}

    weekly = submit(
        local_api, token, open_page(local_api, token).text, "schedule", cadence="weekly",
        weekday="6", hour="0", timezone="UTC",
    )  # fmt: skip
    assert weekly.status_code == 303
    subscription, _ = state(local_api, user)
    assert (subscription["cadence"], subscription["weekday"], subscription["hour"]) == (
        "weekly",
        6,
        0,
    )
    off = submit(
        local_api, token, open_page(local_api, token).text, "schedule", cadence="off",
        hour="8", timezone="UTC",
    )  # fmt: skip
    assert off.status_code == 303
    assert state(local_api, user)[0]["cadence"] == "off"
    assert "You receive no digests." in open_page(local_api, token).text


@pytest.mark.parametrize(
    ("action", "fields", "says"),
    [
        ("schedule", {"cadence": "daily", "hour": "24", "timezone": "UTC"}, "hour"),
        ("schedule", {"cadence": "daily", "hour": "8", "timezone": "Mars/Olympus"}, "time zone"),
        ("schedule", {"cadence": "daily", "hour": "8", "timezone": "Z" * 500}, "too long"),
        ("schedule", {"cadence": "weekly", "weekday": "9", "hour": "8", "timezone": "UTC"}, "week"),
        ("schedule", {"action": "drop-table"}, "does not know that action"),
        ("unfollow-tag", {"target": "no such tag!"}, "not a tag"),
    ],
)
def test_bad_input_shows_the_page_again_with_400_and_changes_nothing(
    local_api, subscriber, action, fields, says
):
    user, _author, token = subscriber
    before = state(local_api, user)
    refused = submit(local_api, token, open_page(local_api, token).text, action, None, **fields)
    assert refused.status_code == 400
    assert refused.headers["Content-Type"].startswith("text/html")
    assert says in refused.text
    assert "Nothing was changed." in refused.text
    assert "Digest preferences" in refused.text  # the page itself, with its forms
    assert state(local_api, user) == before


def test_forged_cut_and_other_purpose_tokens_get_the_link_page_and_change_nothing(
    local_api, subscriber
):
    from byline.secrets import signing_key
    from byline.services.preferences import FORM_PURPOSE, form_check

    user, _author, token = subscriber
    victim = make_user(local_api)
    subscribe(local_api, victim)
    before = state(local_api, user), state(local_api, victim)
    encoded, signature = token.split(".")
    victim_name = base64.urlsafe_b64encode(victim.username.encode()).decode().rstrip("=")
    other_purpose = f"{encoded}.{form_check(signing_key(FORM_PURPOSE), user.username, 'schedule')}"
    page = open_page(local_api, token).text
    _address, fields = form_for(page, "schedule")
    body = {**fields, "cadence": "off", "hour": "8", "timezone": "UTC"}
    for forged in (f"{victim_name}.{signature}", token[:-2] + "xx", other_purpose, "garbage", ""):
        shown = open_page(local_api, forged)
        posted = requests.post(
            f"{local_api}/preferences", params={"token": forged}, data=body, timeout=30
        )
        for response in (shown, posted):
            assert response.status_code == 400, forged
            assert response.headers["Content-Type"].startswith("text/html")
            assert "This link does not work" in response.text
    assert (state(local_api, user), state(local_api, victim)) == before


def test_a_cross_site_post_or_one_without_the_page_s_check_changes_nothing(local_api, subscriber):
    user, _author, token = subscriber
    before = state(local_api, user)
    page = open_page(local_api, token).text
    _address, fields = form_for(page, "unfollow-tag", "python")
    wrong_action = form_for(page, "schedule")[1]["check"]
    attempts = [
        ({**fields}, {"Sec-Fetch-Site": "cross-site"}),
        ({**fields}, {"Sec-Fetch-Site": "same-site"}),
        ({**fields, "check": ""}, {}),
        ({**fields, "check": wrong_action}, {}),
        ({**fields, "check": token.split(".")[1]}, {}),
        ({k: v for k, v in fields.items() if k != "check"}, {"Origin": "null"}),
    ]
    for data, headers in attempts:
        refused = requests.post(
            f"{local_api}/preferences",
            params={"token": token},
            data=data,
            headers={**FORM, **headers},
            allow_redirects=False,
            timeout=30,
        )
        assert refused.status_code == 403, (data, headers)
        assert refused.headers["Content-Type"].startswith("text/html")
        assert "This form cannot be used from here" in refused.text
    assert state(local_api, user) == before
    # the same form from the page itself is accepted (no Fetch Metadata: not a browser)
    plain = requests.post(
        f"{local_api}/preferences", params={"token": token}, data=fields, headers=FORM,
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert plain.status_code == 303
    assert state(local_api, user)[1]["tags"] == ["rust"]


def test_a_deleted_account_s_token_opens_nothing_and_changes_nothing(local_api, subscriber):
    from byline.data import keys
    from byline.data.table import table

    user, _author, token = subscriber
    page = open_page(local_api, token).text
    address, fields = form_for(page, "schedule")
    assert requests.delete(f"{local_api}/me", headers=user.auth, timeout=30).status_code == 204
    shown = open_page(local_api, token)
    assert shown.status_code == 410
    assert shown.headers["Content-Type"].startswith("text/html")
    assert "This account is gone" in shown.text
    posted = requests.post(
        urljoin(f"{local_api}/preferences", address),
        data={**fields, "cadence": "daily", "hour": "8", "timezone": "UTC"},
        headers=FORM,
        allow_redirects=False,
        timeout=30,
    )
    assert posted.status_code == 410
    assert "This account is gone" in posted.text
    # nothing was written into the deleted account's partition
    assert table().get(keys.subscription(user.username)) is None


def test_the_email_s_preferences_link_opens_the_page(local_api, local_stack):
    subscriber, author = make_user(local_api), make_user(local_api, "author")
    tag = f"p{uuid.uuid4().hex[:8]}"
    subscribe(local_api, subscriber)
    follow(local_api, subscriber, tag)
    from tests.support.article_helpers import published_article

    published_article(local_api, author, tags=[tag])
    run_digest_cycle(local_stack)
    (email,) = mail_for(local_stack, subscriber)
    link = re.search(r'href="([^"]*/preferences\?[^"]*)"[^>]*>Manage preferences', email.html)
    assert link is not None, email.html
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith(local_api + "/preferences?token=")
    assert f"Manage preferences: {url}" in email.text
    page = requests.get(url, timeout=30)
    assert page.status_code == 200
    assert f"#{tag}" in page.text
    assert subscriber.username in page.text
    # the List-Unsubscribe header's URL (mail providers and forwarding rules see it) only
    # unsubscribes: its token opens neither this page nor the archived digest
    header_token = email.headers["List-Unsubscribe"].strip("<>").split("token=", 1)[1]
    for other in ("/preferences", "/digests/" + next_digest_slot().date().isoformat()):
        refused = requests.get(f"{local_api}{other}", params={"token": header_token}, timeout=30)
        assert refused.status_code == 400, (other, refused.status_code)
        assert refused.headers["Content-Type"].startswith("text/html")


def test_hostile_follow_names_and_display_names_come_out_inert(local_api, subscriber):
    from byline.data import keys
    from byline.data.subscriptions import Subscriptions
    from byline.data.table import table

    user, author, token = subscriber
    baseline = set(executable_constructs(open_page(local_api, token).text))
    assert "<form>" in baseline  # the oracle sees the page's own forms: the comparison is fair
    follows = Subscriptions(table())
    for payload in PAYLOADS:  # stored before tags and names were validated
        follows.follow(user.username, "tag", payload, muted=False, at="2026-01-01T00:00:00Z")
    for payload in PAYLOADS[::7]:
        table().update(
            keys.user_profile(author.username),
            "SET display_name = :d",
            values={":d": payload},
        )
        table().update(
            keys.user_profile(user.username), "SET display_name = :d", values={":d": payload}
        )
        page = open_page(local_api, token)
        assert page.status_code == 200
        assert set(executable_constructs(page.text)) == baseline, payload
