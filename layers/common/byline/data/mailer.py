"""Email through SES (v2), as raw MIME so that every header we need is ours to set:
List-Unsubscribe with its RFC 8058 one-click companion, and both text and HTML parts.

Headers are built by the standard library (``EmailMessage`` with the SMTP policy, addresses as
``headerregistry.Address``), which encodes non-ASCII text (RFC 2047) and folds long lines; what
comes from content is first flattened to one line, so no stored title, old or new, can break a
header or add one."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Any

from byline import aws
from byline.models.fields import LINE_BREAKING


@dataclass(frozen=True)
class Email:
    sender: str
    recipient: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str | None
    """None for mail that is no subscription (account notices): no List-Unsubscribe headers."""
    reference: str
    tags: Mapping[str, str] = field(default_factory=dict)
    """SES message tags (letters, digits, ``_`` and ``-`` only). They come back in the bounce
    and complaint notifications, so ``byline-user`` names the account a digest was for."""


USER_TAG = "byline-user"
KIND_TAG = "byline-mail"

_POLICY = SMTP.clone(max_line_length=998)
"""RFC 5322's hard line limit, not its 78-character advice: the SMTP policy folds a longer
header without spaces (a List-Unsubscribe URL) into RFC 2047 encoded-words, which RFC 2369
and 8058 do not allow there, so mailbox providers would not offer one-click unsubscribe."""


def header_text(value: str) -> str:
    """``value`` on one line: every control character, line or paragraph separator becomes a
    space, runs of white space one space. Titles stored before single-line fields were
    validated may still hold them."""
    flat = "".join(" " if unicodedata.category(c) in LINE_BREAKING else c for c in value)
    return re.sub(r"\s+", " ", flat).strip()


def compose(email: Email) -> bytes:
    """The raw MIME message; raises (ValueError, ...) when content cannot make one."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = Address(display_name="Byline", addr_spec=email.sender)
    message["To"] = Address(addr_spec=email.recipient)
    message["Subject"] = header_text(email.subject)
    message["Date"] = formatdate(usegmt=True)
    domain = email.sender.split("@")[-1]
    message["Message-ID"] = make_msgid(idstring=header_text(email.reference), domain=domain)
    if email.unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{header_text(email.unsubscribe_url)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["X-Byline-Digest"] = header_text(email.reference)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


def send(email: Email) -> str:
    """Send and return SES's message id; raises on refusal so the caller can retry.

    Every mail names the configuration set (``SES_CONFIGURATION_SET``), whose event destination
    publishes its bounces and complaints to the feedback topic (functions/ses_feedback)."""
    from byline.settings import get_settings

    request: dict[str, Any] = {
        "FromEmailAddress": email.sender,
        "Destination": {"ToAddresses": [email.recipient]},
        "Content": {"Raw": {"Data": compose(email)}},
    }
    configuration_set = get_settings().ses_configuration_set
    if configuration_set:
        request["ConfigurationSetName"] = configuration_set
    if email.tags:
        request["EmailTags"] = [{"Name": k, "Value": v} for k, v in email.tags.items()]
    response = aws.ses().send_email(**request)
    return str(response.get("MessageId", ""))


def refused(error: Exception) -> bool:
    """Whether SES certainly did not accept the message: it answered with an error, or the
    connection was never made. A timeout waiting for its answer is not a refusal."""
    from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

    return isinstance(error, ClientError | EndpointConnectionError | ConnectTimeoutError)
