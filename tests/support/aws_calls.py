"""What a handler asks of AWS, recorded as it happens, and AWS's failures, injected as AWS sends
them. Used by the least-privilege and fault-injection tests.

``recording()`` wraps botocore's ``BaseClient._make_api_call``, so it sees every call of every
client in this process (the layer's, powertools' idempotency and parameters clients, a fresh
boto3 client) and turns each into the IAM actions and resources AWS would authorise it against.

``Faults`` answers chosen operations of one client with an AWS error *before the request is
sent*, through botocore's ``before-send`` event: botocore's own retry policy (standard mode,
three attempts, exponential backoff with jitter, as byline.aws configures it) then runs exactly
as it would against the real service. The backoff sleeps are recorded instead of slept.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

# -- IAM actions of a call ----------------------------------------------------------------------
_TRANSACTION_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
_S3_VERSIONED = {
    "GetObject": "GetObjectVersion",
    "HeadObject": "GetObjectVersion",
    "DeleteObject": "DeleteObjectVersion",
    "PutObjectTagging": "PutObjectVersionTagging",
    "GetObjectTagging": "GetObjectVersionTagging",
    "DeleteObjectTagging": "DeleteObjectVersionTagging",
}
_S3_ACTIONS = {
    "HeadObject": "GetObject",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "HeadBucket": "ListBucket",
}
_IAM_PREFIX = {"sesv2": "ses"}
PUBLIC_COGNITO = {
    "SignUp",
    "ConfirmSignUp",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GlobalSignOut",
    "RevokeToken",
    "GetUser",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "ChangePassword",
}
"""Cognito operations a client makes with the app client id or the user's own token: IAM plays
no part in them, so no policy needs (or can usefully grant) them."""


@dataclass(frozen=True)
class Need:
    """One IAM action a call needs; ``index`` when DynamoDB authorises it on an index ARN."""

    action: str
    index: bool = False


def iam_needs(service: str, operation: str, params: dict[str, Any]) -> set[Need]:
    """The IAM actions (and, for DynamoDB, whether on an index) AWS checks for one call."""
    if service == "cognito-idp" and operation in PUBLIC_COGNITO:
        return set()
    if service == "dynamodb":
        if operation in {"TransactWriteItems", "TransactGetItems"}:
            # a transaction is authorised item by item, by the actions of its parts
            return {
                Need(f"dynamodb:{_TRANSACTION_PARTS[part]}")
                for item in params.get("TransactItems", [])
                for part in item
            }
        return {Need(f"dynamodb:{operation}", index=bool(params.get("IndexName")))}
    if service == "s3":
        name = _S3_ACTIONS.get(operation, operation)
        if params.get("VersionId") and operation in _S3_VERSIONED:
            name = _S3_VERSIONED[operation]
        needs = {Need(f"s3:{name}")}
        if operation == "PutObject" and params.get("Tagging"):
            needs.add(Need("s3:PutObjectTagging"))
        return needs
    if service == "sesv2" and operation == "SendEmail":
        raw = "Raw" in (params.get("Content") or {})
        return {Need("ses:SendRawEmail" if raw else "ses:SendEmail")}
    if service == "sqs" and operation == "SendMessageBatch":
        return {Need("sqs:SendMessage")}
    if service == "sqs" and operation == "DeleteMessageBatch":
        return {Need("sqs:DeleteMessage")}
    return {Need(f"{_IAM_PREFIX.get(service, service)}:{operation}")}


@dataclass
class Recording:
    calls: list[tuple[str, str]] = field(default_factory=list)
    needs: set[Need] = field(default_factory=set)

    def operations(self, service: str) -> list[str]:
        return [operation for name, operation in self.calls if name == service]


@contextmanager
def recording() -> Iterator[Recording]:
    """Record every AWS call made in this process while the block runs."""
    from botocore.client import BaseClient

    record = Recording()
    original = BaseClient._make_api_call
    lock = threading.Lock()

    def recorded(client: Any, operation: str, params: Any) -> Any:
        service = client.meta.service_model.service_name
        with lock:
            record.calls.append((service, operation))
            record.needs |= iam_needs(service, operation, params or {})
        return original(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", recorded)
        yield record


# -- injected failures --------------------------------------------------------------------------
class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def error_response(
    client: Any, code: str, status: int, message: str, extra: dict[str, Any] | None = None
) -> Any:
    """An AWS error response in the wire format of the client's protocol."""
    from botocore.awsrequest import AWSResponse

    protocol = client.meta.service_model.protocol
    headers = {"x-amzn-RequestId": "injected-fault", "x-amz-request-id": "injected-fault"}
    if protocol in {"json", "rest-json"}:
        body = json.dumps({"__type": code, "message": message, **(extra or {})}).encode()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        headers["x-amzn-ErrorType"] = code
    else:  # rest-xml (S3) and query
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
            f"<Message>{message}</Message><RequestId>injected-fault</RequestId></Error>"
        ).encode()
        headers["Content-Type"] = "application/xml"
    return AWSResponse("https://injected.invalid/", status, headers, _Body(body))


@dataclass
class Rule:
    operations: frozenset[str]
    code: str
    status: int
    times: int | None  # None: every time
    skip: int = 0  # let this many matching calls through first
    extra: dict[str, Any] | None = None  # more fields of the error body
    seen: int = 0
    failed: int = 0

    def fires(self, operation: str) -> bool:
        if operation not in self.operations and "*" not in self.operations:
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.failed >= self.times:
            return False
        self.failed += 1
        return True


class Faults:
    """Injected AWS errors on one botocore client; see the module docstring."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.rules: list[Rule] = []
        self.attempts: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.sleeps: list[float] = []
        self._id = f"faults-{id(self)}"
        service = client.meta.service_model.service_id.hyphenize()
        self._event = f"before-send.{service}"

    def fail(
        self,
        *operations: str,
        code: str = "ThrottlingException",
        status: int = 400,
        times: int | None = None,
        skip: int = 0,
        extra: dict[str, Any] | None = None,
    ) -> Rule:
        """Answer ``operations`` (``"*"`` for all) with ``code``: ``times`` times (or always),
        after letting ``skip`` matching calls through."""
        rule = Rule(frozenset(operations), code, status, times, skip, extra)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def _before_send(self, request: Any, event_name: str = "", **_: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        self.attempts[operation] += 1
        for rule in self.rules:
            if rule.fires(operation):
                self.failures[operation] += 1
                return error_response(self.client, rule.code, rule.status, "injected", rule.extra)
        return None

    def __enter__(self) -> Faults:
        self.client.meta.events.register_first(self._event, self._before_send, unique_id=self._id)
        import botocore.endpoint

        self._patch = pytest.MonkeyPatch()
        self._patch.setattr(botocore.endpoint, "time", _RecordedSleep(self.sleeps))
        return self

    def __exit__(self, *_: object) -> None:
        self.client.meta.events.unregister(self._event, unique_id=self._id)
        self._patch.undo()


class _RecordedSleep:
    """Stands in for the ``time`` module botocore's endpoint sleeps with between attempts."""

    def __init__(self, sleeps: list[float]) -> None:
        import time

        self._time = time
        self._sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self._sleeps.append(seconds)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return getattr(self._time, name)  # type: ignore[no-any-return]
