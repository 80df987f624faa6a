"""Authors' public profile over HTTP: the fields Ghost's author object has, edited by their
owner on PATCH /me, validated, and shown on GET /authors/{username} without any private one."""

from __future__ import annotations

import uuid

import pytest
import requests

from byline.data import keys
from byline.data.table import table
from tests.support.identity_helpers import User, make_user

pytestmark = pytest.mark.integration

PUBLIC_KEYS = {
    "username",
    "display_name",
    "bio",
    "avatar",
    "cover",
    "website",
    "location",
    "facebook",
    "twitter",
    "meta_title",
    "meta_description",
    "links",
    "joined_at",
}


@pytest.fixture(scope="module")
def author(local_api) -> User:
    return make_user(local_api, "author")


def _patch(base: str, user: User, body: dict[str, object]) -> requests.Response:
    return requests.patch(f"{base}/me", json=body, headers=user.auth, timeout=30)


def _public(base: str, user: User) -> dict[str, object]:
    response = requests.get(f"{base}/authors/{user.username}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _accepted_upload(owner: str) -> str:
    key = f"media/{owner}/{uuid.uuid4().hex}.png"
    table().put(
        {**keys.media(key), "kind": "media", "key": key, "owner": owner, "status": "accepted"}
    )
    return key


def test_the_owner_sets_every_public_field_and_anyone_reads_them(local_api, author):
    cover = _accepted_upload(author.username)
    body = {
        "display_name": "Ann Writer",
        "bio": "Writes about rivers.\nAnd bridges.",
        "cover": cover,
        "website": "https://ann.example/",
        "location": "Porto",
        "facebook": "ann.writer",
        "twitter": "annwrites",
        "meta_title": "Ann Writer, rivers",
        "meta_description": "Everything Ann wrote",
    }
    response = _patch(local_api, author, body)
    assert response.status_code == 200, response.text
    public = _public(local_api, author)
    assert public["bio"] == "Writes about rivers.\nAnd bridges."
    assert public["cover"] == cover
    assert public["website"] == "https://ann.example/"
    assert public["location"] == "Porto"
    assert public["facebook"] == "ann.writer"
    assert public["twitter"] == "@annwrites"
    assert public["meta_title"] == "Ann Writer, rivers"
    assert public["meta_description"] == "Everything Ann wrote"
    stored = table().get(keys.user_profile(author.username), consistent=True)
    assert stored is not None
    assert stored["location"] == "Porto"


def test_the_public_profile_has_no_private_field(local_api, author):
    public = _public(local_api, author)
    assert set(public) == PUBLIC_KEYS
    me = requests.get(f"{local_api}/me", headers=author.auth, timeout=30).json()
    assert {"email", "role", "confirmed"} <= set(me)


def test_null_or_empty_clears_a_field(local_api, author):
    assert _patch(local_api, author, {"location": "Lisbon", "twitter": "ann"}).status_code == 200
    response = _patch(local_api, author, {"location": None, "twitter": ""})
    assert response.status_code == 200, response.text
    public = _public(local_api, author)
    assert public["location"] is None
    assert public["twitter"] is None


def test_html_in_profile_text_stays_text(local_api, author):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = _patch(local_api, author, {"bio": hostile, "location": hostile[:150]})
    assert response.status_code == 200, response.text
    public = _public(local_api, author)
    assert public["bio"] == hostile
    assert public["location"] == hostile[:150]


def test_one_upload_may_be_both_avatar_and_cover(local_api, author):
    """The same picture in both fields is one media item: checked once (two checks of one item
    in a transaction were a 500)."""
    picture = _accepted_upload(author.username)
    response = _patch(local_api, author, {"avatar": picture, "cover": picture})
    assert response.status_code == 200, response.text
    public = _public(local_api, author)
    assert (public["avatar"], public["cover"]) == (picture, picture)


def test_someone_elses_upload_as_avatar_and_cover_names_both_fields(local_api, author):
    someone_elses = _accepted_upload("someone_else")
    response = _patch(local_api, author, {"avatar": someone_elses, "cover": someone_elses})
    assert response.status_code == 422, response.text
    assert "avatar and cover" in response.json()["detail"]


def test_a_cover_must_be_the_owner_s_accepted_upload(local_api, author):
    someone_elses = _accepted_upload("someone_else")
    before = table().get(keys.user_profile(author.username), consistent=True)
    response = _patch(local_api, author, {"cover": someone_elses})
    assert response.status_code == 422, response.text
    assert "cover" in response.json()["detail"]
    assert table().get(keys.user_profile(author.username), consistent=True) == before


@pytest.mark.parametrize(
    ("patch", "pointer"),
    [
        ({"website": "javascript:alert(1)"}, "/website"),
        ({"website": "http://insecure.example/"}, "/website"),
        ({"cover": "https://cdn.example.com/cover.png"}, "/cover"),
        ({"location": "line\nbreak"}, "/location"),
        ({"location": "x" * 151}, "/location"),
        ({"bio": "bell\x07"}, "/bio"),
        ({"bio": "rtl \u202e override"}, "/bio"),
        ({"twitter": "@not a handle"}, "/twitter"),
        ({"facebook": "javascript:alert(1)"}, "/facebook"),
        ({"meta_title": "x" * 301}, "/meta_title"),
        ({"meta_description": "tab\there"}, "/meta_description"),
        ({"email": "x@example.com"}, "/email"),
    ],
)
def test_bad_profile_fields_are_422_and_change_nothing(local_api, author, patch, pointer):
    before = table().get(keys.user_profile(author.username), consistent=True)
    response = _patch(local_api, author, patch)
    assert response.status_code == 422, response.text
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert table().get(keys.user_profile(author.username), consistent=True) == before
