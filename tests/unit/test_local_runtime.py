"""Schedules and the SQS batch rules of the local runtime, with injected times (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from local.runtime import (
    Invocation,
    Schedule,
    ScheduleError,
    Scheduler,
    SqsMapping,
    SqsPoller,
    next_fire,
)

START = datetime(2026, 11, 25, 12, 0, 30, tzinfo=UTC)  # a Wednesday


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("rate(1 minute)", START, START + timedelta(minutes=1)),
        ("rate(5 minutes)", START + timedelta(minutes=7), START + timedelta(minutes=10)),
        ("rate(2 hours)", START, START + timedelta(hours=2)),
        ("rate(1 day)", START, START + timedelta(days=1)),
        ("cron(0 3 * * ? *)", START, at("2026-11-26T03:00")),
        ("cron(0/15 * * * ? *)", START, at("2026-11-25T12:15")),
        ("cron(15 10 ? * MON-FRI *)", at("2026-11-27T11:00"), at("2026-11-30T10:15")),
        ("cron(0 8 ? * 1 *)", START, at("2026-11-29T08:00")),  # 1 is Sunday
        ("cron(0 12 1 JAN ? 2027)", START, at("2027-01-01T12:00")),
        ("cron(30 9,17 * * ? *)", at("2026-11-25T10:00"), at("2026-11-25T17:30")),
    ],
)
def test_next_fire_time(expression: str, after: datetime, expected: datetime):
    assert next_fire(expression, after, START) == expected


@pytest.mark.parametrize(
    "expression",
    ["rate(0 minutes)", "every minute", "cron(0 3 * *)", "cron(0 3 L * ? *)", "cron(99 * * * ? *)"],
)
def test_unsupported_or_invalid_schedules_are_refused(expression: str):
    with pytest.raises(ScheduleError):
        next_fire(expression, START, START)


class Recorder:
    def __init__(self, result: Any = None, error: dict[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.result = result
        self.error = error

    def invoke(self, logical_id: str, event: Any, *, request_id: str | None = None) -> Invocation:
        self.calls.append((logical_id, event))
        return Invocation("r", result=self.result, error=self.error)


def _schedule(name: str, expression: str, *, v2: bool = False, payload: Any = None) -> Schedule:
    return Schedule(
        logical_id="Fn",
        event_name=name,
        expression=expression,
        rule_arn=f"arn:aws:events:us-east-1:123456789012:rule/{name}",
        input=payload,
        v2=v2,
        next_at=next_fire(expression, START, START),
    )


def test_the_scheduler_fires_what_is_due_and_reschedules_it():
    runtime = Recorder()
    entries = [_schedule("Often", "rate(1 minute)"), _schedule("Rarely", "rate(1 hour)")]
    scheduler = Scheduler(runtime, entries, started=START)  # type: ignore[arg-type]
    assert scheduler.fire_due(START + timedelta(seconds=59)) == []
    fired = scheduler.fire_due(START + timedelta(minutes=1))
    assert [entry.event_name for entry, _ in fired] == ["Often"]
    assert entries[0].next_at == START + timedelta(minutes=2)
    _, event = runtime.calls[0]
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/Often"]


def test_input_replaces_the_event_and_scheduler_v2_sends_an_empty_object():
    scheduler = Scheduler(Recorder(), [], started=START)  # type: ignore[arg-type]
    assert scheduler.event_for(_schedule("I", "rate(1 hour)", payload={"a": 1}), START) == {"a": 1}
    assert scheduler.event_for(_schedule("V2", "rate(1 hour)", v2=True), START) == {}


def _poller(report_failures: bool, runtime: Recorder | None = None) -> SqsPoller:
    mapping = SqsMapping(
        logical_id="Fn",
        queue_arn="arn:aws:sqs:us-east-1:123456789012:q",
        queue_url="http://127.0.0.1:1/123456789012/q",
        batch_size=10,
        window_seconds=0,
        report_failures=report_failures,
    )
    stack = SimpleNamespace(endpoint="http://127.0.0.1:1", region="us-east-1")
    return SqsPoller(runtime or Recorder(), mapping, stack)  # type: ignore[arg-type]


MESSAGES = [{"MessageId": "a"}, {"MessageId": "b"}, {"MessageId": "c"}]


@pytest.mark.parametrize(
    ("report", "invocation", "deleted"),
    [
        (
            True,
            Invocation("r", result={"batchItemFailures": [{"itemIdentifier": "b"}]}),
            {"a", "c"},
        ),
        (True, Invocation("r", result={"batchItemFailures": []}), {"a", "b", "c"}),
        (True, Invocation("r", result=None), {"a", "b", "c"}),
        (True, Invocation("r", result={"batchItemFailures": [{"itemIdentifier": "zz"}]}), set()),
        (True, Invocation("r", result={"batchItemFailures": [{"itemIdentifier": ""}]}), set()),
        (True, Invocation("r", error={"errorMessage": "boom"}), set()),
        (
            False,
            Invocation("r", result={"batchItemFailures": [{"itemIdentifier": "b"}]}),
            {"a", "b", "c"},
        ),
        (False, Invocation("r", error={"errorMessage": "boom"}), set()),
    ],
    ids=[
        "one-failed",
        "none-failed",
        "no-report",
        "unknown-id-fails-all",
        "empty-id-fails-all",
        "error-keeps-all",
        "report-ignored-without-the-setting",
        "error-without-the-setting",
    ],
)
def test_only_messages_the_batch_did_not_fail_are_deleted(
    report: bool, invocation: Invocation, deleted: set[str]
):
    assert _poller(report)._succeeded(MESSAGES, invocation) == deleted
