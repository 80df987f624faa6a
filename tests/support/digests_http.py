"""Subscribing, following and one whole digest cycle through the local stack, for the tests that
need a subscriber with mail (digests, preferences, welcome, SES feedback, request budget, least
privilege)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from local.events import scheduled_event
from local.outbox import sent_emails
from local.runtime import SqsPoller, function_specs, sqs_mappings


def subscribe(base, user, **fields):
    body = {"cadence": "daily", "hour": datetime.now(UTC).hour, "timezone": "UTC", **fields}
    response = requests.put(f"{base}/me/subscription", json=body, headers=user.auth, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def follow(base, user, tag, muted=False):
    response = requests.put(
        f"{base}/me/follows/tags/{tag}", json={"muted": muted}, headers=user.auth, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def next_digest_slot():
    """The slot of the next digest of ``subscribe``'s subscribers: this UTC hour, tomorrow
    (today's was past when they subscribed)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)


def run_digest_cycle(local_stack):
    """Plan the next digest of ``subscribe``'s subscribers, as the schedule's event for its
    slot would, then drain the queue."""
    local_stack.runtime.invoke(
        "DigestPlannerFunction",
        scheduled_event(
            "arn:aws:events:us-east-1:123456789012:rule/digest",
            next_digest_slot(),
            detail={"plan_ahead": True},  # tomorrow's slot, planned now
        ),
    )
    stack = local_stack.stack
    mapping = next(
        m
        for m in sqs_mappings(function_specs(stack), stack)
        if m.logical_id == "DigestWorkerFunction"
    )
    poller = SqsPoller(local_stack.runtime, mapping, stack)
    while poller.poll_once(wait_seconds=0) is not None:
        pass


def mail_for(local_stack, user):
    """The digests ``user`` was sent (not the welcome their subscribing brought)."""
    return [
        m
        for m in sent_emails(local_stack.stack.endpoint)
        if user.email in m.recipients and not m.subject.startswith("Welcome to the Byline digest")
    ]
