"""boto3 clients, created lazily and once per execution environment.

Clients are built on first use, not at import, so a function pays only for the services its
route touches; they are cached at module scope so warm invocations reuse their connections.
boto3 honours ``AWS_ENDPOINT_URL`` by itself, which is how the same code talks to moto in
tests and in the local stack.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient


def _client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    from byline.settings import get_settings

    settings = get_settings()
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=2,
        read_timeout=settings.aws_read_timeout,
        tcp_keepalive=True,
    )
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        config=config,
    )


@cache
def dynamodb() -> DynamoDBClient:
    return _client("dynamodb")  # type: ignore[no-any-return]


@cache
def s3() -> S3Client:
    return _client("s3")  # type: ignore[no-any-return]


@cache
def cognito() -> CognitoIdentityProviderClient:
    return _client("cognito-idp")  # type: ignore[no-any-return]


@cache
def sqs() -> SQSClient:
    return _client("sqs")  # type: ignore[no-any-return]


@cache
def events() -> EventBridgeClient:
    return _client("events")  # type: ignore[no-any-return]


@cache
def ses() -> SESV2Client:
    return _client("sesv2")  # type: ignore[no-any-return]
