"""The local stack's outbox page over HTTP: what the emulated SES accepted, newest first, each
email's HTML shown in a sandboxed frame, hostile content escaped everywhere."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import requests

from byline.data.mailer import Email, send
from local.outbox import sent_emails

pytestmark = pytest.mark.integration

HOSTILE_HTML = (
    '<p style="color:#1d4ed8">Hello</p></iframe><script>alert("html")</script>'
    '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">link</a>'
)
HOSTILE_TEXT = '</pre><script>alert("text")</script> & more'


class _Frames(HTMLParser):
    """The attributes of every iframe and the names of every element of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, str | None]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "iframe":
            self.frames.append(dict(attrs))


def _send(sender: str, subject: str, recipient: str) -> str:
    return send(
        Email(
            sender=sender,
            recipient=recipient,
            subject=subject,
            text=HOSTILE_TEXT,
            html=HOSTILE_HTML,
            unsubscribe_url="https://byline.example/unsubscribe?token=abc.def",
            reference=f"outbox-test.{uuid.uuid4().hex[:8]}",
        )
    )


@pytest.fixture(scope="module")
def mail(stack_resources):
    """Two emails sent straight through SES v2 from the template's verified sender."""
    marker = uuid.uuid4().hex[:8]
    sender = stack_resources["DIGEST_SENDER"]
    first = f"First {marker}"
    hostile = f'<script>alert("subject")</script> & <b>bold</b> {marker}'
    _send(sender, first, f"first-{marker}@example.com")
    _send(sender, hostile, f"second-{marker}@example.com")
    emails = {e.subject: e for e in sent_emails(stack_resources.stack.endpoint)}
    return {"first": emails[first], "hostile": emails[hostile]}


def test_the_outbox_lists_sent_mail_newest_first_with_the_subject_escaped(local_api, mail):
    page = requests.get(f"{local_api}/_outbox", timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    hostile, first = mail["hostile"], mail["first"]
    escaped = (
        "&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    )
    assert escaped in page.text
    assert "<script" not in page.text
    assert "<b>bold" not in page.text
    assert page.text.index(escaped) < page.text.index(first.subject)  # newest first
    assert f'href="/_outbox/{quote(hostile.id, safe="")}"' in page.text
    assert hostile.recipients[0] in page.text
    assert hostile.sent_at
    assert hostile.sent_at in page.text


def test_an_email_shows_its_html_in_a_sandboxed_frame_its_text_and_its_headers(local_api, mail):
    email = mail["hostile"]
    page = requests.get(f"{local_api}/_outbox/{quote(email.id, safe='')}", timeout=30)
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    parsed = _Frames()
    parsed.feed(page.text)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    (frame,) = parsed.frames
    assert frame["sandbox"] == ""  # no scripts, forms, popups or navigation of this page
    assert frame["srcdoc"] == email.html  # escaped in the attribute, intact once parsed
    assert "&lt;/iframe&gt;&lt;script&gt;" in page.text
    assert "&lt;/pre&gt;&lt;script&gt;alert(&quot;text&quot;)&lt;/script&gt;" in page.text
    assert "&lt;https://byline.example/unsubscribe?token=abc.def&gt;" in page.text
    assert "List-Unsubscribe-Post" in page.text


def test_an_unknown_email_is_a_404_and_the_index_links_to_the_outbox(local_api, mail):
    assert requests.get(f"{local_api}/_outbox/nope", timeout=30).status_code == 404
    index = requests.get(f"{local_api}/", timeout=30)
    assert 'href="/_outbox"' in index.text
