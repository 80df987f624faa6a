"""Reading a small HTML form body, urlencoded or multipart (RFC 7578), with the standard library
only: what one-click unsubscribe posts (RFC 8058 §3.2: multipart/form-data SHOULD be used,
application/x-www-form-urlencoded MAY)."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
FORM_TYPES = (URLENCODED, MULTIPART)
MAX_FORM_BYTES = 4096
"""A one-click body is about 30 bytes (urlencoded) or 150 (multipart); nothing bigger is read."""
MAX_FIELDS = 10


def media_type(content_type: str | None) -> str:
    """``multipart/form-data`` of ``multipart/form-data; boundary=x``: lowercase, no parameters."""
    return (content_type or "").split(";")[0].strip().lower()


def form_fields(content_type: str | None, body: bytes) -> dict[str, str] | None:
    """The text fields of a form body (the first value of each name); None when the body is
    not a form this reads: another type, too big, too many fields, malformed, not UTF-8."""
    if len(body) > MAX_FORM_BYTES:
        return None
    kind = media_type(content_type)
    pairs: list[tuple[str, str]] | None
    try:
        if kind == URLENCODED:
            pairs = parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=MAX_FIELDS,
                errors="strict",
            )
        elif kind == MULTIPART:
            pairs = _multipart(content_type or "", body)
        else:
            return None
    except (ValueError, LookupError):  # not UTF-8, or a charset Python does not know
        return None
    if pairs is None:
        return None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def _multipart(content_type: str, body: bytes) -> list[tuple[str, str]] | None:
    if "\r" in content_type or "\n" in content_type:
        return None
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(_class=EmailMessage, policy=HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects or not message.get_boundary():
        return None
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        if len(pairs) >= MAX_FIELDS:
            return None
        if not isinstance(part, EmailMessage) or part.is_multipart():
            return None
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue  # not a text field (a file, or no name): nothing of ours sends one
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        pairs.append((name, payload.decode(part.get_content_charset() or "utf-8")))
    return pairs
