"""One-click unsubscribe as mailbox providers post it (RFC 8058 §3.2: multipart/form-data, or
application/x-www-form-urlencoded), altered links, and every refusal of the pages a person opens
from an email as a readable HTML page, over HTTP against the local stack."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
import requests

from tests.support.digests_http import subscribe
from tests.support.identity_helpers import User, make_user
from tests.support.preference_pages import forms, open_page, token_for

pytestmark = pytest.mark.integration

BOUNDARY = "------------------------d74496d66958873e"
CURL_F = (
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
    f"One-Click\r\n--{BOUNDARY}--\r\n"
)


def cadence(base: str, user: User) -> str:
    response = requests.get(f"{base}/me/subscription", headers=user.auth, timeout=30)
    return str(response.json()["cadence"])


def subscribed(base: str) -> tuple[User, str]:
    user = make_user(base)
    subscribe(base, user)
    return user, token_for(user.username, "unsubscribe:digest")


def assert_page(response: requests.Response, status: int, heading: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("text/html"), response.headers
    assert f"<h1>{heading}</h1>" in response.text, response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_a_multipart_one_click_post_unsubscribes(local_api):
    user, token = subscribed(local_api)
    response = requests.post(
        f"{local_api}/unsubscribe",
        params={"token": token},
        files={"List-Unsubscribe": (None, "One-Click")},  # what curl -F sends
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/html")
    assert "You are unsubscribed" in response.text
    assert cadence(local_api, user) == "off"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (f"multipart/form-data; boundary={BOUNDARY}", CURL_F),
        (f'multipart/form-data; boundary="{BOUNDARY}"', CURL_F.replace("\r\n", "\n")),
        (f"Multipart/Form-Data; charset=utf-8; boundary={BOUNDARY}", CURL_F[: -len("--\r\n")]),
        ("multipart/form-data", CURL_F),  # no boundary: not readable, still a one-click post
        ("application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"),
        ("application/x-www-form-urlencoded; charset=UTF-8", "list-unsubscribe=one-click&x=1"),
        ("application/x-www-form-urlencoded", ""),
        ("multipart/form-data; boundary=x", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
    ],
)
def test_the_token_alone_decides_whatever_form_body_comes_with_it(local_api, content_type, body):
    user, token = subscribed(local_api)
    response = requests.post(
        f"{local_api}/unsubscribe",
        params={"token": token},
        data=body.encode(),
        headers={"Content-Type": content_type},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert cadence(local_api, user) == "off"


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "image/png"])
def test_a_body_of_another_type_gets_a_readable_page_and_changes_nothing(local_api, content_type):
    user, token = subscribed(local_api)
    for route in ("unsubscribe", "preferences"):
        response = requests.post(
            f"{local_api}/{route}",
            params={"token": token},
            data=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": content_type},
            timeout=30,
        )
        assert_page(response, 415, "This form cannot be read")
    assert cadence(local_api, user) == "daily"


def test_a_body_over_the_limit_gets_a_readable_page_and_changes_nothing(local_api):
    user, token = subscribed(local_api)
    for route in ("unsubscribe", "preferences"):
        response = requests.post(
            f"{local_api}/{route}",
            params={"token": token},
            files={"List-Unsubscribe": (None, "x" * 70_000)},
            timeout=30,
        )
        assert_page(response, 413, "This request is too large")
    assert cadence(local_api, user) == "daily"


def test_a_token_far_too_long_gets_a_readable_page(local_api):
    for method, route in (("POST", "unsubscribe"), ("GET", "unsubscribe"), ("GET", "preferences")):
        response = requests.request(
            method, f"{local_api}/{route}", params={"token": "a" * 1001}, timeout=30
        )
        assert_page(response, 422, "This link does not work")
    response = requests.post(
        f"{local_api}/preferences",
        params={"token": "a" * 1001},
        data="action=schedule",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert_page(response, 422, "This link does not work")


@pytest.mark.parametrize("suffix", ["!!", "#", "&", "%", "=", " ", "\n"])
def test_an_altered_link_gets_the_400_page_and_unsubscribes_no_one(local_api, suffix):
    user, token = subscribed(local_api)
    encoded, signature = token.split(".")
    altered = f"{encoded}{suffix}.{signature}"
    assert base64.urlsafe_b64decode(encoded + "==") == user.username.encode()
    for method, route in (("GET", "unsubscribe"), ("POST", "unsubscribe"), ("GET", "preferences")):
        response = requests.request(
            method,
            f"{local_api}/{route}",
            params={"token": altered},
            files={"List-Unsubscribe": (None, "One-Click")} if method == "POST" else None,
            timeout=30,
        )
        assert_page(response, 400, "This link does not work")
    assert cadence(local_api, user) == "daily"


def test_the_pages_put_the_token_into_their_form_actions_url_encoded(local_api):
    user, token = subscribed(local_api)
    page = requests.get(f"{local_api}/unsubscribe", params={"token": token}, timeout=30)
    assert page.status_code == 200
    ((action, fields),) = forms(page.text)
    assert action == f"unsubscribe?token={quote(token, safe='')}"
    assert parse_qs(urlsplit(action).query, strict_parsing=True) == {"token": [token]}

    own = token_for(user.username)  # the preferences page's
    preferences = open_page(local_api, own)
    assert preferences.status_code == 200
    actions = {address for address, _ in forms(preferences.text)}
    assert actions == {f"preferences?token={quote(own, safe='')}"}

    # The page's own button, posted as a browser would, unsubscribes.
    posted = requests.post(
        urljoin(f"{local_api}/unsubscribe?token={token}", action),
        data=fields,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert posted.status_code == 200, posted.text
    assert cadence(local_api, user) == "off"


def test_the_preferences_redirect_carries_the_token_url_encoded(local_api):
    user, _ = subscribed(local_api)
    token = token_for(user.username)  # the preferences page's
    page = open_page(local_api, token)
    address, fields = next((a, f) for a, f in forms(page.text) if f.get("action") == "schedule")
    response = requests.post(
        urljoin(f"{local_api}/preferences?token={token}", address),
        data={**fields, "cadence": "weekly", "weekday": "2", "hour": "7", "timezone": "UTC"},
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Sec-Fetch-Site": "same-origin",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert location == f"preferences?token={quote(token, safe='')}&done=schedule"
    assert parse_qs(urlsplit(location).query)["token"] == [token]
    assert cadence(local_api, user) == "weekly"
