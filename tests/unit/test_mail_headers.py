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


def test_every_send_names_the_configuration_set_and_tags_the_mail(monkeypatch):
    """Bounces and complaints come back only for mail sent with the configuration set, and
    name the account by the tag (docs/decisions/0012-ses-feedback.md)."""
    from byline import aws, settings
    from byline.data import mailer

    calls = []

    class Ses:
        def send_email(self, **request):
            calls.append(request)
            return {"MessageId": "m-1"}

    monkeypatch.setattr(aws, "ses", lambda: Ses())
    monkeypatch.setenv("TABLE_NAME", "byline-test")
    monkeypatch.setenv("SES_CONFIGURATION_SET", "byline-test")
    settings.get_settings.cache_clear()
    try:
        email = Email(**{**_email("Hi").__dict__, "tags": {mailer.USER_TAG: "reader"}})
        assert mailer.send(email) == "m-1"
        monkeypatch.delenv("SES_CONFIGURATION_SET")
        settings.get_settings.cache_clear()
        mailer.send(_email("Hi"))
    finally:
        settings.get_settings.cache_clear()
    assert calls[0]["ConfigurationSetName"] == "byline-test"
    assert calls[0]["EmailTags"] == [{"Name": "byline-user", "Value": "reader"}]
    assert "ConfigurationSetName" not in calls[1]
    assert "EmailTags" not in calls[1]
