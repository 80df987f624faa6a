"""Every minute: publish the scheduled articles whose time has come, exactly once each."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from byline.observability import logger, metrics, tracer
from byline.services.articles import article_service


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    published = article_service().publish_due()
    metrics.add_metric(name="ArticlesPublished", unit=MetricUnit.Count, value=published)
    logger.info("Scheduled publishing ran", extra={"published": published})
    return {"published": published}
