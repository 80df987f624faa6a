"""Subscriptions and a whole digest cycle through the local stack: routes over HTTP, the
planner and worker run by the local runtime, mail read from the emulated SES."""

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from byline import aws
from tests.support.article_helpers import published_article
from tests.support.digests_http import (
    follow,
    mail_for,
    next_digest_slot,
    run_digest_cycle,
    subscribe,
)
from tests.support.identity_helpers import make_user

pytestmark = pytest.mark.integration


def test_subscription_is_validated_and_kept(local_api):
    user = make_user(local_api)
    assert (
        requests.get(f"{local_api}/me/subscription", headers=user.auth, timeout=30).json()[
            "cadence"
        ]
        == "off"
    )
    bad = requests.put(
        f"{local_api}/me/subscription",
        json={"cadence": "weekly", "hour": 8, "timezone": "Mars/Olympus"},
        headers=user.auth,
        timeout=30,
    )
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} >= {"/timezone"}
    saved = subscribe(local_api, user, cadence="weekly", weekday=0, hour=7, timezone="Europe/Paris")
    assert saved["cadence"] == "weekly"
    assert saved["email_confirmed"] is True
    again = requests.get(f"{local_api}/me/subscription", headers=user.auth, timeout=30).json()
    assert (again["weekday"], again["hour"], again["timezone"]) == (0, 7, "Europe/Paris")


def test_follows_are_idempotent_and_mutes_are_listed_apart(local_api):
    user = make_user(local_api)
    follow(local_api, user, "Python")
    follow(local_api, user, "python")
    follow(local_api, user, "crypto", muted=True)
    author = make_user(local_api, "author")
    response = requests.put(
        f"{local_api}/me/follows/authors/{author.username}", headers=user.auth, timeout=30
    )
    assert response.status_code == 200
    assert response.json() == {
        "tags": ["python"],
        "muted_tags": ["crypto"],
        "authors": [author.username],
    }
    missing = requests.put(
        f"{local_api}/me/follows/authors/nobody_x", headers=user.auth, timeout=30
    )
    assert missing.status_code == 404
    gone = requests.delete(f"{local_api}/me/follows/tags/python", headers=user.auth, timeout=30)
    assert gone.json()["tags"] == []


def test_one_digest_with_exactly_the_matching_articles_best_first_and_never_twice(
    local_api, local_stack
):
    subscriber = make_user(local_api)
    author = make_user(local_api, "author")
    t1, t2, other, muted = (f"d{uuid.uuid4().hex[:8]}" for _ in range(4))
    subscribe(local_api, subscriber)
    follow(local_api, subscriber, t1)
    follow(local_api, subscriber, t2)
    follow(local_api, subscriber, muted, muted=True)
    first = published_article(local_api, author, tags=[t1])
    liked = published_article(local_api, author, tags=[t2])
    published_article(local_api, author, tags=[other])
    published_article(local_api, author, tags=[t1, muted])
    fan = make_user(local_api)
    requests.put(f"{local_api}/articles/{liked['id']}/like", headers=fan.auth, timeout=30)

    preview = requests.get(f"{local_api}/me/digest/preview", headers=subscriber.auth, timeout=30)
    assert [a["id"] for a in preview.json()["articles"]] == [liked["id"], first["id"]]
    assert preview.json()["articles"][0]["reasons"] == [f"tag:{t2}"]

    run_digest_cycle(local_stack)
    mail = mail_for(local_stack, subscriber)
    assert len(mail) == 1
    email = mail[0]
    assert email.html.index(liked["title"]) < email.html.index(first["title"])
    assert liked["title"] in email.text
    assert first["title"] in email.text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe?token=" in email.headers["List-Unsubscribe"]

    run_digest_cycle(local_stack)  # the schedule fires again in the same period
    assert len(mail_for(local_stack, subscriber)) == 1

    history = requests.get(f"{local_api}/me/digests", headers=subscriber.auth, timeout=30).json()
    assert [d["state"] for d in history["items"]] == ["sent"]
    period = history["items"][0]["period"]
    archived = requests.get(f"{local_api}/me/digests/{period}", headers=subscriber.auth, timeout=30)
    assert set(archived.json()["article_ids"]) == {liked["id"], first["id"]}
    html = requests.get(archived.json()["html_url"], timeout=30)
    assert liked["title"] in html.text


def test_no_digest_is_sent_when_nothing_matches(local_api, local_stack):
    subscriber = make_user(local_api)
    subscribe(local_api, subscriber)
    follow(local_api, subscriber, f"n{uuid.uuid4().hex[:8]}")
    run_digest_cycle(local_stack)
    assert mail_for(local_stack, subscriber) == []


def test_one_click_unsubscribe_from_the_email_and_forged_tokens_change_nothing(
    local_api, local_stack
):
    subscriber, victim = make_user(local_api), make_user(local_api)
    author = make_user(local_api, "author")
    tag = f"u{uuid.uuid4().hex[:8]}"
    for user in (subscriber, victim):
        subscribe(local_api, user)
        follow(local_api, user, tag)
    published_article(local_api, author, tags=[tag])
    run_digest_cycle(local_stack)
    link = mail_for(local_stack, subscriber)[0].headers["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(link).query)["token"][0]
    _encoded, signature = token.split(".")

    import base64

    victim_name = base64.urlsafe_b64encode(victim.username.encode()).decode().rstrip("=")
    for forged in (f"{victim_name}.{signature}", token[:-2] + "xx", "garbage", token + ".", ""):
        response = requests.post(f"{local_api}/unsubscribe", params={"token": forged}, timeout=30)
        assert response.status_code == 400, forged
        assert response.headers["Content-Type"].startswith("text/html"), forged
        assert "This link does not work" in response.text
    for user in (subscriber, victim):
        state = requests.get(f"{local_api}/me/subscription", headers=user.auth, timeout=30)
        assert state.json()["cadence"] == "daily"

    page = requests.get(f"{local_api}/unsubscribe", params={"token": token}, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert subscriber.username in page.text
    one_click = requests.post(
        f"{local_api}/unsubscribe",
        params={"token": token},
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert one_click.status_code == 200
    state = requests.get(f"{local_api}/me/subscription", headers=subscriber.auth, timeout=30)
    assert state.json()["cadence"] == "off"
    assert (
        requests.get(f"{local_api}/me/subscription", headers=victim.auth, timeout=30).json()[
            "cadence"
        ]
        == "daily"
    )


def test_deleting_an_account_deletes_its_archived_digests_and_no_one_else_s(
    local_api, local_stack, stack_resources
):
    leaving, staying = make_user(local_api), make_user(local_api)
    author = make_user(local_api, "author")
    tag = f"a{uuid.uuid4().hex[:8]}"
    for user in (leaving, staying):
        subscribe(local_api, user)
        follow(local_api, user, tag)
    published_article(local_api, author, tags=[tag])
    run_digest_cycle(local_stack)
    s3, bucket = aws.s3(), stack_resources["DIGEST_BUCKET"]

    def archived(user):
        listed = s3.list_object_versions(Bucket=bucket, Prefix=f"digests/{user.username}/")
        return listed.get("Versions", []) + listed.get("DeleteMarkers", [])

    assert len(archived(leaving)) == 1
    assert len(archived(staying)) == 1

    assert requests.delete(f"{local_api}/me", headers=leaving.auth, timeout=30).status_code == 204

    assert archived(leaving) == []
    assert len(archived(staying)) == 1


def test_a_broken_or_cut_unsubscribe_link_shows_a_readable_page(local_api):
    user = make_user(local_api)
    from byline.secrets import signing_key
    from byline.services import unsubscribe_tokens

    token = unsubscribe_tokens.issue(signing_key("unsubscribe"), user.username)
    for broken in (token[: len(token) // 2], token.replace(".", ""), ""):
        page = requests.get(f"{local_api}/unsubscribe", params={"token": broken}, timeout=30)
        assert page.status_code == 400
        assert page.headers["Content-Type"].startswith("text/html")
        assert "<h1>This link does not work</h1>" in page.text
        assert "latest digest" in page.text
    cut = requests.get(f"{local_api}/unsubscribe", timeout=30)  # the query lost on the way
    assert (cut.status_code, cut.headers["Content-Type"][:9]) == (400, "text/html")


def test_the_links_in_a_digest_open_the_api_s_pages_and_list_what_the_cap_left_out(
    local_api, local_stack
):
    subscriber, author = make_user(local_api), make_user(local_api, "author")
    tag = f"l{uuid.uuid4().hex[:8]}"
    subscribe(local_api, subscriber)
    follow(local_api, subscriber, tag)
    titles = [published_article(local_api, author, tags=[tag])["title"] for _ in range(8)]
    run_digest_cycle(local_stack)
    (email,) = mail_for(local_stack, subscriber)
    period = next_digest_slot().date().isoformat()

    unsubscribe = email.headers["List-Unsubscribe"].strip("<>")
    view = re.search(r'href="([^"]*/digests/[^"#]*)"', email.html).group(1).replace("&amp;", "&")
    more = re.search(r'href="([^"]*)"[^>]*>And 1 more article', email.html).group(1)
    for link in (unsubscribe, view, more):
        assert link.startswith(local_api + "/"), link  # the API, where the worker was told
    assert urlsplit(view).path == f"/digests/{period}"
    assert more.replace("&amp;", "&") == f"{view}#more"
    assert f"In a browser: {view}" in email.text

    page = requests.get(view, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'id="more"' in page.text
    assert all(title in page.text for title in titles)  # the seven listed and the one more
    assert sum(title in email.html for title in titles) == 7
    assert requests.get(unsubscribe, timeout=30).status_code == 200

    token = parse_qs(urlsplit(view).query)["token"][0]
    gone = requests.get(f"{local_api}/digests/2020-01-01", params={"token": token}, timeout=30)
    assert gone.status_code == 404
    assert gone.headers["Content-Type"].startswith("text/html")
    forged = requests.get(view[:-3] + "abc", timeout=30)
    assert (forged.status_code, forged.headers["Content-Type"][:9]) == (400, "text/html")
