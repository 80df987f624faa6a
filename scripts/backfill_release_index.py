"""Give published articles saved before the release index existed their GSI4 keys.

The digest planner reads its candidates from the sparse release index (GSI4, decision 0009):
an article gets its keys whenever it is saved, so one published before the index existed is
invisible to digests until it is edited or republished. Run this once after deploying the
release index, against the stack's table:

    .venv/bin/python scripts/backfill_release_index.py --table <TableName> [--endpoint URL]

It scans the table for article records that are published and have no GSI4 keys, and sets
the keys `index_keys` gives them (their release is their ``released_at``, else their
``published_at``), each in a conditional update, so running it twice, or while authors publish,
changes nothing twice and overwrites no newer keys. It prints how many records it updated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "common"))

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from byline.data.articles import index_keys


def backfill(client: Any, table: str) -> int:
    """Set the missing release-index keys of published articles; the number updated."""
    updated = 0
    deserializer = TypeDeserializer()
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        # pages are never in the release index (digests list posts only)
        FilterExpression=(
            "kind = :article AND #s = :published AND attribute_not_exists(GSI4PK) "
            "AND attribute_not_exists(page)"
        ),
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":article": {"S": "article"}, ":published": {"S": "published"}},
    )
    for page in pages:
        for item in page["Items"]:
            article = {name: deserializer.deserialize(value) for name, value in item.items()}
            keys = index_keys(article)
            try:
                client.update_item(
                    TableName=table,
                    Key={"PK": item["PK"], "SK": item["SK"]},
                    UpdateExpression="SET GSI4PK = :pk, GSI4SK = :sk",
                    ConditionExpression="#s = :published AND attribute_not_exists(GSI4PK)",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={
                        ":pk": {"S": keys["GSI4PK"]},
                        ":sk": {"S": keys["GSI4SK"]},
                        ":published": {"S": "published"},
                    },
                )
            except ClientError as error:  # saved (and so indexed) or unpublished meanwhile
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue
            updated += 1
    return updated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the stack's DynamoDB table name")
    parser.add_argument("--endpoint", help="a DynamoDB endpoint (the local stack's moto)")
    parser.add_argument("--region", default=None)
    arguments = parser.parse_args(argv)
    client = boto3.client("dynamodb", endpoint_url=arguments.endpoint, region_name=arguments.region)
    print(f"{backfill(client, arguments.table)} published articles given release-index keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
