"""local.events.sns_event is what SNS hands a subscribed function, and events/ses_feedback.json
is one of them: powertools reads both, and the SES record inside parses as a bounce."""

from __future__ import annotations

import json
from pathlib import Path

from aws_lambda_powertools.utilities.data_classes import SNSEvent

from byline.services.ses_feedback import parse
from local.events import ses_event_record, sns_event

TOPIC = "arn:aws:sns:us-east-1:123456789012:byline-local-ses-feedback"
SAMPLE = Path(__file__).resolve().parents[2] / "events" / "ses_feedback.json"


def test_an_sns_event_carries_each_message_as_published():
    messages = [json.dumps(ses_event_record("Complaint", ["a@example.com"])), "plain text"]
    event = SNSEvent(sns_event(messages, TOPIC))
    records = list(event.records)
    assert [r.sns.message for r in records] == messages
    assert {r.sns.topic_arn for r in records} == {TOPIC}
    assert {r.event_source for r in records} == {"aws:sns"}
    assert records[0].sns.subject is None
    assert records[0].event_subscription_arn.startswith(f"{TOPIC}:")


def test_the_sample_event_is_a_permanent_bounce_of_the_seeded_readers_digest():
    event = SNSEvent(json.loads(SAMPLE.read_text()))
    (record,) = event.records
    assert record.sns.topic_arn == TOPIC  # the local stack's topic (Stage local)
    feedback = parse(record.sns.message)
    assert (feedback.kind, feedback.bounce_type, feedback.suppresses) == (
        "bounce",
        "Permanent",
        True,
    )
    assert feedback.addresses == ("reader@example.com",)
    assert feedback.tag("byline-user") == "reader"
    assert feedback.tag("ses:configuration-set") == "byline-local"
