"""Content API keys for tests that share one local stack: a site holds at most MAX_KEYS, and
the tests that create keys without revoking them (the matrix, the fault cases) must not use
up the room the others need."""

from __future__ import annotations


def make_room(needed: int = 10) -> None:
    """Revoke the oldest keys of the stack until ``needed`` more fit under the limit. The
    site's key count exists afterwards (a first key adds it, later ones change it), so every
    run of a fault case changes the same items in the same way."""
    from byline.data import keys
    from byline.data.content_keys import ContentKeys
    from byline.data.table import table
    from byline.services.content_keys import MAX_KEYS

    table().update(
        keys.content_key_counter(),
        "ADD #count :zero",
        names={"#count": "count"},
        values={":zero": 0},
    )
    repository = ContentKeys(table())
    existing = repository.all()
    for record in existing[: max(0, len(existing) - (MAX_KEYS - needed))]:
        repository.remove(record)
