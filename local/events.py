"""The events AWS hands to a function, built the way AWS builds them.

Handlers are only as well tested locally as these shapes are faithful: the REST API proxy
event (payload v1) with API Gateway's quirks (``None`` instead of empty maps, the last value
of a repeated header or query parameter in the single-value maps, base64 bodies that are not
text), the EventBridge scheduled event, the SQS batch event, the S3 event notification, and
the SNS notification (with the SES event record a configuration set publishes in it).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote_plus

from local.template import LOCAL_ACCOUNT_ID, LOCAL_REGION


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as the gateway received it."""

    method: str
    path: str
    query: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def header(self, name: str) -> str | None:
        """The last value of a header, compared case-insensitively (as API Gateway does)."""
        lowered = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == lowered:
                found = value
        return found


@dataclass(frozen=True)
class RouteMatch:
    """Which template route the request hit and what its path parameters are."""

    resource: str
    path_parameters: Mapping[str, str]


def _multi(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def request_time(moment: datetime) -> str:
    """``09/Apr/2015:12:34:56 +0000``, the format of ``requestContext.requestTime``."""
    return moment.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def encode_body(body: bytes) -> tuple[str | None, bool]:
    """The event's ``body`` and ``isBase64Encoded``: text as is, anything else base64."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def api_id_for(name: str) -> str:
    """A stable, API Gateway-looking id (10 lowercase alphanumerics) for a local API."""
    return hashlib.sha256(name.encode()).hexdigest()[:10]


def api_gateway_proxy_event(
    request: HttpRequest,
    route: RouteMatch,
    *,
    stage: str,
    api_id: str,
    request_id: str | None = None,
    claims: Mapping[str, str] | None = None,
    region: str = LOCAL_REGION,
    account_id: str = LOCAL_ACCOUNT_ID,
) -> dict[str, Any]:
    """The REST API Lambda proxy integration event (payload format 1.0)."""
    request_id = request_id or str(uuid.uuid4())
    headers, multi_headers = _multi(list(request.headers))
    query, multi_query = _multi(parse_qsl(request.query, keep_blank_values=True))
    body, is_base64 = encode_body(request.body)
    host = request.header("host") or f"{api_id}.execute-api.{region}.amazonaws.com"
    epoch_ms = int(request.received_at.timestamp() * 1000)
    context: dict[str, Any] = {
        "resourceId": hashlib.sha256(route.resource.encode()).hexdigest()[:6],
        "resourcePath": route.resource,
        "httpMethod": request.method,
        "extendedRequestId": base64.b32encode(uuid.UUID(request_id).bytes)[:16].decode(),
        "requestTime": request_time(request.received_at),
        "path": f"/{stage}{request.path}",
        "accountId": account_id,
        "protocol": request.protocol,
        "stage": stage,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "requestTimeEpoch": epoch_ms,
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("user-agent"),
            "user": None,
        },
        "domainName": host,
        "apiId": api_id,
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": route.resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(route.path_parameters) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def forwarded_headers(
    headers: Sequence[tuple[str, str]], source_ip: str, port: int, trace_id: str
) -> list[tuple[str, str]]:
    """The headers API Gateway adds in front of the client's own."""
    names = {k.lower() for k, _ in headers}
    added = [("X-Amzn-Trace-Id", trace_id)]
    if "x-forwarded-for" not in names:
        added.append(("X-Forwarded-For", source_ip))
    added += [("X-Forwarded-Port", str(port)), ("X-Forwarded-Proto", "http")]
    kept = [
        (k, v)
        for k, v in headers
        if k.lower() not in {"x-amzn-trace-id", "x-forwarded-port", "x-forwarded-proto"}
    ]
    return kept + added


def trace_id(moment: datetime) -> str:
    return f"Root=1-{int(moment.timestamp()):08x}-{uuid.uuid4().hex[:24]}"


def scheduled_event(
    rule_arn: str,
    moment: datetime,
    *,
    region: str = LOCAL_REGION,
    account_id: str = LOCAL_ACCOUNT_ID,
    detail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What an EventBridge rule with a schedule expression sends to its Lambda target
    (``detail`` is empty for a schedule; a person invoking by hand may fill it)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": dict(detail or {}),
    }


def sqs_event(
    messages: Sequence[Mapping[str, Any]], queue_arn: str, *, region: str = LOCAL_REGION
) -> dict[str, Any]:
    """An SQS batch as Lambda's event source mapping delivers it, from ReceiveMessage output."""
    return {"Records": [_sqs_record(m, queue_arn, region) for m in messages]}


def _sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = dict(message.get("Attributes") or {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": {
            name: _sqs_message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _sqs_message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """Lambda lower-cases the first letter of the attribute fields and always lists both."""
    attribute: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [
            base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])
        ],
        "dataType": value.get("DataType", "String"),
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def s3_event(
    *,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    version_id: str | None,
    sequencer: str,
    event_time: datetime,
    configuration_id: str,
    event_name: str = "ObjectCreated:Post",
    region: str = LOCAL_REGION,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An S3 event notification (structure version 2.1) with the one record S3 sends per event.

    The key is URL-encoded as S3 encodes it (spaces as ``+``, ``/`` kept); ``versionId`` is
    present only for versioned buckets; ``eTag`` has no quotes.
    """
    s3_object: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),
        "size": size,
        "eTag": etag.strip('"'),
    }
    if version_id and version_id != "null":
        s3_object["versionId"] = version_id
    s3_object["sequencer"] = sequencer
    request_id = uuid.uuid4().hex[:16].upper()
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": event_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:AIDALOCALSTACKEXAMPLE"},
                "requestParameters": {"sourceIPAddress": source_ip},
                "responseElements": {
                    "x-amz-request-id": request_id,
                    "x-amz-id-2": base64.b64encode(hashlib.sha256(request_id.encode()).digest())
                    .decode()
                    .rstrip("="),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3LOCALSTACKOWNER"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": s3_object,
                },
            }
        ]
    }


def sns_event(
    messages: Sequence[str],
    topic_arn: str,
    *,
    published_at: datetime | None = None,
    subject: str | None = None,
) -> dict[str, Any]:
    """What an SNS topic delivers to a subscribed Lambda function: one record per message (SNS
    invokes with one), the message a string as it was published, ``Subject`` null when none."""
    moment = (published_at or datetime.now(UTC)).astimezone(UTC)
    subscription = f"{topic_arn}:{uuid.uuid4()}"
    region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else LOCAL_REGION
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "SignatureVersion": "1",
                    "Signature": base64.b64encode(
                        hashlib.sha256(message.encode()).digest()
                    ).decode(),
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
                    "SimpleNotificationService-0000000000000000000000.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/"
                    f"?Action=Unsubscribe&SubscriptionArn={subscription}",
                    "MessageAttributes": {},
                },
            }
            for message in messages
        ]
    }


def ses_event_record(
    event_type: str,
    recipients: Sequence[str],
    *,
    sender: str = "digest@byline.example",
    bounce_type: str = "Permanent",
    bounce_subtype: str | None = None,
    tags: Mapping[str, str] | None = None,
    configuration_set: str = "byline-local",
    message_id: str | None = None,
    sent_at: datetime | None = None,
    account_id: str = LOCAL_ACCOUNT_ID,
    region: str = LOCAL_REGION,
) -> dict[str, Any]:
    """An SES event publishing record (``eventType`` Bounce or Complaint) as a configuration
    set's SNS destination publishes it: the mail object with its tags (lists of strings, SES's
    own ``ses:*`` tags included), and the bounce or complaint object."""
    sent = (sent_at or datetime.now(UTC)).astimezone(UTC)
    reported = sent + timedelta(seconds=1)  # the receiving server answers after the send
    message_id = message_id or f"0100{uuid.uuid4().hex}-{uuid.uuid4()}-000000"
    feedback_id = f"0100{uuid.uuid4().hex}-{uuid.uuid4()}-000000"
    record: dict[str, Any] = {
        "eventType": event_type,
        "mail": {
            "timestamp": _stamp(sent),
            "source": f"Byline <{sender}>",
            "sourceArn": f"arn:aws:ses:{region}:{account_id}:identity/{sender}",
            "sendingAccountId": account_id,
            "messageId": message_id,
            "destination": list(recipients),
            "headersTruncated": False,
            "tags": {
                "ses:configuration-set": [configuration_set],
                "ses:source-ip": ["192.0.2.10"],
                "ses:from-domain": [sender.split("@")[-1]],
                "ses:caller-identity": ["byline"],
                **{name: [value] for name, value in (tags or {}).items()},
            },
        },
    }
    if event_type == "Bounce":
        permanent = bounce_type == "Permanent"
        record["bounce"] = {
            "bounceType": bounce_type,
            "bounceSubType": bounce_subtype
            or ("General" if bounce_type != "Undetermined" else "Undetermined"),
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": "5.1.1" if permanent else "4.2.2",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown"
                    if permanent
                    else "smtp; 452 4.2.2 mailbox full",
                }
                for address in recipients
            ],
            "timestamp": _stamp(reported),
            "feedbackId": feedback_id,
            "reportingMTA": "dsn; a27-1.smtp-out.us-east-1.amazonses.com",
        }
    elif event_type == "Complaint":
        record["complaint"] = {
            "complainedRecipients": [{"emailAddress": address} for address in recipients],
            "timestamp": _stamp(reported),
            "feedbackId": feedback_id,
            "userAgent": "Mozilla/5.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": _stamp(reported),
        }
    return record


def _stamp(moment: datetime) -> str:
    """SES's timestamps: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
