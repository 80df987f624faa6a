"""Request bodies take JSON's own types: a number or a boolean sent as a string is a 422, not
quietly converted (schemathesis's long run found ``{"muted": "True"}`` accepted)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from byline.models.articles import ArticleCreate, ArticlePatch
from byline.models.media import MediaUploadRequest
from byline.models.subscriptions import FollowTagRequest, SubscriptionUpdate

ARTICLE = {"title": "T", "body": "b", "series": "S"}
CASES: list[tuple[type[BaseModel], dict[str, Any], str, Any, Any]] = [
    (FollowTagRequest, {}, "muted", True, "True"),
    (FollowTagRequest, {}, "muted", False, 0),
    (SubscriptionUpdate, {"cadence": "daily"}, "hour", 8, "8"),
    (SubscriptionUpdate, {"cadence": "daily"}, "hour", 8, 8.0),
    (SubscriptionUpdate, {"cadence": "weekly"}, "weekday", 2, "2"),
    (MediaUploadRequest, {"content_type": "image/png"}, "size", 2048, "2048"),
    (ArticleCreate, ARTICLE, "series_part", 2, "2"),
    (ArticlePatch, {}, "series_part", 2, True),
]


@pytest.mark.parametrize(
    ("model", "base", "field", "good", "bad"),
    CASES,
    ids=[f"{m.__name__}.{f}={b!r}" for m, _, f, _, b in CASES],
)
def test_a_field_takes_its_json_type_and_refuses_look_alikes(model, base, field, good, bad):
    assert getattr(model.model_validate({**base, field: good}), field) == good
    with pytest.raises(ValidationError) as refused:
        model.model_validate({**base, field: bad})
    assert [e["loc"][0] for e in refused.value.errors()] == [field]


@pytest.mark.parametrize(
    "zone",
    ["UTC", "Europe/Paris", "America/Argentina/Salta", "Asia/Kolkata", "Etc/GMT-2", "Etc/UTC"],
)
def test_a_subscription_takes_an_iana_area_location_zone_or_utc(zone):
    assert (
        SubscriptionUpdate.model_validate({"cadence": "daily", "timezone": zone}).timezone == zone
    )


@pytest.mark.parametrize(
    "zone",
    # the host's own zone, tzdata's placeholder, the POSIX default rules, legacy bare aliases,
    # the copied trees some hosts keep, and names that are no zone at all
    ["localtime", "Factory", "posixrules", "EST", "CET", "GB", "Japan", "Zulu", "GMT",
     "posix/Europe/Paris", "right/Europe/Paris", "Mars/Olympus", "europe/paris", "Europe"],
)  # fmt: skip
def test_a_subscription_refuses_names_that_are_no_area_location_zone(zone):
    with pytest.raises(ValidationError) as refused:
        SubscriptionUpdate.model_validate({"cadence": "daily", "timezone": zone})
    assert [e["loc"] for e in refused.value.errors()] == [("timezone",)]
