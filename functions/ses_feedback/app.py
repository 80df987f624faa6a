"""SNS from the SES configuration set's event destination: a permanent bounce or a complaint
turns the subscriber's digests off; soft bounces are counted. Only the feedback topic's own
messages are read; SNS delivers at least once, and a repeated notification changes nothing."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source

from byline.observability import logger, metrics, tracer
from byline.services.ses_feedback import (
    Feedback,
    MalformedNotification,
    Outcome,
    feedback_service,
    parse,
)
from byline.settings import get_settings

_METRICS = {
    ("bounce", "suppressed"): "SesBounceSuppressed",
    ("complaint", "suppressed"): "SesComplaintSuppressed",
    ("bounce", "counted"): "SesSoftBounces",
}


def count(feedback: Feedback, outcome: Outcome) -> None:
    name = _METRICS.get((feedback.kind, outcome))
    if outcome == "not_ours":
        name = "SesFeedbackIgnored"
    elif outcome == "refused":
        name = "SesFeedbackRefused"
    if name:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=SNSEvent)
def lambda_handler(event: SNSEvent, context: Any) -> dict[str, dict[str, str]]:
    service = feedback_service()
    topic = get_settings().ses_feedback_topic_arn
    results: dict[str, dict[str, str]] = {}
    for record in event.records:
        sns = record.sns
        if not topic or sns.topic_arn != topic:
            logger.warning("SNS message from another topic ignored", extra={"topic": sns.topic_arn})
            metrics.add_metric(name="SesFeedbackIgnored", unit=MetricUnit.Count, value=1)
            continue
        try:
            feedback = parse(sns.message)
        except MalformedNotification as error:  # a retry would read the same bytes
            logger.error(
                "Unreadable SES notification",
                extra={"sns_message_id": sns.message_id, "error": str(error)},
            )
            metrics.add_metric(name="SesFeedbackUnreadable", unit=MetricUnit.Count, value=1)
            continue
        outcomes = service.handle(feedback)
        for outcome in outcomes.values():
            count(feedback, outcome)
        results[sns.message_id] = dict(outcomes)
    return results
