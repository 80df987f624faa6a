"""scripts/backfill_release_index.py gives articles published before the release index existed
their GSI4 keys, so the digest planner (which reads only GSI4) sees them again; against moto."""

from __future__ import annotations

from typing import Any

import boto3

from byline.data import keys
from tests.support.article_helpers import create, published_article
from tests.support.identity_helpers import make_user
from tests.support.scripts import load_script


def _release_index(client: Any, table: str) -> list[str]:
    pages = client.get_paginator("query").paginate(
        TableName=table,
        IndexName="GSI4",
        KeyConditionExpression="GSI4PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.released_feed()}},
    )
    return [item["id"]["S"] for page in pages for item in page["Items"]]


def test_published_articles_without_release_keys_get_them_once(local_api, stack_resources):
    client = boto3.client("dynamodb")
    table = stack_resources["TABLE_NAME"]
    author = make_user(local_api, "author")
    old = published_article(local_api, author, title="Published before the release index")
    draft = create(local_api, author, title="A draft is not released")
    key = {"PK": {"S": f"ARTICLE#{old['id']}"}, "SK": {"S": "ARTICLE"}}
    before = client.get_item(TableName=table, Key=key)["Item"]
    # as a record saved by the code before the index existed: no GSI4 keys
    client.update_item(TableName=table, Key=key, UpdateExpression="REMOVE GSI4PK, GSI4SK")
    assert old["id"] not in _release_index(client, table)

    script = load_script("backfill_release_index")
    assert script.backfill(client, table) >= 1
    after = client.get_item(TableName=table, Key=key)["Item"]
    assert (after["GSI4PK"], after["GSI4SK"]) == (before["GSI4PK"], before["GSI4SK"])
    listed = _release_index(client, table)
    assert old["id"] in listed
    assert draft["id"] not in listed
    assert script.backfill(client, table) == 0  # a second run changes nothing


def test_attribute_values_are_read_as_dynamodb_types(local_api, stack_resources):
    """A NULL is None (not True), a number a number, a list a list: a record whose
    ``released_at`` is NULL is released at its ``published_at``."""
    client = boto3.client("dynamodb")
    table = stack_resources["TABLE_NAME"]
    author = make_user(local_api, "author")
    old = published_article(local_api, author, tags=["backfill"], title="Typed attributes")
    key = {"PK": {"S": f"ARTICLE#{old['id']}"}, "SK": {"S": "ARTICLE"}}
    client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET released_at = :null, reading_minutes = :n, tags = :list "
        "REMOVE GSI4PK, GSI4SK",
        ExpressionAttributeValues={
            ":null": {"NULL": True},
            ":n": {"N": "7"},
            ":list": {"L": [{"S": "backfill"}, {"S": "typed"}]},
        },
    )

    assert load_script("backfill_release_index").backfill(client, table) >= 1
    after = client.get_item(TableName=table, Key=key)["Item"]
    assert after["GSI4PK"] == {"S": keys.released_feed()}
    published_at = after["published_at"]["S"]
    assert after["GSI4SK"] == {"S": keys.timeline_sort(published_at, old["id"])}


def test_published_pages_are_left_out_of_the_release_index(local_api, stack_resources):
    """Pages never reach digests: the backfill leaves them without release keys (it used to
    send them index keys of None, and failed)."""
    client = boto3.client("dynamodb")
    table = stack_resources["TABLE_NAME"]
    editor = make_user(local_api, "editor")
    page = published_article(local_api, editor, title="About", type="page")
    script = load_script("backfill_release_index")
    script.backfill(client, table)
    key = {"PK": {"S": f"ARTICLE#{page['id']}"}, "SK": {"S": "ARTICLE"}}
    assert "GSI4PK" not in client.get_item(TableName=table, Key=key)["Item"]
    assert page["id"] not in _release_index(client, table)
