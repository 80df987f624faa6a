"""Rebuild the Content API's catalogue from the articles themselves.

The catalogue (byline/data/catalogue.py, decision 0018) is kept in step by every article save,
so a table whose articles were published before it existed has none of it: no ``CATALOGUE``
counters (``ALL``, ``AUTHOR#<u>``, ``FEATURED``) with their day (``d20261130``) and size-class
(``z3``) counts, no day counts on the tag counters, no ``AUTHORPOSTS#<u>`` or ``FEATURED``
entries, no ``GHOSTID#`` lookups, and sitemap and tag entries without the newer fields (title,
author, tags, featured): browses would give wrong totals. Run this after deploying the
catalogue, and again whenever counts are suspected wrong, against the stack's table:

    .venv/bin/python scripts/rebuild_catalogue.py --table <TableName> [--endpoint URL]

It scans the table once (articles, the catalogue's counters and entries, the tag counters and
entries, the sitemap entries and Content API id lookups) and recomputes from every listed
article (published, not a page) and every published page (its id lookup only), from scratch:
each counter's day and size-class counts (set as computed; a count the recomputation lacks is
removed; a tag counter's ``articles`` set to its listed posts), the author, featured, sitemap
and tag entries as ``Articles.save`` writes them (stale author and featured entries deleted)
and the id lookups. It writes only what differs from what is stored and prints each change, so
a second run changes nothing and it is safe to re-run.

A known limit: it writes no conditions, so an article saved while it runs (between its scan
and its writes) can leave a count or an entry off until the next run; run it again when
traffic is quiet if saves raced with it. An article item that lacks attributes every article
has (a damaged item) is named on stderr, left out, and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "common"))

import boto3

from byline.data import keys
from byline.data.articles import ArticleRecord, IncompleteItem, sitemap_entry, tag_entry
from byline.data.catalogue import (
    author_entry_key,
    day_moves,
    entry_item,
    featured_entry_key,
    ghost_id_item,
    is_count_attribute,
    is_listed,
    size_moves,
)
from byline.data.table import Item, delete_op, deserialize, put_op, serialize, update_op

Key = tuple[str, str]

READ_KINDS = ("article", "sitemap-entry", "tag-entry", "catalogue-entry", "ghost-id", "tag")
"""What the scan reads (besides the ``CATALOGUE`` partition, whose ``ALL`` and ``FEATURED``
counters have no kind)."""


@dataclass
class Rebuilt:
    changes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Counter:
    counts: Counter[str] = field(default_factory=Counter)
    attributes: dict[str, Any] = field(default_factory=dict)


def _key(item: Mapping[str, Any]) -> Key:
    return str(item["PK"]), str(item["SK"])


def _scan(client: Any, table: str) -> Iterator[Item]:
    values = {f":k{i}": {"S": kind} for i, kind in enumerate(READ_KINDS)}
    values[":catalogue"] = {"S": keys.catalogue_partition()}
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression=f"#kind IN ({', '.join(f':k{i}' for i in range(len(READ_KINDS)))}) "
        "OR PK = :catalogue",
        ExpressionAttributeNames={"#kind": "kind"},
        ExpressionAttributeValues=values,
    )
    for page in pages:
        yield from (deserialize(item) for item in page["Items"])


def _recompute(
    articles: list[Item], existing: Mapping[Key, Item]
) -> tuple[dict[Key, Item], dict[Key, _Counter]]:
    """The entries and lookups every published article needs, and every counter as it should
    be (the ones stored now included, so counts nobody accounts for are removed)."""
    wanted: dict[Key, Item] = {}
    counters: dict[Key, _Counter] = {}
    for key in (keys.catalogue_all(), keys.catalogue_featured()):
        counters[_key(key)] = _Counter()
    for key, item in existing.items():
        if key[0] == keys.catalogue_partition():
            counters[key] = _Counter()
        elif item.get("kind") == "tag":
            counters[key] = _Counter(attributes={"articles": 0})

    def count(counter: keys.Key, moves: Mapping[str, int], **attributes: Any) -> None:
        found = counters.setdefault(_key(counter), _Counter())
        found.counts.update(moves)
        found.attributes.update(attributes)

    for article in articles:
        if article.get("status") != "published":
            continue
        lookup = ghost_id_item(article)
        wanted[_key(lookup)] = lookup
        if not is_listed(article):
            continue  # a page: only its id lookup
        days = day_moves(None, article)
        count(keys.catalogue_all(), days | size_moves(None, article))
        author = str(article["author"])
        count(keys.catalogue_author(author), days, author=author, kind="catalogue-author")
        entries = [sitemap_entry(article), entry_item(author_entry_key(article), article)]
        if article.get("featured"):
            count(keys.catalogue_featured(), days)
            entries.append(entry_item(featured_entry_key(article), article))
        by_counter = {_key(keys.tag_counter(tag)): tag for tag in sorted(set(article["tags"]))}
        for counter_key, tag in by_counter.items():
            stored = existing.get(counter_key, {}).get("tag")
            counter = counters.setdefault(counter_key, _Counter(attributes={"articles": 0}))
            counter.counts.update(days)
            counter.attributes["articles"] += 1
            counter.attributes.setdefault("tag", stored if stored is not None else tag)
            counter.attributes["kind"] = "tag"
            entries.append(tag_entry(tag, article))
        wanted.update((_key(entry), entry) for entry in entries)
    return wanted, counters


def _counter_update(key: Key, counter: _Counter, stored: Mapping[str, Any]) -> tuple[Any, str]:
    """The update that makes the stored counter the recomputed one (None: it already is)."""
    target = {**counter.attributes, **counter.counts}
    sets = {name: value for name, value in sorted(target.items()) if stored.get(name) != value}
    removes = sorted(name for name in stored if is_count_attribute(name) and name not in target)
    if not sets and not removes:
        return None, ""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses = []
    for i, (name, value) in enumerate(sets.items()):
        names[f"#s{i}"], values[f":s{i}"] = name, value
        clauses.append(f"#s{i} = :s{i}")
    for i, name in enumerate(removes):
        names[f"#r{i}"] = name
    expression = " ".join(
        part
        for part in (
            "SET " + ", ".join(clauses) if clauses else "",
            "REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes))) if removes else "",
        )
        if part
    )
    described = ", ".join(
        [f"{name}={value}" for name, value in sets.items()] + [f"-{name}" for name in removes]
    )
    operation = update_op({"PK": key[0], "SK": key[1]}, expression, names=names, values=values)
    return operation, f"counter {key[0]} {key[1]}: {described}"


def rebuild(client: Any, table: str) -> Rebuilt:
    """Make the catalogue what the stored articles say it is; what changed, and what was
    left out (damaged article items)."""
    report = Rebuilt()
    articles: list[Item] = []
    existing: dict[Key, Item] = {}
    for item in _scan(client, table):
        if item.get("kind") != "article":
            existing[_key(item)] = item
            continue
        try:
            articles.append(ArticleRecord.from_item(item).to_item())
        except IncompleteItem as damaged:
            report.skipped.append(str(damaged))
    wanted, counters = _recompute(articles, existing)

    for key, item in sorted(wanted.items()):
        stored = existing.get(key)
        if stored is None or serialize(stored) != serialize(item):
            client.put_item(TableName=table, **put_op(item)["Put"])
            report.changes.append(f"put {item['kind']} {key[0]} {key[1]}")
    for key, counter in sorted(counters.items()):
        operation, described = _counter_update(key, counter, existing.get(key, {}))
        if operation is not None:
            client.update_item(TableName=table, **operation["Update"])
            report.changes.append(described)
    for key, item in sorted(existing.items()):
        if item.get("kind") == "catalogue-entry" and key not in wanted:
            client.delete_item(TableName=table, **delete_op({"PK": key[0], "SK": key[1]})["Delete"])
            report.changes.append(f"deleted stale catalogue-entry {key[0]} {key[1]}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the stack's DynamoDB table name")
    parser.add_argument("--endpoint", help="a DynamoDB endpoint (the local stack's moto)")
    parser.add_argument("--region", default=None)
    arguments = parser.parse_args(argv)
    client = boto3.client("dynamodb", endpoint_url=arguments.endpoint, region_name=arguments.region)
    report = rebuild(client, arguments.table)
    for change in report.changes:
        print(change)
    for damaged in report.skipped:
        print(f"left out (damaged): {damaged}", file=sys.stderr)
    print(f"{len(report.changes)} catalogue items changed")
    return 1 if report.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
