"""Domain events on the Byline EventBridge bus, for other systems to subscribe to."""

from __future__ import annotations

import json
from typing import Any

from byline import aws
from byline.observability import logger, metrics
from byline.settings import get_settings

SOURCE = "byline.articles"


def publish(detail_type: str, detail: dict[str, Any]) -> bool:
    """Put one event; a failure is logged and counted, never raised into the request that
    already committed its change (see docs/decisions/0005)."""
    from aws_lambda_powertools.metrics import MetricUnit

    bus = get_settings().event_bus_name
    if not bus:
        return False
    entry = {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, default=str, separators=(",", ":")),
        "EventBusName": bus,
    }
    try:
        response = aws.events().put_events(Entries=[entry])  # type: ignore[list-item]
        failed = int(response.get("FailedEntryCount", 0))
    except Exception:
        logger.exception("Could not put a domain event", extra={"detail_type": detail_type})
        failed = 1
    if failed:
        metrics.add_metric(name="DomainEventFailures", unit=MetricUnit.Count, value=1)
        return False
    return True
