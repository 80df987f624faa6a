"""Site settings over HTTP: GET /site for anyone (ETag, 304), PUT /site for admins only, with
If-Match as article edits take it, validated images, navigation and text."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from byline.data import keys
from byline.data.table import table
from tests.support.identity_helpers import User, make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def admin(local_api) -> User:
    return make_user(local_api, "admin")


@pytest.fixture(scope="module")
def editor(local_api) -> User:
    return make_user(local_api, "editor")


def _stored() -> dict[str, Any] | None:
    return table().get(keys.site_settings(), consistent=True)


def _read(base: str) -> requests.Response:
    response = requests.get(f"{base}/site", timeout=30)
    assert response.status_code == 200, response.text
    return response


def _put(base: str, user: User, body: dict[str, Any], etag: str | None) -> requests.Response:
    headers = dict(user.auth)
    if etag is not None:
        headers["If-Match"] = etag
    return requests.put(f"{base}/site", json=body, headers=headers, timeout=30)


def _accepted_upload(owner: str) -> str:
    """An accepted upload, stored directly (the upload path is the media tests' job)."""
    key = f"media/{owner}/{uuid.uuid4().hex}.png"
    table().put(
        {**keys.media(key), "kind": "media", "key": key, "owner": owner, "status": "accepted"}
    )
    return key


def test_never_set_settings_read_as_the_defaults(local_api):
    table().delete(keys.site_settings())
    body = _read(local_api).json()
    assert body["title"] == "Byline"
    assert body["accent_color"] == "#ff1a75"
    assert body["lang"] == "en"
    assert body["timezone"] == "Etc/UTC"
    assert body["navigation"] == [{"label": "Home", "url": "/"}]
    assert body["secondary_navigation"] == []
    assert body["logo"] is None
    assert body["description"] is None
    assert body["twitter"] is None
    assert body["url"].endswith("/")


def test_an_admin_replaces_the_settings_and_everyone_reads_them(local_api, admin):
    etag = _read(local_api).headers["ETag"]
    body = {
        "title": "The Daily Gazette",
        "description": "News from the valley",
        "accent_color": "#1A2B3C",
        "logo": "https://cdn.example.com/logo.png",
        "navigation": [{"label": "Home", "url": "/"}, {"label": "About", "url": "/about/"}],
        "secondary_navigation": [{"label": "Sign up", "url": "#/portal/"}],
        "lang": "pt-BR",
        "timezone": "Europe/Lisbon",
        "twitter": "gazette",
        "facebook": "gazette",
        "meta_title": "Gazette",
    }
    response = _put(local_api, admin, body, etag)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["accent_color"] == "#1a2b3c"
    assert saved["twitter"] == "@gazette"
    read = _read(local_api)
    assert read.json() == saved
    assert read.headers["ETag"] == response.headers["ETag"]
    assert _stored()["settings"]["title"] == "The Daily Gazette"  # type: ignore[index]
    assert _stored()["updated_by"] == admin.username  # type: ignore[index]


def test_a_key_left_out_of_a_put_returns_to_its_default(local_api, admin):
    etag = _read(local_api).headers["ETag"]
    assert _put(local_api, admin, {"title": "First", "lang": "fr"}, etag).status_code == 200
    etag = _read(local_api).headers["ETag"]
    response = _put(local_api, admin, {"title": "Second", "description": ""}, etag)
    assert response.status_code == 200, response.text
    assert response.json()["lang"] == "en"
    assert response.json()["description"] is None


def test_reads_send_an_etag_and_answer_304_to_if_none_match(local_api):
    first = _read(local_api)
    assert "public" in first.headers["Cache-Control"]
    again = requests.get(
        f"{local_api}/site", headers={"If-None-Match": first.headers["ETag"]}, timeout=30
    )
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_put_without_if_match_is_428_and_changes_nothing(local_api, admin):
    before = _stored()
    response = _put(local_api, admin, {"title": "No precondition"}, None)
    assert response.status_code == 428
    assert _stored() == before


def test_a_put_with_a_stale_etag_is_412_and_changes_nothing(local_api, admin):
    stale = _read(local_api).headers["ETag"]
    assert _put(local_api, admin, {"title": "Moved on"}, stale).status_code == 200
    before = _stored()
    response = _put(local_api, admin, {"title": "Lost update"}, stale)
    assert response.status_code == 412
    assert _stored() == before


@pytest.mark.parametrize("role", ["reader", "author"])
def test_only_admins_may_replace_the_settings(local_api, editor, role):
    etag = _read(local_api).headers["ETag"]
    before = _stored()
    for user in (editor, make_user(local_api, role)):
        assert _put(local_api, user, {"title": "Taken over"}, etag).status_code == 403
    assert requests.put(f"{local_api}/site", json={"title": "x"}, timeout=30).status_code == 401
    assert _stored() == before


def test_html_in_text_stays_text(local_api, admin):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    etag = _read(local_api).headers["ETag"]
    body = {
        "title": hostile,
        "description": hostile,
        "navigation": [{"label": "<b onclick=x()>Home</b>", "url": "/"}],
    }
    response = _put(local_api, admin, body, etag)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    read = _read(local_api).json()
    assert read["title"] == hostile
    assert read["description"] == hostile
    assert read["navigation"][0]["label"] == "<b onclick=x()>Home</b>"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"title": "line\nbreak"}, "/title"),
        ({"description": "bell\x07"}, "/description"),
        ({"meta_title": "rtl\u202eoverride"}, "/meta_title"),
        ({"navigation": [{"label": "tab\there", "url": "/"}]}, "/navigation/0/label"),
        ({"logo": "javascript:alert(1)"}, "/logo"),
        ({"icon": "http://insecure.example/icon.png"}, "/icon"),
        ({"cover_image": "data:image/png;base64,AAAA"}, "/cover_image"),
        ({"og_image": "//cdn.example.com/x.png"}, "/og_image"),
        ({"twitter_image": "media/../../etc/passwd"}, "/twitter_image"),
        ({"navigation": [{"label": "x", "url": "javascript:alert(1)"}]}, "/navigation/0/url"),
        ({"navigation": [{"label": "x", "url": "//evil.example/"}]}, "/navigation/0/url"),
        ({"secondary_navigation": [{"label": "x", "url": "/"}] * 21}, "/secondary_navigation"),
        ({"accent_color": "red"}, "/accent_color"),
        ({"lang": "english please"}, "/lang"),
        ({"timezone": "Mars/Olympus"}, "/timezone"),
        ({"twitter": "@has space"}, "/twitter"),
        ({"title": ""}, "/title"),
        ({"title": "x" * 151}, "/title"),
        ({"codeinjection_head": "<script></script>"}, "/codeinjection_head"),
    ],
)
def test_bad_settings_are_422_naming_the_field_and_change_nothing(local_api, admin, body, pointer):
    etag = _read(local_api).headers["ETag"]
    before = _stored()
    response = _put(local_api, admin, body, etag)
    assert response.status_code == 422, response.text
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert _stored() == before


def test_an_image_may_be_the_admin_s_accepted_upload(local_api, admin):
    logo = _accepted_upload(admin.username)
    etag = _read(local_api).headers["ETag"]
    response = _put(local_api, admin, {"logo": logo}, etag)
    assert response.status_code == 200, response.text
    assert _read(local_api).json()["logo"] == logo


def test_one_upload_may_fill_several_image_fields(local_api, admin):
    """One picture as logo, icon and social images is one media item: checked once (two checks
    of one item in a transaction were a 500)."""
    picture = _accepted_upload(admin.username)
    body = {"logo": picture, "icon": picture, "og_image": picture, "twitter_image": picture}
    response = _put(local_api, admin, body, _read(local_api).headers["ETag"])
    assert response.status_code == 200, response.text
    shown = _read(local_api).json()
    assert [shown[name] for name in body] == [picture] * 4


def test_one_refused_upload_in_several_fields_is_a_422(local_api, admin):
    someone_elses = _accepted_upload("someone_else")
    before = _stored()
    body = {"logo": someone_elses, "og_image": someone_elses}
    response = _put(local_api, admin, body, _read(local_api).headers["ETag"])
    assert response.status_code == 422, response.text
    assert _stored() == before


def test_an_upload_that_is_not_the_admin_s_or_not_accepted_is_refused(local_api, admin):
    someone_elses = _accepted_upload("someone_else")
    pending = f"media/{admin.username}/{uuid.uuid4().hex}.png"
    table().put(
        {**keys.media(pending), "kind": "media", "key": pending, "owner": admin.username,
         "status": "pending"}
    )  # fmt: skip
    for image in (someone_elses, pending):
        etag = _read(local_api).headers["ETag"]
        before = _stored()
        response = _put(local_api, admin, {"icon": image}, etag)
        assert response.status_code == 422, response.text
        assert _stored() == before


def test_another_admin_keeps_an_image_they_did_not_upload(local_api, admin):
    logo = _accepted_upload(admin.username)
    etag = _read(local_api).headers["ETag"]
    assert _put(local_api, admin, {"logo": logo}, etag).status_code == 200
    other = make_user(local_api, "admin")
    current = _read(local_api)
    kept = {**current.json(), "title": "Renamed"}
    kept.pop("url")
    response = _put(local_api, other, kept, current.headers["ETag"])
    assert response.status_code == 200, response.text
    assert response.json()["logo"] == logo
