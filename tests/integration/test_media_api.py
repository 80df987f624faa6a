"""Media over HTTP through the local stack: a presigned POST straight to S3 (moto), the S3
event the local stack delivers to the validator, and what the validator leaves behind in the
bucket and the table; then covers and avatars that must be accepted uploads."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from byline import aws
from byline.content.slugs import slugify
from byline.data import keys
from byline.data.media import MediaRecords
from byline.data.table import table
from local.events import s3_event
from local.runtime import S3Poller, s3_notifications, s3_pollers
from tests.support import images
from tests.support.article_helpers import create
from tests.support.identity_helpers import User, make_user
from tests.support.media_uploads import (
    PNG,
    grant,
    upload,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def author(local_api) -> User:
    return make_user(local_api, "author")


@pytest.fixture
def s3_events(local_stack) -> S3Poller:
    """The media bucket's event notifications, primed now: only what a test uploads is new."""
    (poller,) = s3_pollers(local_stack.runtime, local_stack.stack)
    return poller


@pytest.fixture(scope="module")
def bucket(stack_resources) -> str:
    return stack_resources["MEDIA_BUCKET"]


def deliver(poller: S3Poller, key: str) -> list[Any]:
    """One step of the S3 event source; the validator's results for this key."""
    results = []
    for _, invocation in poller.poll_once():
        assert invocation.ok, invocation.error
        if key in invocation.result:
            results.append(invocation.result[key])
    return results


def record(key: str) -> dict[str, Any] | None:
    """The media item as stored."""
    return table().get(keys.media(key), consistent=True)


def versions(bucket: str, key: str) -> list[dict[str, Any]]:
    """Every version and delete marker S3 holds for the key."""
    listing = aws.s3().list_object_versions(Bucket=bucket, Prefix=key)
    return [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]


def accepted_media(base: str, user: User, poller: S3Poller, data: bytes = PNG) -> str:
    granted = grant(base, user, size=len(data))
    upload(granted, data)
    assert deliver(poller, granted["media_key"]) == ["accepted"]
    return str(granted["media_key"])


# ---------------------------------------------------------------- the grant


def test_a_grant_is_a_presigned_post_whose_policy_pins_key_type_size_and_expiry(
    local_api, author, bucket
):
    granted = grant(local_api, author, size=2048, filename="diagram.png")
    key = granted["media_key"]
    assert key.startswith(f"media/{author.username}/")
    assert key.endswith(".png")
    expires_at = datetime.fromisoformat(granted["expires_at"])
    assert timedelta(minutes=9) < expires_at - datetime.now(UTC) <= timedelta(minutes=10)
    fields = granted["upload"]["fields"]
    assert fields["key"] == key
    assert fields["Content-Type"] == "image/png"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"bucket": bucket} in conditions
    assert {"key": key} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 2048] in conditions
    assert {"tagging": fields["tagging"]} in conditions
    assert "<Value>pending</Value>" in fields["tagging"]
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert abs(expiration - expires_at) < timedelta(seconds=5)
    stored = record(key)
    assert stored is not None
    assert stored["status"] == "pending"
    assert stored["owner"] == author.username
    assert stored["filename"] == "diagram.png"
    assert int(stored["declared_size"]) == 2048
    assert int(stored["ttl"]) > datetime.now(UTC).timestamp()


def test_a_retried_grant_with_the_same_idempotency_key_is_the_first_one(local_api, author):
    headers = {**author.auth, "Idempotency-Key": uuid.uuid4().hex}
    body = {"content_type": "image/gif", "size": 100}
    first = requests.post(f"{local_api}/media", json=body, headers=headers, timeout=30)
    again = requests.post(f"{local_api}/media", json=body, headers=headers, timeout=30)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "image/svg+xml", "size": 100},
        {"content_type": "text/html", "size": 100},
        {"content_type": "image/png", "size": 10 * 1024 * 1024 + 1},
        {"content_type": "image/png", "size": 0},
        {"content_type": "image/png"},
    ],
)
def test_types_and_sizes_outside_the_limits_are_422(local_api, author, body):
    response = requests.post(f"{local_api}/media", json=body, headers=author.auth, timeout=30)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"


# ---------------------------------------------------------------- the validator


def test_an_uploaded_png_is_accepted_with_its_width_and_height(
    local_api, author, s3_events, bucket
):
    granted = grant(local_api, author)
    key = granted["media_key"]
    upload(granted, PNG)
    assert record(key)["status"] == "pending"
    assert deliver(s3_events, key) == ["accepted"]
    stored = record(key)
    (version,) = versions(bucket, key)
    assert stored["status"] == "accepted"
    assert (int(stored["width"]), int(stored["height"])) == (5, 4)
    assert int(stored["size"]) == len(PNG)
    assert stored["version_id"] == version["VersionId"]
    assert "ttl" not in stored
    tags = aws.s3().get_object_tagging(Bucket=bucket, Key=key, VersionId=version["VersionId"])
    assert tags["TagSet"] == [{"Key": "byline-media", "Value": "accepted"}]
    assert aws.s3().get_object(Bucket=bucket, Key=key)["Body"].read() == PNG


def test_a_text_file_declared_as_png_is_deleted_with_every_version_and_rejected(
    local_api, author, s3_events, bucket
):
    text = b"<html><script>alert(1)</script></html>"
    granted = grant(local_api, author, size=len(text))
    key = granted["media_key"]
    upload(granted, text)
    assert len(versions(bucket, key)) == 1
    assert deliver(s3_events, key) == ["rejected"]
    assert versions(bucket, key) == []
    stored = record(key)
    assert stored["status"] == "rejected"
    assert "not an image" in stored["reason"]


def test_an_upload_larger_than_declared_is_deleted_and_rejected(
    local_api, author, s3_events, bucket
):
    big = images.png(300, 300)
    granted = grant(local_api, author, size=len(big) - 1)  # moto does not enforce the policy
    key = granted["media_key"]
    upload(granted, big)
    assert deliver(s3_events, key) == ["rejected"]
    assert versions(bucket, key) == []
    assert f"more than the {len(big) - 1} allowed" in record(key)["reason"]


def test_a_redelivered_event_changes_nothing(local_stack, local_api, author, s3_events, bucket):
    key = accepted_media(local_api, author, s3_events)
    before = record(key)
    (version,) = versions(bucket, key)
    event = s3_event(
        bucket=bucket,
        key=key,
        size=version["Size"],
        etag=version["ETag"],
        version_id=version["VersionId"],
        sequencer="0055AED6DCD90281E5",
        event_time=version["LastModified"],
        configuration_id="MediaValidatorFunctionUpload",
    )
    for _ in range(2):
        invocation = local_stack.runtime.invoke("MediaValidatorFunction", event)
        assert invocation.ok, invocation.error
        assert invocation.result == {key: "duplicate"}
    assert record(key) == before
    assert versions(bucket, key) == [version]


def test_a_second_upload_with_the_same_form_is_deleted_and_the_first_kept(
    local_api, author, s3_events, bucket
):
    granted = grant(local_api, author, size=10_000)
    key = granted["media_key"]
    upload(granted, PNG)
    assert deliver(s3_events, key) == ["accepted"]
    (first,) = versions(bucket, key)
    upload(granted, images.png(50, 50))  # the form is valid for ten minutes
    assert deliver(s3_events, key) == ["superseded"]
    assert versions(bucket, key) == [first]
    assert aws.s3().get_object(Bucket=bucket, Key=key)["Body"].read() == PNG
    assert (int(record(key)["width"]), record(key)["version_id"]) == (5, first["VersionId"])


def test_an_object_nobody_was_granted_is_deleted(s3_events, bucket):
    key = f"media/intruder/{uuid.uuid4().hex}.png"
    aws.s3().put_object(Bucket=bucket, Key=key, Body=PNG, ContentType="image/png")
    assert deliver(s3_events, key) == ["orphan"]
    assert versions(bucket, key) == []
    assert record(key) is None


def test_objects_outside_media_are_not_announced(local_stack, s3_events, bucket):
    (notification,) = s3_notifications(local_stack.runtime.specs, local_stack.stack)
    assert (notification.logical_id, notification.prefix) == ("MediaValidatorFunction", "media/")
    key = f"exports/{uuid.uuid4().hex}.txt"
    aws.s3().put_object(Bucket=bucket, Key=key, Body=b"x")
    try:
        assert all(key not in inv.result for _, inv in s3_events.poll_once())
        assert len(versions(bucket, key)) == 1
    finally:
        for version in versions(bucket, key):
            aws.s3().delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])


# ---------------------------------------------------------------- covers and avatars


def _create(base: str, user: User, **fields: Any) -> requests.Response:
    body = {"title": f"Cover {uuid.uuid4().hex[:8]}", "body": "text", **fields}
    return requests.post(f"{base}/articles", json=body, headers=user.auth, timeout=30)


def _nothing_written(response: requests.Response, title: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "cover" in response.json()["detail"]
    assert table().get(keys.slug_claim(slugify(title))) is None


def test_an_article_takes_an_accepted_cover_of_its_author(local_api, author, s3_events):
    cover = accepted_media(local_api, author, s3_events)
    response = _create(local_api, author, cover=cover)
    assert response.status_code == 201, response.text
    assert response.json()["cover"] == cover


def test_a_pending_rejected_foreign_or_unknown_cover_is_422_and_nothing_is_written(
    local_api, author, s3_events
):
    pending = grant(local_api, author)["media_key"]
    refused = grant(local_api, author, size=4)
    upload(refused, b"text")
    assert deliver(s3_events, refused["media_key"]) == ["rejected"]
    someone = make_user(local_api, "author")
    foreign = accepted_media(local_api, someone, s3_events)
    unknown = f"media/{author.username}/never-granted.png"
    for cover in (pending, refused["media_key"], foreign, unknown):
        title = f"Refused cover {uuid.uuid4().hex[:8]}"
        response = _create(local_api, author, title=title, cover=cover)
        _nothing_written(response, title)


def test_an_edit_checks_a_new_cover_in_the_same_transaction(local_api, author, s3_events):
    article = create(local_api, author)
    pending = grant(local_api, author)["media_key"]
    url = f"{local_api}/articles/{article['id']}"
    refused = requests.patch(
        url, json={"cover": pending}, headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    unchanged = requests.get(f"{url}/draft", headers=author.auth, timeout=30)
    assert unchanged.json()["cover"] is None
    assert unchanged.headers["ETag"] == article["etag"]
    cover = accepted_media(local_api, author, s3_events)
    edited = requests.patch(
        url, json={"cover": cover}, headers={**author.auth, "If-Match": article["etag"]},
        timeout=30,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert edited.json()["cover"] == cover


def test_an_editor_may_use_their_own_upload_as_cover_of_someone_else_s_article(
    local_api, author, s3_events
):
    editor = make_user(local_api, "editor")
    third = make_user(local_api, "author")
    article = create(local_api, author)
    url = f"{local_api}/articles/{article['id']}"
    theirs = accepted_media(local_api, third, s3_events)
    refused = requests.patch(
        url, json={"cover": theirs}, headers={**editor.auth, "If-Match": article["etag"]},
        timeout=30,
    )  # fmt: skip
    assert refused.status_code == 422, refused.text
    own = accepted_media(local_api, editor, s3_events)
    edited = requests.patch(
        url, json={"cover": own}, headers={**editor.auth, "If-Match": article["etag"]},
        timeout=30,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text


def test_an_avatar_must_be_the_user_s_own_accepted_upload(local_api, author, s3_events):
    def set_avatar(user: User, avatar: str | None) -> requests.Response:
        return requests.patch(
            f"{local_api}/me", json={"avatar": avatar}, headers=user.auth, timeout=30
        )

    pending = grant(local_api, author)["media_key"]
    assert set_avatar(author, pending).status_code == 422
    someone = make_user(local_api, "author")
    assert set_avatar(author, accepted_media(local_api, someone, s3_events)).status_code == 422
    own = accepted_media(local_api, author, s3_events)
    response = set_avatar(author, own)
    assert response.status_code == 200, response.text
    assert response.json()["avatar"] == own
    cleared = set_avatar(author, None)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["avatar"] is None


def test_deleting_an_account_deletes_every_version_of_its_avatar_and_keeps_other_uploads(
    local_api, s3_events, bucket
):
    leaving = make_user(local_api, "author")
    avatar = accepted_media(local_api, leaving, s3_events)
    other_upload = accepted_media(local_api, leaving, s3_events)
    s3 = aws.s3()
    # a second upload to the same key (the grant allows it until it expires) is a second version
    s3.put_object(Bucket=bucket, Key=avatar, Body=PNG, ContentType="image/png")
    versions = s3.list_object_versions(Bucket=bucket, Prefix=avatar)["Versions"]
    assert len(versions) == 2
    patched = requests.patch(
        f"{local_api}/me", json={"avatar": avatar}, headers=leaving.auth, timeout=30
    )
    assert patched.status_code == 200

    assert requests.delete(f"{local_api}/me", headers=leaving.auth, timeout=30).status_code == 204

    left = s3.list_object_versions(Bucket=bucket, Prefix=avatar)
    assert left.get("Versions", []) == []
    assert left.get("DeleteMarkers", []) == []
    assert MediaRecords(table()).get(avatar) is None
    # an upload that is not the avatar may be in one of the (kept, unpublished) articles
    assert s3.list_object_versions(Bucket=bucket, Prefix=other_upload).get("Versions")
    assert MediaRecords(table()).get(other_upload).status == "accepted"
    # once deleted, the account's tokens are refused (docs/decisions/0010)
    assert requests.delete(f"{local_api}/me", headers=leaving.auth, timeout=30).status_code == 401


def test_s3_failing_while_an_account_is_deleted_is_a_503_and_a_retry_finishes(
    local_api, s3_events, bucket
):
    from byline.auth.principal import Principal
    from byline.errors import ServiceUnavailable
    from byline.services.accounts import accounts
    from tests.support.aws_calls import Faults

    leaving = make_user(local_api, "author")
    avatar = accepted_media(local_api, leaving, s3_events)
    patched = requests.patch(
        f"{local_api}/me", json={"avatar": avatar}, headers=leaving.auth, timeout=30
    )
    assert patched.status_code == 200
    principal = Principal(username=leaving.username, sub=leaving.username, email=leaving.email)

    with Faults(aws.s3()) as faults:
        faults.fail("DeleteObject", code="InternalError", status=500)
        with pytest.raises(ServiceUnavailable):
            accounts().delete_account(principal)
    assert faults.attempts["DeleteObject"] > 1  # botocore retried before giving up
    assert table().get(keys.user_profile(leaving.username)) is not None  # not half-forgotten

    accounts().delete_account(principal)
    assert aws.s3().list_object_versions(Bucket=bucket, Prefix=avatar).get("Versions", []) == []
    assert table().get(keys.user_profile(leaving.username))["kind"] == "tombstone"


# ---------------------------------------------------------------- whole-image decoding

ATTACKS = {
    "png header then html": (images.png_with_html, "image/png"),
    "gif javascript polyglot": (images.gif_javascript_polyglot, "image/gif"),
    "png claiming 2^24 x 2^24 pixels": (images.png_claiming, "image/png"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_file_is_rejected_deleted_and_unusable_as_a_cover(
    local_api, author, s3_events, bucket, attack
):
    build, media_type = ATTACKS[attack]
    data = build()
    granted = grant(local_api, author, content_type=media_type, size=len(data))
    key = granted["media_key"]
    upload(granted, data, media_type)
    assert deliver(s3_events, key) == ["rejected"]
    assert versions(bucket, key) == []
    assert record(key)["status"] == "rejected"
    response = requests.post(
        f"{local_api}/articles", json={"title": "Cover", "cover": key}, headers=author.auth,
        timeout=30,
    )  # fmt: skip
    assert response.status_code == 422


@pytest.mark.parametrize("media_type", ["image/png", "image/jpeg", "image/gif", "image/webp"])
def test_a_real_image_of_each_accepted_type_is_accepted(local_api, author, s3_events, media_type):
    data = images.encoded(media_type, 12, 7)
    granted = grant(local_api, author, content_type=media_type, size=len(data))
    upload(granted, data, media_type)
    assert deliver(s3_events, granted["media_key"]) == ["accepted"]
    stored = record(granted["media_key"])
    assert (int(stored["width"]), int(stored["height"])) == (12, 7)
