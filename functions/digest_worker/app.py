"""Digest queue consumer: one subscriber per message (a digest, or the welcome of a
subscription that just started); failed messages alone are retried
(partial batch responses), and after the queue's limit they land in its dead-letter queue."""

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from byline.observability import logger, metrics, tracer
from byline.services import welcome
from byline.services.digests import digest_service

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
METRICS = {
    "sent": "DigestsSent",
    "empty": "DigestsSkipped",
    "duplicate": "DigestsDuplicate",
    "unconfirmed": "DigestsUnconfirmed",
    "failed": "DigestsNotBuilt",
    "welcome_sent": "WelcomesSent",
    "welcome_skipped": "WelcomesSkipped",
    "welcome_late": "WelcomesLate",
}


def deliver(record: SQSRecord) -> str:
    message = json.loads(record.body)
    welcoming = message.get("kind") == welcome.KIND
    try:
        if welcoming:
            outcome = welcome.welcome_service().deliver_message(message)
        else:
            outcome = digest_service().deliver_message(message)
    except Exception:
        name = "WelcomesFailed" if welcoming else "DigestsFailed"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        what = "Welcome" if welcoming else "Digest"
        logger.exception(f"{what} failed", extra={"username": message.get("username")})
        raise
    if outcome in METRICS:
        metrics.add_metric(name=METRICS[outcome], unit=MetricUnit.Count, value=1)
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=deliver, processor=processor, context=context
    )
