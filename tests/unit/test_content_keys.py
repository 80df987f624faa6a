"""Content API keys without storage: their shape, and verify()'s answers before and after the
lookup (Ghost's statuses and errors, GHOST-CONTENT-API.md §3)."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

from byline.auth.principal import Principal
from byline.data.content_keys import ContentKeyRecord, ContentKeys
from byline.errors import Forbidden, NotFound
from byline.ghost.errors import MissingKey, RepeatedKey, UnknownKey
from byline.models.content_keys import ContentKeyCreate
from byline.services.content_keys import ContentKeyService, new_key

KEY = "0123456789abcdef0123456789"
RECORD = ContentKeyRecord(
    id="01jdq0z9k2m4n6p8r0s2t4", name="Site", key=KEY, created_at="t", created_by="ada"
)
EDITOR = Principal(username="ed", sub="ed", groups=("editor",))
ADMIN = Principal(username="ada", sub="ada", groups=("admin",))


class FakeKeys:
    def __init__(self) -> None:
        self.looked_up: list[str] = []
        self.added: list[ContentKeyRecord] = []

    def find(self, key: str) -> ContentKeyRecord | None:
        self.looked_up.append(key)
        return RECORD if key == KEY else None

    def get(self, key_id: str) -> ContentKeyRecord | None:
        self.looked_up.append(key_id)
        return None

    def add(self, record: ContentKeyRecord, *, limit: int) -> None:
        self.added.append(record)


def _service(fake: FakeKeys) -> ContentKeyService:
    return ContentKeyService(keys=cast(ContentKeys, fake))


def test_a_new_key_is_26_lowercase_hex_and_never_the_same():
    made = {new_key() for _ in range(50)}
    assert len(made) == 50
    assert all(re.fullmatch(r"[0-9a-f]{26}", key) for key in made)


@pytest.mark.parametrize("query_key", [None, "", [], [""]])
def test_no_key_or_an_empty_one_is_403_without_a_read(query_key: Any):
    fake = FakeKeys()
    with pytest.raises(MissingKey) as raised:
        _service(fake).verify(query_key)
    assert raised.value.status == 403
    assert fake.looked_up == []


@pytest.mark.parametrize("query_key", [[KEY, KEY], [KEY, "other"], ["", ""]])
def test_a_key_given_twice_is_400(query_key: list[str]):
    with pytest.raises(RepeatedKey) as raised:
        _service(FakeKeys()).verify(query_key)
    assert raised.value.status == 400


@pytest.mark.parametrize(
    "query_key", [KEY.upper(), KEY[:-1], KEY + "0", " " + KEY, KEY[:-1] + "g", "../../x"]
)
def test_what_cannot_be_a_key_is_401_without_a_read(query_key: str):
    fake = FakeKeys()
    with pytest.raises(UnknownKey) as raised:
        _service(fake).verify(query_key)
    assert raised.value.status == 401
    assert fake.looked_up == []


def test_a_well_formed_key_nobody_issued_is_401_after_one_lookup():
    fake = FakeKeys()
    with pytest.raises(UnknownKey):
        _service(fake).verify("f" * 26)
    assert fake.looked_up == ["f" * 26]


@pytest.mark.parametrize("query_key", [KEY, [KEY]])
def test_a_known_key_verifies(query_key: Any):
    verified = _service(FakeKeys()).verify(query_key)
    assert (verified.id, verified.key, verified.created_by) == (RECORD.id, KEY, "ada")


def test_only_admins_create_and_the_creator_is_recorded():
    fake = FakeKeys()
    with pytest.raises(Forbidden):
        _service(fake).create(EDITOR, ContentKeyCreate(name="x"))
    assert fake.added == []
    created = _service(fake).create(ADMIN, ContentKeyCreate(name="  My Eleventy site "))
    assert created.name == "My Eleventy site"
    assert created.created_by == "ada"
    assert fake.added[0].key == created.key


def test_revoking_an_id_of_the_wrong_shape_is_404_without_a_read():
    fake = FakeKeys()
    with pytest.raises(NotFound):
        _service(fake).revoke(ADMIN, "not-an-id")
    assert fake.looked_up == []
