"""Every quarter-hour: queue one message per subscriber whose digest is due in the quarter-hour
the scheduled event names (its ``time``), so a late or retried run plans its own slot and a
missed one can be replayed with an event naming it (docs/decisions/0009-digests.md)."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from byline.observability import logger, metrics, tracer
from byline.services.digests import digest_service


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    at = datetime.fromisoformat(event["time"]) if event.get("time") else None
    # a slot ahead of the clock is refused (the invocation fails, so it is seen) unless the
    # event says it means it: {"detail": {"plan_ahead": true}} (the local demo's next hour)
    ahead_ok = (event.get("detail") or {}).get("plan_ahead") is True
    outcome = digest_service().plan(at=at, ahead_ok=ahead_ok)  # to the digest queue
    metrics.add_metric(name="DigestsPlanned", unit=MetricUnit.Count, value=outcome.planned)
    logger.info("Digests planned", extra=outcome.__dict__)
    if outcome.failed_to_queue:
        # the retry re-plans the hour; subscribers already queued are protected by their claim
        raise RuntimeError(f"{outcome.failed_to_queue} subscribers could not be queued")
    return outcome.__dict__
