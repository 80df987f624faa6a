"""S3 ObjectCreated under media/: keep the upload only if it really is the declared image."""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source

from byline.observability import logger, metrics, tracer
from byline.services.media import Outcome, media_service

_METRICS = {Outcome.accepted: "MediaAccepted", Outcome.rejected: "MediaRejected"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: Any) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)
        version_id = record.s3.get_object.version_id
        decision = media_service().validate_upload(record.s3.bucket.name, key, version_id)
        outcome = decision.outcome
        logger.info(
            "Media upload checked",
            extra={"media_key": key, "outcome": outcome, "reason": decision.reason},
        )
        if outcome in _METRICS:
            metrics.add_metric(name=_METRICS[outcome], unit=MetricUnit.Count, value=1)
        outcomes[key] = outcome.value
    return outcomes
