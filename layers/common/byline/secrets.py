"""Signing keys, read from Secrets Manager through powertools parameters (cached for five
minutes, so a rotated key is picked up without a deploy and warm invocations make no call)."""

from __future__ import annotations

import hashlib

from byline.aws import check_endpoint
from byline.errors import ServiceUnavailable
from byline.settings import get_settings

_CACHE_SECONDS = 300


def signing_key(purpose: str) -> bytes:
    """A key for HMAC signatures, distinct per purpose (cursors, unsubscribe links, ...)."""
    from aws_lambda_powertools.utilities import parameters

    settings = get_settings()
    secret_id = settings.signing_key_secret
    if not secret_id:
        raise ServiceUnavailable("No signing key is configured.")
    check_endpoint(settings.aws_endpoint_url)  # powertools makes its own client
    try:
        master = parameters.get_secret(secret_id, max_age=_CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as error:
        raise ServiceUnavailable("The signing key could not be read.") from error
    material = master if isinstance(master, str) else str(master)
    return hashlib.sha256(f"{purpose}\x00{material}".encode()).digest()
