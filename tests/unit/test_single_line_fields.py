"""Single-line fields refuse line and paragraph separators and other control characters: one
of them in a title once made every digest it led fail (a header cannot hold a line break)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from byline.models.articles import ArticleCreate, ArticlePatch
from byline.models.conversation import CommentCreate
from byline.models.identity import ConfirmRequest, LoginRequest, ProfilePatch, SignupRequest
from byline.models.media import MediaUploadRequest
from byline.models.site import NavigationItem, SiteSettingsUpdate

BREAKERS = {
    "CR": "\r",
    "LF": "\n",
    "CRLF": "\r\n",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "NEL": "\u0085",
    "VT": "\x0b",
    "FF": "\x0c",
    "tab": "\t",
    "NUL": "\x00",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "C1 CSI": "\x9b",
    "file separator": "\x1c",
    "lone surrogate": "\ud800",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
}
SIGNUP = {
    "username": "someone",
    "email": "a@example.com",
    "password": "Correct-horse-42",
    "display_name": "A",
}
MEDIA = {"content_type": "image/png", "size": 10}
FIELDS: list[tuple[type[BaseModel], dict[str, Any], str]] = [
    (ArticleCreate, {}, "title"),
    (ArticleCreate, {"title": "T"}, "subtitle"),
    (ArticleCreate, {"title": "T"}, "series"),
    (ArticlePatch, {}, "title"),
    (ArticlePatch, {}, "subtitle"),
    (ArticlePatch, {}, "series"),
    (SignupRequest, SIGNUP, "display_name"),
    (ProfilePatch, {}, "display_name"),
    (ProfilePatch, {}, "location"),
    (ProfilePatch, {}, "meta_title"),
    (ProfilePatch, {}, "meta_description"),
    (SiteSettingsUpdate, {}, "title"),
    (SiteSettingsUpdate, {}, "description"),
    (SiteSettingsUpdate, {}, "meta_title"),
    (SiteSettingsUpdate, {}, "og_description"),
    (SiteSettingsUpdate, {}, "twitter_title"),
    (NavigationItem, {"url": "/"}, "label"),
    (MediaUploadRequest, MEDIA, "filename"),
    (CommentCreate, {"body": "b"}, "parent_id"),
    (LoginRequest, {"password": "pw"}, "login"),
    (ConfirmRequest, {"username": "someone"}, "code"),
]


@pytest.mark.parametrize("breaker", sorted(BREAKERS), ids=str)
@pytest.mark.parametrize(
    ("model", "base", "field"), FIELDS, ids=[f"{m.__name__}.{f}" for m, _, f in FIELDS]
)
def test_a_single_line_field_refuses_separators_and_controls(model, base, field, breaker):
    with pytest.raises(ValidationError) as refused:
        model.model_validate({**base, field: f"Hello{BREAKERS[breaker]}Bcc: x@example.com"})
    assert [e["loc"][0] for e in refused.value.errors()] == [field]


@pytest.mark.parametrize(
    "title",
    [
        "Plain",
        "Café crème — « quotes »",
        "日本語のタイトル",
        "👩‍💻 at work",
        "a  b",
        "שלום עולם",
        "مرحبا",
    ],
)
def test_a_single_line_field_keeps_ordinary_text_of_any_script(title):
    assert ArticleCreate.model_validate({"title": title, "subtitle": title}).title == title


def test_the_email_field_refuses_control_characters():
    for breaker in ("\x00", "\x7f", "\x85", "\u2028"):
        with pytest.raises(ValidationError):
            SignupRequest.model_validate({**SIGNUP, "email": f"a{breaker}b@example.com"})


MULTILINE_BREAKERS = sorted(set(BREAKERS) - {"LF", "CRLF"})


@pytest.mark.parametrize("breaker", MULTILINE_BREAKERS, ids=str)
def test_a_bio_keeps_line_feeds_and_refuses_every_other_control(breaker):
    assert ProfilePatch.model_validate({"bio": "one\ntwo\r\nthree"}).bio == "one\ntwo\r\nthree"
    with pytest.raises(ValidationError) as refused:
        ProfilePatch.model_validate({"bio": f"Hello{BREAKERS[breaker]}there"})
    assert [e["loc"][0] for e in refused.value.errors()] == ["bio"]
