"""Mail headers are built by the standard library's header machinery: whatever a title holds,
the digest's Subject stays one header and no other header can be injected."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from byline.data.mailer import Email, compose

SEPARATORS = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x00"]


def _email(subject: str) -> Email:
    return Email(
        sender="digest@byline.example",
        recipient="reader@example.com",
        subject=subject,
        text="text",
        html="<p>html</p>",
        unsubscribe_url="https://byline.example/unsubscribe?token=abc",
        reference="reader.2026-11-25",
    )


@pytest.mark.parametrize("separator", SEPARATORS, ids=repr)
def test_a_subject_with_a_separator_stays_one_header_and_injects_nothing(separator):
    raw = compose(_email(f"1 new article on Byline: Hello{separator}Bcc: victim@example.com"))
    parsed = message_from_bytes(raw, policy=default)
    assert parsed.get_all("Bcc") is None
    assert len(parsed.get_all("Subject")) == 1
    assert parsed["Subject"] == "1 new article on Byline: Hello Bcc: victim@example.com"
    assert parsed["List-Unsubscribe"] == "<https://byline.example/unsubscribe?token=abc>"
    assert parsed["From"].addresses[0].addr_spec == "digest@byline.example"


def test_a_non_ascii_subject_is_encoded_and_reads_back_unchanged():
    raw = compose(_email("1 new article on Byline: Café 日本語 👩‍💻"))
    assert all(byte < 128 for byte in raw.split(b"\r\n\r\n", 1)[0])
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Subject"] == "1 new article on Byline: Café 日本語 👩‍💻"


def test_a_long_unsubscribe_link_is_sent_literally_never_as_encoded_words():
    """RFC 2369/8058: List-Unsubscribe holds the angle-bracketed URL itself; folded into
    encoded-words, mailbox providers do not recognise one-click unsubscribe (Python's own
    parser decodes them, so the raw bytes are what is checked)."""
    url = (
        "https://byline.example/unsubscribe?token=" + "czEwX2EwYjg.1XF9Do6k86kDtMRf-TQWIMs7Vjw" * 3
    )
    email = _email("A subject")
    raw = compose(
        Email(**{**email.__dict__, "unsubscribe_url": url})  # type: ignore[arg-type]
    )
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in raw
