"""scripts/rebuild_catalogue.py gives a table whose articles were published before the Content
API's catalogue existed that catalogue, so browses, filters and reads by id answer as they do
for articles saved since; against moto, through the local stack's Content API. The rebuild
covers the whole table (other modules' articles on this worker's stack included), as it would
in production."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
import requests

from byline.data import keys
from tests.support.article_helpers import create, publish, published_article
from tests.support.content_keys import make_room
from tests.support.identity_helpers import make_user
from tests.support.scripts import load_script

pytestmark = pytest.mark.integration

NEWER_ENTRY_FIELDS = ("title", "author", "tags", "featured")
"""What sitemap entries gained with the catalogue (tag entries gained ``featured``)."""


def ghost(base: str, path: str, key: str, **params: str) -> requests.Response:
    return requests.get(
        f"{base}/ghost/api/content/{path}", params={"key": key} | params, timeout=30
    )


def ok(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def walk(base: str, key: str, **params: str) -> list[dict[str, Any]]:
    """Every page of a browse (its whole bodies), following meta.pagination.next."""
    bodies: list[dict[str, Any]] = []
    page: int | None = 1
    params = {"limit": "100", **params}  # the stack is shared: other modules' posts too
    while page is not None:
        bodies.append(ok(ghost(base, "posts/", key, page=str(page), **params)))
        page = bodies[-1]["meta"]["pagination"]["next"]
        assert len(bodies) < 500
    return bodies


@pytest.fixture(scope="module")
def key(local_api) -> str:
    admin = make_user(local_api, "admin")
    make_room()
    response = requests.post(
        f"{local_api}/content-keys", json={"name": "rebuild tests"}, headers=admin.auth, timeout=30
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


@pytest.fixture(scope="module")
def site(local_api) -> dict[str, Any]:
    """An author's four tagged posts (one of them larger), an editor's featured post with the
    same tag, and the editor's published page."""
    author, editor = make_user(local_api, "author"), make_user(local_api, "editor")
    tag = f"rb{uuid.uuid4().hex[:8]}"
    posts = [
        published_article(local_api, author, title=f"Rebuilt {i}", tags=[tag], body=body)
        for i, body in enumerate(["One", "Two **2**", "x" * 40_000, "Four"])
    ]
    featured = published_article(local_api, editor, title="Featured", tags=[tag], featured=True)
    page = publish(local_api, editor, create(local_api, editor, title="About", type="page"))
    return {"author": author, "tag": tag, "posts": posts, "featured": featured, "page": page}


def answers(base: str, key: str, site: dict[str, Any]) -> dict[str, Any]:
    """What a front-end reads of the site: browses by tag, author and featured (every page,
    whole bodies), every post, reads by id, and counts of posts per tag and author."""
    page_id = ok(ghost(base, f"pages/slug/{site['page']['slug']}/", key))["pages"][0]["id"]
    everything = walk(base, key, limit="3")
    ids = [p["id"] for body in everything for p in body["posts"]]
    return {
        "tag": walk(base, key, filter=f"tag:{site['tag']}", limit="2"),
        "author": walk(base, key, filter=f"author:{site['author'].username}", limit="3"),
        "featured": walk(base, key, filter="featured:true", limit="2"),
        "all": everything,
        "posts by id": [ok(ghost(base, f"posts/{i}/", key)) for i in ids],
        "page by id": ok(ghost(base, f"pages/{page_id}/", key)),
        "tag count": ok(ghost(base, f"tags/slug/{site['tag']}/", key, include="count.posts")),
        "authors": ok(ghost(base, "authors/", key, include="count.posts", limit="all")),
    }


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("scan").paginate(TableName=table)
    return [item for page in pages for item in page["Items"]]


def forget_the_catalogue(client: Any, table: str) -> None:
    """The table as the code before the catalogue left it: no CATALOGUE counters, no day
    counts on the tag counters, no author or featured entries, no Content API id lookups,
    sitemap entries without title, author, tags or featured, tag entries without featured."""
    for item in _scan(client, table):
        key = {"PK": item["PK"], "SK": item["SK"]}
        kind = item.get("kind", {}).get("S")
        if item["PK"]["S"] == keys.catalogue_partition() or kind in ("catalogue-entry", "ghost-id"):
            client.delete_item(TableName=table, Key=key)
        elif kind == "tag":
            days = [n for n in item if n.startswith("d") and n[1:].isdigit()]
            if days:
                names = {f"#d{i}": n for i, n in enumerate(days)}
                client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="REMOVE " + ", ".join(names),
                    ExpressionAttributeNames=names,
                )
        elif (
            kind in ("sitemap-entry", "tag-entry")
            and item["PK"]["S"] != keys.page_sitemap_partition()
        ):
            fields = NEWER_ENTRY_FIELDS if kind == "sitemap-entry" else ("featured",)
            names = {f"#f{i}": n for i, n in enumerate(fields)}
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="REMOVE " + ", ".join(names),
                ExpressionAttributeNames=names,
            )


def test_a_table_without_the_catalogue_answers_as_before_once_rebuilt(
    local_api, stack_resources, key, site
):
    client = boto3.client("dynamodb")
    table = stack_resources["TABLE_NAME"]
    before = answers(local_api, key, site)
    assert before["tag"][0]["meta"]["pagination"]["total"] == 5
    assert before["author"][0]["meta"]["pagination"]["total"] == 4
    assert site["featured"]["slug"] in {p["slug"] for b in before["featured"] for p in b["posts"]}

    forget_the_catalogue(client, table)
    tag_total = ok(ghost(local_api, "posts/", key, filter=f"tag:{site['tag']}"))
    assert tag_total["meta"]["pagination"]["total"] != 5  # the old data's wrong answer
    page_id = before["page by id"]["pages"][0]["id"]
    assert ghost(local_api, f"pages/{page_id}/", key).status_code == 404

    report = load_script("rebuild_catalogue").rebuild(client, table)
    assert any(c.startswith("counter CATALOGUE ALL") for c in report.changes)
    assert answers(local_api, key, site) == before


def test_a_second_run_changes_nothing(stack_resources, site):
    client = boto3.client("dynamodb")
    script = load_script("rebuild_catalogue")
    script.rebuild(client, stack_resources["TABLE_NAME"])
    assert script.rebuild(client, stack_resources["TABLE_NAME"]).changes == []


def test_wrong_counts_and_stale_entries_are_corrected(local_api, stack_resources, key, site):
    client = boto3.client("dynamodb")
    table = stack_resources["TABLE_NAME"]
    before = answers(local_api, key, site)
    counter = {name: {"S": value} for name, value in keys.tag_counter(site["tag"]).items()}
    day = keys.day_attribute(site["posts"][0]["published_at"])
    client.update_item(
        TableName=table,
        Key=counter,
        UpdateExpression="SET d19990101 = :two, #today = :many, articles = :many",
        ExpressionAttributeNames={"#today": day},
        ExpressionAttributeValues={":two": {"N": "2"}, ":many": {"N": "40"}},
    )
    client.update_item(
        TableName=table,
        Key={name: {"S": value} for name, value in keys.catalogue_all().items()},
        UpdateExpression="SET z400 = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    stale = keys.featured_post("2001-01-01T00:00:00Z", "gone")
    client.put_item(
        TableName=table,
        Item={
            "PK": {"S": stale["PK"]},
            "SK": {"S": stale["SK"]},
            "kind": {"S": "catalogue-entry"},
            "id": {"S": "gone"},
        },
    )
    wrong = ok(ghost(local_api, "posts/", key, filter=f"tag:{site['tag']}"))
    assert wrong["meta"]["pagination"]["total"] == 42

    changes = load_script("rebuild_catalogue").rebuild(client, table).changes
    assert f"counter TAGS {counter['SK']['S']}: articles=5, {day}=5, -d19990101" in changes
    assert "counter CATALOGUE ALL: -z400" in changes
    assert f"deleted stale catalogue-entry FEATURED {stale['SK']}" in changes
    stored = client.get_item(TableName=table, Key=counter)["Item"]
    assert "d19990101" not in stored
    assert (stored["articles"], stored[day]) == ({"N": "5"}, {"N": "5"})
    assert answers(local_api, key, site) == before
