"""The floor: GET /articles/{slug} and POST /articles with nothing but boto3 and json.

The least a Python handler can import and do for these routes: one client created at module
level as a typical handler does, the same DynamoDB requests as Byline's functions (a Query on
GSI1 by slug; the caller's profile, whose stored role decides, then one TransactWriteItems
that claims the slug and puts the draft), JSON in and out,
no validation beyond what the code needs not to crash, no logging, tracing or metrics. For
comparison only (bench/cold_start.py, bench/warm.py); it is deployed nowhere.

The POST renders Markdown with Byline's own content module, imported on first use: the warm
comparison is then about the code around the same content work, and the floor's cold start stays
boto3 and json.
"""

import json
import os
import time
import uuid

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

TABLE = os.environ.get("TABLE_NAME", "byline")
dynamodb = boto3.client("dynamodb")
_deserialize = TypeDeserializer().deserialize
_serialize = TypeSerializer().serialize


def _json(status, body, **headers):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps(body, default=str),
    }


def get_article(slug):
    found = dynamodb.query(
        TableName=TABLE,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SLUG#{slug}"}},
    )["Items"]
    if not found:
        return _json(404, {"title": "Not Found", "status": 404})
    item = {k: _deserialize(v) for k, v in found[0].items()}
    if item.get("status") != "published":
        return _json(404, {"title": "Not Found", "status": 404})
    for key in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "kind"):
        item.pop(key, None)
    return _json(200, item)


def create_article(event):
    from byline.content.markdown import render
    from byline.content.reading_time import reading_minutes
    from byline.content.slugs import slugify

    draft = json.loads(event.get("body") or "{}")
    claims = event["requestContext"]["authorizer"]["claims"]
    profile = dynamodb.get_item(
        TableName=TABLE,
        Key={"PK": {"S": f"USER#{claims['cognito:username']}"}, "SK": {"S": "PROFILE"}},
        ConsistentRead=True,
    ).get("Item", {})
    if profile.get("sub", {}).get("S") != claims["sub"] or profile.get("role", {}).get("S") not in {
        "author",
        "editor",
        "admin",
    }:
        return _json(403, {"detail": "Authors only."})
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    article_id = uuid.uuid4().hex
    rendered = render(draft.get("body", ""))
    item = {
        "id": article_id,
        "author": claims["cognito:username"],
        "status": "draft",
        "title": draft["title"],
        "slug": slugify(draft["title"]),
        "body": draft.get("body", ""),
        "html": rendered.html,
        "tags": draft.get("tags", []),
        "reading_minutes": reading_minutes(rendered.text, rendered.images),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    record = {"PK": f"ARTICLE#{article_id}", "SK": "ARTICLE", "GSI1PK": f"SLUG#{item['slug']}"}
    claim = {"PK": f"SLUG#{item['slug']}", "SK": "SLUG", "article_id": article_id}
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {k: _serialize(v) for k, v in claim.items()},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {k: _serialize(v) for k, v in {**record, **item}.items()},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
    )
    return _json(201, item, Location=f"/articles/{item['slug']}")


def lambda_handler(event, context):
    if event["httpMethod"] == "POST":
        return create_article(event)
    return get_article(event["pathParameters"]["article"])
