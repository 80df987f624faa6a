"""boto3 clients, created lazily and once per execution environment.

Clients are built on first use, not at import, so a function pays only for the services its
route touches; they are cached at module scope so warm invocations reuse their connections.
boto3 honours ``AWS_ENDPOINT_URL`` by itself, which is how the same code talks to moto in
tests and in the local stack.

Under ``sam local`` (SAM sets ``AWS_SAM_LOCAL=true`` in the container, and passes the
developer's own AWS credentials in) no client is made unless ``AWS_ENDPOINT_URL`` names a local
address: a function run with SAM but without the local stack's env-vars file would otherwise
read and write the developer's real account.
"""

from __future__ import annotations

import ipaddress
import os
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient


SAM_ENV_COMMAND = "make sam-env"
"""Writes ``.local/sam-env.json``, the env-vars file that points ``sam local`` at the local
stack (``python -m local sam-env --write .local/sam-env.json``)."""

LOCAL_HOSTNAMES = frozenset({"localhost", "host.docker.internal", "gateway.docker.internal"})
"""Names of this machine as a container sees it (Docker Desktop's, or ``--add-host
host.docker.internal:host-gateway`` on Linux)."""


class RealAwsUnderSamLocal(RuntimeError):
    """An AWS client was asked for under ``sam local`` without a local endpoint."""


DOCKER_BRIDGE = ipaddress.ip_network("172.17.0.0/16")
"""Docker's default bridge (its gateway, this machine, is 172.17.0.1). Not all of 172.16.0.0/12,
where Docker puts further networks: AWS's default VPCs use 172.31.0.0/16, where a VPC endpoint of
real AWS can sit; other networks reach this machine as ``host.docker.internal``."""

IGNORE_ENDPOINTS_VARIABLE = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
SERVICE_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL_"
"""botocore prefers ``AWS_ENDPOINT_URL_<SERVICE>`` (e.g. ``_SECRETS_MANAGER``) to
``AWS_ENDPOINT_URL`` for that service, and ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` drops
every configured endpoint: clients the layer does not make itself (powertools' Secrets Manager
client) follow both."""


def is_local_endpoint(endpoint: str | None) -> bool:
    """True for an http(s) URL whose host is this machine as a container may name it: a
    loopback address, ``localhost``, ``host.docker.internal``, or an address of Docker's default
    bridge (172.17.0.0/16, this machine being 172.17.0.1). Other private ranges are refused: a
    VPC endpoint of real AWS can have one (AWS's default VPCs are 172.31.0.0/16)."""
    if not endpoint:
        return False
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host.lower() in LOCAL_HOSTNAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address in DOCKER_BRIDGE


def check_endpoint(endpoint: str | None, environ: Mapping[str, str] | None = None) -> None:
    """Refuse, under ``sam local``, an endpoint that is not local (none means real AWS), and any
    variable by which botocore would send one service elsewhere: a non-local
    ``AWS_ENDPOINT_URL_<SERVICE>`` or ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``."""
    environ = os.environ if environ is None else environ
    if environ.get("AWS_SAM_LOCAL", "").lower() != "true":
        return
    ignoring = environ.get(IGNORE_ENDPOINTS_VARIABLE, "").strip()
    if ignoring and ignoring.lower() != "false":
        raise RealAwsUnderSamLocal(
            f"Refusing to call AWS from `sam local`: {IGNORE_ENDPOINTS_VARIABLE} is set, so "
            "botocore would ignore the local stack's endpoint and use your real AWS account."
        )
    for name, value in sorted(environ.items()):
        if name.upper().startswith(SERVICE_ENDPOINT_PREFIX) and not is_local_endpoint(value):
            raise RealAwsUnderSamLocal(
                f"Refusing to call AWS from `sam local`: {name} is {value!r}, not the local "
                "stack; botocore prefers it to AWS_ENDPOINT_URL for that service. Unset it."
            )
    if is_local_endpoint(endpoint):
        return
    raise RealAwsUnderSamLocal(
        "Refusing to call AWS from `sam local`: AWS_ENDPOINT_URL is "
        + (repr(endpoint) if endpoint else "not set")
        + ", not the local stack, so this would use your real AWS account and credentials. "
        f"Run `{SAM_ENV_COMMAND}` (with `make dev` running) and pass its file: "
        "sam local invoke --env-vars .local/sam-env.json ... (or use `make sam-invoke`)."
    )


def _client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    from byline.settings import get_settings

    settings = get_settings()
    check_endpoint(settings.aws_endpoint_url)
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=2,
        read_timeout=settings.aws_read_timeout,
        tcp_keepalive=True,
    )
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url or None,
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
