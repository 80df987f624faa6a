"""Plain boto3 clients on the stack's moto (not the layer's, whose calls tests record or fault) and
draining an SQS queue."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _plain(service: str) -> Any:
    import boto3

    from byline.settings import get_settings

    return boto3.session.Session().client(
        service, region_name="us-east-1", endpoint_url=get_settings().aws_endpoint_url
    )


def _drain(sqs: Any, queue: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        found.extend(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
