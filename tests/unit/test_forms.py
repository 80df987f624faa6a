"""Reading one-click unsubscribe bodies (byline.http.forms): both RFC 8058 encodings, and
None, never an exception, for whatever else arrives."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byline.http.forms import MAX_FIELDS, MAX_FORM_BYTES, form_fields

B = "------------------------d74496d66958873e"
CURL = (
    f'--{B}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
    f"One-Click\r\n--{B}--\r\n"
).encode()
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (f"multipart/form-data; boundary={B}", CURL),
        (f'multipart/form-data; boundary="{B}"', CURL),
        (f"MULTIPART/FORM-DATA; boundary={B}", CURL.replace(b"\r\n", b"\n")),
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"),
        ("application/x-www-form-urlencoded; charset=utf-8", b"List-Unsubscribe=One%2DClick"),
    ],
)
def test_both_encodings_of_the_one_click_body_are_read(content_type, body):
    assert form_fields(content_type, body) == ONE_CLICK


def test_a_file_part_is_not_a_field_and_a_charset_is_honoured():
    body = (
        f'--{B}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nxx\r\n'
        f'--{B}\r\nContent-Disposition: form-data; name="n"\r\n'
        f"Content-Type: text/plain; charset=latin-1\r\n\r\n\xe9\r\n--{B}--\r\n"
    ).encode("latin-1")
    assert form_fields(f"multipart/form-data; boundary={B}", body) == {"n": "é"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", CURL),  # no boundary
        ("multipart/form-data; boundary=other", CURL),
        (f"multipart/form-data; boundary={B}", CURL[:-10]),  # cut before the closing boundary
        (f"multipart/form-data; boundary={B}\r\nX-Injected: 1", CURL),
        ("text/plain", b"List-Unsubscribe=One-Click"),
        (None, b"List-Unsubscribe=One-Click"),
        ("application/x-www-form-urlencoded", b"a=%ff"),
        ("application/x-www-form-urlencoded", b"a=\xff"),
        ("application/x-www-form-urlencoded", b"&".join([b"a=1"] * (MAX_FIELDS + 1))),
        ("application/x-www-form-urlencoded", b"a=" + b"x" * MAX_FORM_BYTES),
    ],
)
def test_anything_else_is_not_read(content_type, body):
    assert form_fields(content_type, body) is None


def test_an_unknown_charset_is_not_read():
    body = (
        f'--{B}\r\nContent-Disposition: form-data; name="n"\r\n'
        f"Content-Type: text/plain; charset=nonesuch\r\n\r\nx\r\n--{B}--\r\n"
    ).encode()
    assert form_fields(f"multipart/form-data; boundary={B}", body) is None


@given(
    st.binary(max_size=600),
    st.sampled_from(
        [
            f"multipart/form-data; boundary={B}",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
        ]
    ),
)
def test_no_body_raises(body, content_type):
    result = form_fields(content_type, CURL[:40] + body)
    assert result is None or isinstance(result, dict)
