"""Signed tokens of the links in digest emails: bound to the user and to one purpose (the
one-click unsubscribe, the preferences page, the digest in a browser), so a token can neither be
forged nor turned against another user or to another purpose: the List-Unsubscribe header's URL,
which mail providers and forwarding rules see, unsubscribes and does nothing else."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from urllib.parse import quote

from byline.errors import BadRequest

UNSUBSCRIBE = "unsubscribe:digest"
PREFERENCES = "preferences:digest"
VIEW = "view:digest"
ACTION = UNSUBSCRIBE  # the purpose of a token when none is named
_NOUNS = {UNSUBSCRIBE: "unsubscribe", PREFERENCES: "preferences", VIEW: "digest"}
MAX_TOKEN_LENGTH = 200
SIGNATURE_LENGTH = 27
"""Characters of the signature: 20 bytes of HMAC-SHA256 in unpadded base64url."""

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
"""The unpadded base64url alphabet only: the decoder alone would skip anything else (``!``,
``#``, ``&``, ``=``, whitespace) and accept an altered token."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(key: bytes, username: str, purpose: str) -> str:
    return _b64(hmac.new(key, f"{purpose}\x00{username}".encode(), hashlib.sha256).digest()[:20])


def issue(key: bytes, username: str, purpose: str = UNSUBSCRIBE) -> str:
    return f"{_b64(username.lower().encode())}.{_signature(key, username.lower(), purpose)}"


def verify(key: bytes, token: str | None, purpose: str = UNSUBSCRIBE) -> str:
    """The username the token was issued for, for ``purpose``; 400 for anything forged,
    altered, garbled or issued for another purpose."""
    refused = BadRequest(
        f"The {_NOUNS[purpose]} link is invalid; use the link from your latest email."
    )
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii() or token.count(".") != 1:
        raise refused
    encoded, signature = token.split(".")
    if len(signature) != SIGNATURE_LENGTH or not _BASE64URL.fullmatch(signature):
        raise refused
    if not _BASE64URL.fullmatch(encoded):
        raise refused
    try:
        decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        username = decoded.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise refused from error
    if _b64(decoded) != encoded:  # non-canonical: other trailing bits, one text per username
        raise refused
    if not hmac.compare_digest(signature, _signature(key, username, purpose)):
        raise refused
    return username


def query(token: str) -> str:
    """``token=<token>`` for a URL, percent-encoded: a token issued here needs no escaping, but
    whatever text a request brought must not end or extend the query it is put in."""
    return f"token={quote(token, safe='')}"


def link(key: bytes, base: str, username: str) -> str:
    """The one-click unsubscribe page of ``username`` on the API at ``base`` (the link in every
    email about digests, and its List-Unsubscribe header)."""
    return f"{base}/unsubscribe?{query(issue(key, username))}"
