"""The local stack's outbox: every email the emulated SES accepted, parsed from MIME.

moto keeps sent mail in its SES backend; the local stack's moto process serves it at
``/_byline/sent-emails`` and this module reads it from there (for tests, ``make dev``'s outbox
page and scripts alike), and
renders that page: ``GET /_outbox`` lists the mail newest first, ``GET /_outbox/<id>`` shows one
email, its HTML in a sandboxed frame that runs no script, its text and its headers.
"""

from __future__ import annotations

import html
import json
import urllib.request
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote

OUTBOX_PATH = "/_outbox"
OUTBOX_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""Applies to the emails' frames too (a srcdoc frame inherits it): inline styles render,
nothing is fetched from elsewhere (as mail clients block remote images), no script runs."""


@dataclass(frozen=True)
class SentEmail:
    id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str
    headers: dict[str, str]

    @property
    def sent_at(self) -> str:
        """The Date header in UTC (``2026-11-25 08:00:03``), or "" without one."""
        try:
            return parsedate_to_datetime(self.headers["Date"]).strftime("%Y-%m-%d %H:%M:%S")
        except (KeyError, TypeError, ValueError):
            return ""


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
    """Every email sent so far through the moto server at ``endpoint``, oldest first (served
    by local/moto_server.py's middleware straight from moto's SES backend)."""
    from local.moto_server import SENT_EMAILS_PATH

    with urllib.request.urlopen(f"{endpoint}{SENT_EMAILS_PATH}", timeout=30) as response:  # noqa: S310 - local moto  # nosec B310
        raw: list[dict[str, Any]] = json.load(response)
    return [parse(message) for message in raw]


# ---------------------------------------------------------------- the outbox page

_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#111827}
td,th{padding:.3rem .8rem;text-align:left;vertical-align:top;border-bottom:1px solid #e5e7eb}
th{background:#f9fafb}table{border-collapse:collapse;width:100%}code,pre{font-size:.9em}
pre{white-space:pre-wrap;background:#f9fafb;padding:1rem;border:1px solid #e5e7eb}
iframe{width:100%;height:70vh;border:1px solid #d1d5db;background:#fff}
.muted{color:#6b7280}.when{white-space:nowrap}"""


def _document(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="UTF-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    ).encode()


def outbox_html(emails: list[SentEmail], endpoint: str) -> bytes:
    """The list, newest first (moto keeps mail in the order it was sent)."""
    rows = "\n".join(
        '<tr><td class="when">{at}</td><td><a href="{href}">{subject}</a></td><td>{sender}</td>'
        "<td>{to}</td></tr>".format(
            at=html.escape(e.sent_at) or '<span class="muted">-</span>',
            href=html.escape(f"{OUTBOX_PATH}/{quote(e.id, safe='')}"),
            subject=html.escape(e.subject) or '<span class="muted">(no subject)</span>',
            sender=html.escape(e.headers.get("From") or e.sender),
            to=html.escape(", ".join(e.recipients)),
        )
        for e in reversed(emails)
    )
    listing = (
        "<table><tr><th>Sent (UTC)</th><th>Subject</th><th>From</th><th>To</th></tr>\n"
        f"{rows}\n</table>"
        if emails
        else "<p>No email yet. Digests go out when the planner runs for a subscriber's hour; "
        "send the demo reader's next one now with <code>make invoke "
        "FUNCTION=DigestPlannerFunction EVENT=events/digest_planner.json TIME=next-hour</code>.</p>"
    )
    return _document(
        "Outbox - Byline local stack",
        f'<p><a href="/">Byline local stack</a> &rsaquo; Outbox</p>\n<h1>Outbox</h1>\n'
        f"<p>{len(emails)} email{'' if len(emails) == 1 else 's'} accepted by the local SES "
        f"(moto at <code>{html.escape(endpoint)}</code>), newest first. Nothing leaves this "
        f"machine.</p>\n{listing}",
    )


def email_html(email: SentEmail) -> bytes:
    """One email: its HTML part in a frame with ``sandbox=""`` (no script, no navigation of
    this page, no forms) whose ``srcdoc`` is escaped, then the text part and the headers."""
    headers = "\n".join(
        f"<tr><th>{html.escape(name)}</th><td><code>{html.escape(value)}</code></td></tr>"
        for name, value in email.headers.items()
    )
    rendered = (
        f'<iframe sandbox="" referrerpolicy="no-referrer" title="HTML part" '
        f'srcdoc="{html.escape(email.html, quote=True)}"></iframe>'
        if email.html
        else '<p class="muted">No HTML part.</p>'
    )
    text = (
        f"<pre>{html.escape(email.text)}</pre>"
        if email.text
        else '<p class="muted">No text part.</p>'
    )
    unsubscribe = email.headers.get("List-Unsubscribe", "")
    return _document(
        f"{email.subject} - Outbox",
        f'<p><a href="/">Byline local stack</a> &rsaquo; <a href="{OUTBOX_PATH}">Outbox</a></p>\n'
        f"<h1>{html.escape(email.subject) or '(no subject)'}</h1>\n"
        "<table>"
        f"<tr><th>From</th><td>{html.escape(email.headers.get('From') or email.sender)}</td></tr>"
        f"<tr><th>To</th><td>{html.escape(', '.join(email.recipients))}</td></tr>"
        f"<tr><th>Sent (UTC)</th><td>{html.escape(email.sent_at) or '-'}</td></tr>"
        f"<tr><th>List-Unsubscribe</th><td><code>{html.escape(unsubscribe) or '-'}</code></td>"
        "</tr></table>\n"
        f"<h2>HTML</h2>\n{rendered}\n<h2>Plain text</h2>\n{text}\n"
        f"<h2>Headers</h2>\n<table>{headers}</table>",
    )


def outbox_page(endpoint: str, path: str) -> bytes | None:
    """The page for ``/_outbox`` or ``/_outbox/<id>``; None when there is no such email."""
    emails = sent_emails(endpoint)
    rest = path[len(OUTBOX_PATH) :].strip("/")
    if not rest:
        return outbox_html(emails, endpoint)
    wanted = unquote(rest)
    found = next((e for e in emails if e.id == wanted), None)
    return email_html(found) if found is not None else None
