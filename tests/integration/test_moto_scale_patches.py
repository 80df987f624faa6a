"""``MotoServer(scale_patches=True)`` (what the benchmarks run) behaves like plain moto: the same
scenarios give the same items, errors and queue counts on both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.bootstrap import client
from local.moto_server import MotoServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def patched_endpoint() -> Iterator[str]:
    with MotoServer(0, scale_patches=True) as server:
        yield server.endpoint


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": _s(pk), "SK": _s(sk)}


def _transactions(endpoint: str) -> list[Any]:
    """Three transactions on a fresh table (one applies, two are cancelled) and what each
    leaves behind."""
    ddb = client("dynamodb", endpoint)
    name = f"t{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for sk in ("counter", "kept", "doomed"):
        ddb.put_item(TableName=name, Item={**_key("A", sk), "n": {"N": "1"}})
    increment = {
        "Update": {
            "TableName": name,
            "Key": _key("A", "counter"),
            "UpdateExpression": "SET n = n + :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    scenarios = [
        [increment, {"Put": {"TableName": name, "Item": _key("A", "new")}}],
        [
            increment,
            {"Put": {"TableName": name, "Item": _key("A", "another")}},
            {"Delete": {"TableName": name, "Key": _key("A", "doomed")}},
            {
                "Put": {
                    "TableName": name,
                    "Item": {**_key("A", "kept"), "n": {"N": "9"}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ],
        [increment, {"Delete": {"TableName": name, "Key": _key("A", "counter")}}],
    ]
    outcomes: list[Any] = []
    for items in scenarios:
        try:
            ddb.transact_write_items(TransactItems=items)
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
        stored = ddb.query(
            TableName=name,
            KeyConditionExpression="PK = :a",
            ExpressionAttributeValues={":a": _s("A")},
        )["Items"]
        outcomes.append(sorted((i["SK"]["S"], i.get("n", {}).get("N")) for i in stored))
    return outcomes


def _queue(endpoint: str) -> list[Any]:
    sqs = client("sqs", endpoint)
    url = sqs.create_queue(QueueName=f"q{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)]
    )
    sqs.send_message(QueueUrl=url, MessageBody="last")
    counted = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    return [counted["ApproximateNumberOfMessages"], len(received)]


def test_transactions_apply_and_roll_back_exactly_as_plain_moto(moto_endpoint, patched_endpoint):
    patched = _transactions(patched_endpoint)
    assert patched == _transactions(moto_endpoint)
    assert patched[0] == "ok"
    assert patched[2] == "TransactionCanceledException"
    assert patched[3] == [("counter", "2"), ("doomed", "1"), ("kept", "1"), ("new", None)]


def test_queues_send_and_count_as_plain_moto(moto_endpoint, patched_endpoint):
    assert _queue(patched_endpoint) == _queue(moto_endpoint) == ["11", 10]
