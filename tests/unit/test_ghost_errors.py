"""Ghost's error envelope, field for field, as GHOST-CONTENT-API.md §3 and §5 give it."""

from __future__ import annotations

import json
import re

from byline.ghost.errors import (
    FIELDS,
    NO_KEY_CONTEXT,
    MissingKey,
    NotFoundError,
    RepeatedKey,
    UnknownKey,
    envelope,
    render,
)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _only(body: dict[str, object]) -> dict[str, object]:
    errors = body["errors"]
    assert isinstance(errors, list)
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, dict)
    return error


def test_missing_key_is_ghosts_403_word_for_word():
    error = MissingKey()
    assert error.status == 403
    assert _only(envelope(error, error_id="x")) == {
        "message": "Authorization failed",
        "context": (
            "Unable to determine the authenticated member or integration. Check the supplied "
            "Content API Key and ensure cookies are being passed through if member auth is "
            "failing."
        ),
        "type": "NoPermissionError",
        "details": None,
        "property": None,
        "help": None,
        "code": None,
        "id": "x",
        "ghostErrorCode": None,
    }
    assert _only(envelope(error))["context"] == NO_KEY_CONTEXT


def test_unknown_key_is_ghosts_401():
    error = UnknownKey()
    assert error.status == 401
    assert _only(envelope(error, error_id="x")) == {
        "message": "Unknown Content API Key",
        "context": None,
        "type": "UnauthorizedError",
        "details": None,
        "property": None,
        "help": None,
        "code": "UNKNOWN_CONTENT_API_KEY",
        "id": "x",
        "ghostErrorCode": None,
    }


def test_a_repeated_key_is_ghosts_400():
    error = RepeatedKey()
    assert error.status == 400
    assert _only(envelope(error, error_id="x")) == {
        "message": "Invalid Request",
        "context": None,
        "type": "BadRequestError",
        "details": None,
        "property": None,
        "help": None,
        "code": "INVALID_REQUEST",
        "id": "x",
        "ghostErrorCode": None,
    }


def test_keys_come_in_ghosts_order_in_the_rendered_text():
    text = render(
        NotFoundError("Resource not found error, cannot read post.", context="Post not found.")
    )
    error = _only(json.loads(text))
    assert (
        tuple(error)
        == FIELDS
        == (
            "message",
            "context",
            "type",
            "details",
            "property",
            "help",
            "code",
            "id",
            "ghostErrorCode",
        )
    )
    assert error["message"] == "Resource not found error, cannot read post."
    assert error["context"] == "Post not found."
    assert error["type"] == "NotFoundError"
    assert text.startswith('{"errors":[{"message":')


def test_every_response_gets_a_fresh_uuid4_id():
    first = _only(envelope(UnknownKey()))["id"]
    second = _only(envelope(UnknownKey()))["id"]
    assert isinstance(first, str)
    assert UUID4.match(first)
    assert isinstance(second, str)
    assert UUID4.match(second)
    assert first != second


def test_optional_fields_carry_through():
    error = NotFoundError("m", help="h", details={"name": "x"}, property="p")
    body = _only(envelope(error, error_id="i"))
    assert (body["help"], body["details"], body["property"]) == ("h", {"name": "x"}, "p")
