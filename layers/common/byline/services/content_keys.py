"""Content API keys: admins create, list and revoke them; the Content API verifies them.

A key is what Ghost calls a custom integration's Content API key: 26 lowercase hex characters
from 13 random bytes, sent by front-ends as ``?key=``. It grants reading what is public anyway,
so it is stored as it is and shown to admins at any time, as Ghost does
(docs/decisions/0017-content-api-keys.md).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from byline.auth.policy import Action, authorize
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.data.content_keys import ContentKeyRecord, ContentKeys
from byline.errors import NotFound
from byline.ghost.errors import MissingKey, RepeatedKey, UnknownKey
from byline.ids import looks_like_id, new_id
from byline.models.content_keys import ContentKey, ContentKeyCreate, ContentKeyList
from byline.observability import logger

MAX_KEYS = 50
"""Keys a site may hold: a site has a handful of front-ends; the limit bounds the listing."""

KEY_SHAPE = re.compile(r"[0-9a-f]{26}")


def new_key() -> str:
    """26 lowercase hex characters from 13 random bytes, as Ghost makes them."""
    return secrets.token_hex(13)


def _model(record: ContentKeyRecord) -> ContentKey:
    return ContentKey(
        id=record.id,
        name=record.name,
        key=record.key,
        created_at=record.created_at,
        created_by=record.created_by,
    )


@dataclass(frozen=True)
class ContentKeyService:
    keys: ContentKeys
    clock: Clock = utc_now
    limit: int = MAX_KEYS
    make_key: Callable[[], str] = new_key

    def create(self, principal: Principal, request: ContentKeyCreate) -> ContentKey:
        authorize(principal, Action.manage_content_keys)
        now = self.clock()
        record = ContentKeyRecord(
            id=new_id(now),
            name=request.name,
            key=self.make_key(),
            created_at=iso(now),
            created_by=principal.username,
        )
        self.keys.add(record, limit=self.limit)
        logger.info(
            "Content API key created", extra={"key_id": record.id, "by": principal.username}
        )
        return _model(record)

    def list(self, principal: Principal) -> ContentKeyList:
        authorize(principal, Action.manage_content_keys)
        return ContentKeyList(items=[_model(record) for record in self.keys.all()])

    def revoke(self, principal: Principal, key_id: str) -> None:
        """Delete the key: from the next request on it is unknown to the Content API. Who
        revoked it is logged (the items are gone, so the log is the record)."""
        authorize(principal, Action.manage_content_keys)
        record = self.keys.get(key_id) if looks_like_id(key_id) else None
        if record is None:
            raise NotFound("No such Content API key.")
        self.keys.remove(record)
        logger.info(
            "Content API key revoked",
            extra={
                "key_id": record.id,
                "key_name": record.name,
                "created_by": record.created_by,
                "by": principal.username,
            },
        )

    def verify(self, query_key: str | Sequence[str] | None) -> ContentKey:
        """The key of a Content API request, as the query string gave it (None: absent; a
        sequence: every ``key=`` given), or Ghost's error: 403 when absent or empty, 400 when
        given more than once, 401 when it is no key of this site. A value that cannot be a
        key is refused without a read."""
        record = self.keys.find(key_of(query_key))
        if record is None:
            raise UnknownKey()
        return _model(record)


def key_of(query_key: str | Sequence[str] | None) -> str:
    """The key a request names, checked without a read (its shape and number); the caller
    reads the key item, in the same request as what it reads first (Ghost's Content API)."""
    if query_key is not None and not isinstance(query_key, str):
        values = list(query_key)
        if len(values) > 1:
            raise RepeatedKey()
        query_key = values[0] if values else None
    if not query_key:
        raise MissingKey()
    if KEY_SHAPE.fullmatch(query_key) is None:
        raise UnknownKey()
    return query_key


@cache
def content_key_service() -> ContentKeyService:
    from byline.data.table import table

    return ContentKeyService(ContentKeys(table()))


def verify(query_key: str | Sequence[str] | None) -> ContentKey:
    """What a Content API route calls before anything else (see ContentKeyService.verify)."""
    return content_key_service().verify(query_key)
