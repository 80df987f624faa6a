"""The local stack's outbox: every email the emulated SES accepted, parsed from MIME.

moto keeps sent mail in its SES backend and shows it at ``/moto-api/data.json``; this module
reads it from there (the same way for tests, ``make dev``'s outbox page and scripts).
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any


@dataclass(frozen=True)
class SentEmail:
    id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None else ""


def parse(raw: dict[str, Any]) -> SentEmail:
    message = message_from_string(str(raw.get("raw_data", "")), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return SentEmail(
        id=str(raw.get("id", "")),
        sender=str(raw.get("source", "")),
        recipients=tuple(dict.fromkeys(raw.get("destinations") or [])),
        subject=str(message.get("Subject", "")),
        text=_part(message, "plain"),
        html=_part(message, "html"),
        headers={k: str(v) for k, v in message.items()},
    )


def sent_emails(endpoint: str) -> list[SentEmail]:
    """Every email sent so far through the moto server at ``endpoint``, oldest first."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=30) as response:  # noqa: S310 - local moto
        data = json.load(response)
    return [parse(raw) for raw in data.get("ses", {}).get("RawMessage", [])]
