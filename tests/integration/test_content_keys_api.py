"""Content API keys over HTTP through the local stack: admins create, list and revoke them, and
what the Content API's verify() makes of a key before and after."""

from __future__ import annotations

import re

import pytest
import requests

from byline.data import keys
from byline.data.table import table
from byline.ghost.errors import UnknownKey
from byline.services.content_keys import MAX_KEYS, verify
from tests.support.content_keys import make_room
from tests.support.identity_helpers import User, make_user

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def admin(local_api: str) -> User:
    make_room(needed=20)  # the stack is the session's: other tests may have left keys
    return make_user(local_api, "admin")


def _create(base: str, who: User, name: object = "My Eleventy site") -> requests.Response:
    return requests.post(f"{base}/content-keys", json={"name": name}, headers=who.auth, timeout=30)


def _list(base: str, who: User) -> list[dict[str, str]]:
    response = requests.get(f"{base}/content-keys", headers=who.auth, timeout=30)
    assert response.status_code == 200, response.text
    items: list[dict[str, str]] = response.json()["items"]
    return items


def _revoke(base: str, who: User | None, key_id: str) -> requests.Response:
    return requests.delete(
        f"{base}/content-keys/{key_id}", headers=who.auth if who else {}, timeout=30
    )


def test_an_admin_creates_a_key_that_lists_and_verifies(local_api, admin):
    response = _create(local_api, admin, "  My Eleventy site ")
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "name", "key", "created_at", "created_by"}
    assert re.fullmatch(r"[0-9a-f]{26}", created["key"])
    assert created["name"] == "My Eleventy site"
    assert created["created_by"] == admin.username
    assert created in _list(local_api, admin)
    stored = table().get(keys.content_key(created["key"]))
    assert stored is not None
    assert (stored["id"], stored["created_by"]) == (created["id"], admin.username)
    assert table().get(keys.content_key_entry(created["id"])) is not None
    verified = verify(created["key"])
    assert (verified.id, verified.name) == (created["id"], "My Eleventy site")
    _revoke(local_api, admin, created["id"])


def test_a_revoked_key_fails_verification_and_both_items_are_gone(local_api, admin):
    created = _create(local_api, admin).json()
    response = _revoke(local_api, admin, created["id"])
    assert response.status_code == 204, response.text
    with pytest.raises(UnknownKey):
        verify(created["key"])
    assert table().get(keys.content_key(created["key"])) is None
    assert table().get(keys.content_key_entry(created["id"])) is None
    assert created["id"] not in {item["id"] for item in _list(local_api, admin)}
    # a retried revoke finds nothing, as a second DELETE of an article or a comment does
    assert _revoke(local_api, admin, created["id"]).status_code == 404


@pytest.mark.parametrize("key_id", ["01jdq0z9k2m4n6p8r0s2t4", "nope", "a" * 40])
def test_revoking_an_unknown_key_is_404(local_api, admin, key_id):
    response = _revoke(local_api, admin, key_id)
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["reader", "author", "editor"])
def test_only_admins_manage_keys(local_api, admin, role):
    created = _create(local_api, admin).json()
    other = make_user(local_api, role)
    assert _create(local_api, other).status_code == 403
    listed = requests.get(f"{local_api}/content-keys", headers=other.auth, timeout=30)
    assert listed.status_code == 403
    assert _revoke(local_api, other, created["id"]).status_code == 403
    assert verify(created["key"]).id == created["id"]  # still there
    _revoke(local_api, admin, created["id"])


def test_anonymous_callers_get_401(local_api, admin):
    created = _create(local_api, admin).json()
    assert (
        requests.post(f"{local_api}/content-keys", json={"name": "x"}, timeout=30).status_code
        == 401
    )
    assert requests.get(f"{local_api}/content-keys", timeout=30).status_code == 401
    assert _revoke(local_api, None, created["id"]).status_code == 401
    _revoke(local_api, admin, created["id"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"name": "two\nlines"},
        {"name": "tab\there"},
        {"name": "\u202eevil"},
        {"name": 42},
        {"name": "ok", "key": "0123456789abcdef0123456789"},
    ],
)
def test_bad_names_are_422_and_nothing_is_stored(local_api, admin, body):
    before = len(_list(local_api, admin))
    response = requests.post(f"{local_api}/content-keys", json=body, headers=admin.auth, timeout=30)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert len(_list(local_api, admin)) == before


def test_a_body_that_is_not_json_is_400(local_api, admin):
    response = requests.post(
        f"{local_api}/content-keys",
        data="{",
        headers={**admin.auth, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400, response.text


def test_a_hundred_character_name_is_fine(local_api, admin):
    response = _create(local_api, admin, "é" * 100)
    assert response.status_code == 201, response.text
    _revoke(local_api, admin, response.json()["id"])


def test_a_site_holds_at_most_the_limit_of_keys_and_revoking_makes_room(local_api, admin):
    make_room(needed=2)
    existing = len(_list(local_api, admin))
    made = []
    try:
        for _ in range(MAX_KEYS - existing):
            response = _create(local_api, admin, "filler")
            assert response.status_code == 201, response.text
            made.append(response.json()["id"])
        refused = _create(local_api, admin, "one too many")
        assert refused.status_code == 409, refused.text
        assert str(MAX_KEYS) in refused.json()["detail"]
        assert len(_list(local_api, admin)) == MAX_KEYS
        assert _revoke(local_api, admin, made.pop()).status_code == 204
        again = _create(local_api, admin, "room again")
        assert again.status_code == 201, again.text
        made.append(again.json()["id"])
    finally:
        for key_id in made:
            _revoke(local_api, admin, key_id)
    assert len(_list(local_api, admin)) == existing
