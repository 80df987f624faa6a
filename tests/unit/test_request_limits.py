import base64
import json

import pytest

from byline.errors import BadRequest, PayloadTooLarge, UnprocessableContent, UnsupportedMediaType
from byline.http.limits import MAX_NUMBER_LENGTH, check_request, load_json_body


def event(body, *, method="POST", content_type="application/json", b64=False):
    return {
        "httpMethod": method,
        "headers": {"Content-Type": content_type} if content_type else {},
        "body": body,
        "isBase64Encoded": b64,
    }


def test_request_without_body_passes():
    assert check_request({"httpMethod": "GET", "headers": None, "body": None}, 10) is None


def test_json_body_within_limit_passes():
    assert check_request(event('{"a": 1}'), 100) is None


def test_body_over_the_limit_is_refused_with_413():
    assert isinstance(check_request(event("x" * 101), 100), PayloadTooLarge)


def test_multibyte_characters_count_as_bytes():
    assert isinstance(check_request(event('"' + "é" * 60 + '"'), 100), PayloadTooLarge)


def test_oversized_base64_body_is_refused_before_decoding():
    body = base64.b64encode(b"x" * 1000).decode()
    assert isinstance(check_request(event(body, b64=True), 100), PayloadTooLarge)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_body_that_is_not_json_is_refused_with_415(content_type):
    assert isinstance(
        check_request(event("a=1", content_type=content_type), 100), UnsupportedMediaType
    )


def test_json_with_charset_and_problem_json_are_accepted():
    assert check_request(event("{}", content_type="application/json; charset=utf-8"), 100) is None
    assert check_request(event("{}", content_type="application/merge-patch+json"), 100) is None


def test_invalid_utf8_is_refused_with_400():
    body = base64.b64encode(b'{"a": "\xff\xfe"}').decode()
    assert isinstance(check_request(event(body, b64=True), 100), BadRequest)


def test_invalid_base64_is_refused_with_400():
    assert isinstance(check_request(event("!!!not base64!!!", b64=True), 100), BadRequest)


def test_json_nested_deeper_than_the_limit_is_refused_with_400_before_parsing():
    deep = "[" * 20_000 + "]" * 20_000  # past what Python's parser survives (RecursionError)
    assert isinstance(check_request(event(deep), 100_000), BadRequest)
    assert isinstance(check_request(event('{"a":' * 33 + "1" + "}" * 33), 1000), BadRequest)


def test_json_within_the_depth_limit_and_brackets_in_strings_pass():
    assert check_request(event('{"a":' * 32 + "1" + "}" * 32), 1000) is None
    assert check_request(event('{"title": "' + "[" * 500 + '"}'), 1000) is None
    assert check_request(event('{"t": "\\"' + "{" * 50 + '"}'), 1000) is None


def test_a_json_array_body_is_refused_with_422():
    """Found by the contract fuzz: powertools validated [{...}] as its first element."""
    assert isinstance(check_request(event('[{"muted": true}]'), 100), UnprocessableContent)
    assert isinstance(check_request(event(" \n [1, 2]"), 100), UnprocessableContent)
    assert check_request(event('{"tags": [1, 2]}'), 100) is None


def test_json_bodies_keep_ordinary_numbers():
    assert load_json_body('{"a": 12, "b": -3.5e2, "c": [0.1, 1E3]}') == {
        "a": 12,
        "b": -350.0,
        "c": [0.1, 1000.0],
    }
    longest = "9" * MAX_NUMBER_LENGTH
    assert load_json_body(longest) == int(longest)


@pytest.mark.parametrize(
    "text",
    [
        "1" + "0" * 5000,
        "9" * (MAX_NUMBER_LENGTH + 1),
        '{"a": [{"b": -' + "1" * 5000 + "}]}",
        "1e999999",
        "-1e400",
        "0." + "1" * MAX_NUMBER_LENGTH,
        "NaN",
        '{"a": Infinity}',
        "[-Infinity]",
    ],
)
def test_json_numbers_python_cannot_hold_are_decode_errors(text):
    with pytest.raises(json.JSONDecodeError):
        load_json_body(text)


def test_a_form_body_the_route_accepts_is_not_held_to_json_structure_limits():
    forms = ("application/x-www-form-urlencoded", "multipart/form-data")
    body = "[" * 40
    multipart = "multipart/form-data; boundary=x"
    assert check_request(event(body, content_type=multipart), 1000, forms) is None
    assert isinstance(check_request(event(body), 1000, forms), BadRequest)  # JSON still is
    refused = check_request(event("a", content_type="text/plain"), 1000, forms)
    assert isinstance(refused, UnsupportedMediaType)
    assert "multipart/form-data" in refused.detail
