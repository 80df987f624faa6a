"""Email through SES (v2), as raw MIME so that every header we need is ours to set:
List-Unsubscribe with its RFC 8058 one-click companion, and both text and HTML parts."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from byline import aws


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


def compose(email: Email) -> bytes:
    message = EmailMessage()
    message["From"] = formataddr(("Byline", email.sender))
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(idstring=email.reference, domain=email.sender.split("@")[-1])
    if email.unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["X-Byline-Digest"] = email.reference
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


def send(email: Email) -> str:
    """Send and return SES's message id; raises on refusal so the caller can retry."""
    response = aws.ses().send_email(
        FromEmailAddress=email.sender,
        Destination={"ToAddresses": [email.recipient]},
        Content={"Raw": {"Data": compose(email)}},
    )
    return str(response.get("MessageId", ""))
