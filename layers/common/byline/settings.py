"""Configuration, read once per execution environment from the variables template.yaml sets.

Every function reads the same typed model so that a missing or malformed variable fails the
cold start loudly instead of surfacing as a confusing error on some later request.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: Annotated[str, Field(alias="STAGE", min_length=1)] = "local"
    version: Annotated[str, Field(alias="BYLINE_VERSION")] = "0.1.0"
    table_name: Annotated[str, Field(alias="TABLE_NAME", min_length=3)]
    media_bucket: Annotated[str, Field(alias="MEDIA_BUCKET")] = ""
    digest_bucket: Annotated[str, Field(alias="DIGEST_BUCKET")] = ""
    event_bus_name: Annotated[str, Field(alias="EVENT_BUS_NAME")] = ""
    user_pool_id: Annotated[str, Field(alias="USER_POOL_ID")] = ""
    signing_key_secret: Annotated[str, Field(alias="SIGNING_KEY_SECRET")] = ""
    digest_sender: Annotated[str, Field(alias="DIGEST_SENDER")] = "digest@byline.example"
    digest_queue_url: Annotated[str, Field(alias="DIGEST_QUEUE_URL")] = ""
    ses_configuration_set: Annotated[str, Field(alias="SES_CONFIGURATION_SET")] = ""
    """The SES configuration set every mail is sent with: it publishes bounces and complaints
    to the feedback topic. Empty: mail is sent without one (and no feedback comes back)."""
    ses_feedback_topic_arn: Annotated[str, Field(alias="SES_FEEDBACK_TOPIC_ARN")] = ""
    """The only SNS topic whose SES notifications the feedback function acts on."""
    site_url: Annotated[str, Field(alias="SITE_URL")] = "http://127.0.0.1:3000"
    api_url: Annotated[str, Field(alias="API_URL")] = ""
    """The API's public base URL (stage included on an execute-api URL): links in emails to
    routes the API serves (unsubscribe, the digest in a browser) start with it, since a site
    serves none of them. Empty: ``site_url``, whose server must then forward those paths."""
    media_url: Annotated[str, Field(alias="MEDIA_URL")] = ""
    """The https origin that serves the media bucket's ``media/`` keys to the public (a CDN in
    front of the bucket), e.g. ``https://media.example.com``. Empty: nothing serves media, and
    digests show no covers."""
    postal_address: Annotated[str, Field(alias="POSTAL_ADDRESS", max_length=500)] = ""
    """The sender's postal address for the digest's footer (CAN-SPAM); lines are separated by
    newlines or by a literal ``\\n``. Empty: no address row."""
    authors_may_publish: Annotated[bool, Field(alias="AUTHORS_MAY_PUBLISH")] = True
    user_pool_client_id: Annotated[str, Field(alias="USER_POOL_CLIENT_ID")] = ""
    cors_allow_origins: Annotated[tuple[str, ...], Field(alias="CORS_ALLOW_ORIGINS")] = ("*",)
    max_body_bytes: Annotated[int, Field(alias="MAX_BODY_BYTES", ge=1, le=6_000_000)] = 65_536
    aws_endpoint_url: Annotated[str | None, Field(alias="AWS_ENDPOINT_URL")] = None
    aws_region: Annotated[str, Field(alias="AWS_REGION")] = "us-east-1"
    aws_read_timeout: Annotated[float, Field(alias="AWS_READ_TIMEOUT", gt=0, le=300)] = 5.0
    """Seconds to wait for an AWS answer. The local stack raises it: an emulator on a busy
    machine is slow, and a timed-out write that botocore retries can apply twice there."""

    @property
    def public_api_url(self) -> str:
        return (self.api_url or self.site_url).rstrip("/")

    @field_validator("media_url")
    @classmethod
    def _media_origin(cls, value: str) -> str:
        """An origin only (scheme, host, port), https: it is what the digest page's CSP allows
        images from, and what every cover URL starts with."""
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d{1,5})?", value):
            raise ValueError("MEDIA_URL must be an https origin such as https://media.example.com")
        return value

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (the process environment by default)."""
    return Settings.model_validate(dict(os.environ if environ is None else environ))


@cache
def get_settings() -> Settings:
    """The settings of this execution environment, validated at most once."""
    return load_settings()
