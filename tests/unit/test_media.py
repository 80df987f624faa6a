"""Media uploads without AWS: the presigned POST policy we sign, media keys, and every decision
the validator makes, over in-memory objects and records that behave like S3 versions and the
conditional updates of the media record."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pydantic import TypeAdapter

from byline.auth.principal import Principal
from byline.content.images import JPEG, PNG
from byline.data.media import AlreadyDecided, MediaRecord
from byline.data.media_objects import MediaObjects, ObjectHead
from byline.errors import Forbidden
from byline.models.identity import MediaKey
from byline.models.media import MAX_MEDIA_BYTES, MediaUploadRequest
from byline.services.media import (
    PENDING_TTL_SECONDS,
    STATUS_TAG,
    UPLOAD_SECONDS,
    MediaService,
    Outcome,
    media_key,
    upload_policy,
)
from tests.support import images

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
AUTHOR = Principal(username="Ada", sub="sub-ada", groups=("author",))
READER = Principal(username="rita", sub="sub-rita", groups=("reader",))
BUCKET = "byline-test-media-123456789012"
PENDING_TAG = (
    "<Tagging><TagSet><Tag><Key>byline-media</Key><Value>pending</Value></Tag></TagSet></Tagging>"
)


@dataclass
class Records:
    """MediaRecords' contract: decisions only from pending, then AlreadyDecided."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    decide_first: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A decision another delivery makes just before ours (a race), per key."""

    def get(self, key: str) -> MediaRecord | None:
        item = self.items.get(key)
        return MediaRecord.from_item(item) if item else None

    def add_pending(self, record: MediaRecord, *, expires: int) -> None:
        assert record.key not in self.items
        fields = {k: v for k, v in asdict(record).items() if v is not None}
        self.items[record.key] = {**fields, "ttl": expires, "status": "pending"}

    def accept(
        self, key: str, *, checked_at: str, version_id: str | None, **dimensions: int
    ) -> None:
        changes = {"checked_at": checked_at, "version_id": version_id, **dimensions}
        self._decide(key, {**changes, "status": "accepted"}, remove_ttl=True)

    def reject(
        self, key: str, *, checked_at: str, version_id: str | None, reason: str, expires: int
    ) -> None:
        changes = {"checked_at": checked_at, "version_id": version_id, "reason": reason}
        self._decide(key, {**changes, "ttl": expires, "status": "rejected"}, remove_ttl=False)

    def _decide(self, key: str, changes: dict[str, Any], *, remove_ttl: bool) -> None:
        changes = {k: v for k, v in changes.items() if v is not None}
        if key in self.decide_first:
            self.items[key].update(self.decide_first.pop(key))
        item = self.items.get(key)
        if item is None or item["status"] != "pending":
            raise AlreadyDecided(key)
        item.update(changes)
        if remove_ttl:
            item.pop("ttl", None)


@dataclass
class Stored:
    data: bytes
    content_type: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Objects:
    """S3 versions in memory, recording what the validator read and deleted."""

    versions: dict[tuple[str, str], Stored] = field(default_factory=dict)
    reads: list[int] = field(default_factory=list)
    deleted: list[tuple[str, str | None]] = field(default_factory=list)

    def put(self, key: str, version: str, data: bytes, content_type: str = PNG) -> None:
        self.versions[(key, version)] = Stored(data, content_type, {STATUS_TAG: "pending"})

    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectHead | None:
        stored = self.versions.get((key, str(version_id)))
        if stored is None:
            return None
        return ObjectHead(size=len(stored.data), content_type=stored.content_type, etag="e")

    def read(self, bucket: str, key: str, version_id: str | None, length: int) -> bytes:
        self.reads.append(length)
        return self.versions[(key, str(version_id))].data[:length]

    def delete(self, bucket: str, key: str, version_id: str | None) -> None:
        self.deleted.append((key, version_id))
        self.versions.pop((key, str(version_id)), None)

    def tag(self, bucket: str, key: str, version_id: str | None, tags: dict[str, str]) -> None:
        self.versions[(key, str(version_id))].tags = dict(tags)


def service(records: Records | None = None, objects: Any = None) -> MediaService:
    return MediaService(
        records=records or Records(),  # type: ignore[arg-type]
        objects=objects or Objects(),
        bucket=BUCKET,
        clock=lambda: NOW,
        new_id=lambda _: "01jbq3k8w0x7c2d5f9g4h6",
    )


def signing_objects() -> MediaObjects:
    """A real S3 client with made-up credentials: presigning is local computation."""
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url="https://s3.amazonaws.com",  # whatever AWS_ENDPOINT_URL other tests set
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key="secret",
        aws_session_token="session-token",
    )
    return MediaObjects(client)


# ---------------------------------------------------------------- the upload grant


def test_media_keys_are_valid_media_keys_owned_by_the_uploader():
    key = media_key("Ada", "01jbq3k8w0x7c2d5f9g4h6", JPEG)
    assert key == "media/ada/01jbq3k8w0x7c2d5f9g4h6.jpg"
    assert TypeAdapter(MediaKey).validate_python(key) == key


def test_the_policy_fixes_type_size_range_and_pending_tag():
    fields, conditions = upload_policy(PNG, 1234)
    assert fields == {"Content-Type": PNG, "tagging": PENDING_TAG}
    assert conditions == [
        {"Content-Type": PNG},
        ["content-length-range", 1, 1234],
        {"tagging": PENDING_TAG},
    ]


def test_the_signed_post_policy_enforces_bucket_key_type_size_tag_and_ten_minutes():
    records = Records()
    granted = service(records, signing_objects()).request_upload(
        AUTHOR, MediaUploadRequest(content_type="image/png", size=48_213, filename="a.png")
    )
    fields = granted.upload.fields
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"bucket": BUCKET} in conditions
    assert {"key": granted.media_key} in conditions
    assert ["content-length-range", 1, 48_213] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"tagging": PENDING_TAG} in conditions
    assert {"x-amz-security-token": "session-token"} in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(0) < expiration - datetime.now(UTC) <= timedelta(seconds=UPLOAD_SECONDS)
    assert fields["key"] == granted.media_key
    assert fields["Content-Type"] == "image/png"
    assert fields["tagging"] == PENDING_TAG
    assert granted.upload.url == f"https://s3.amazonaws.com/{BUCKET}"
    assert granted.expires_at == NOW + timedelta(seconds=UPLOAD_SECONDS)


def test_the_grant_records_a_pending_upload_that_expires():
    records = Records()
    granted = service(records, signing_objects()).request_upload(
        AUTHOR, MediaUploadRequest(content_type="image/webp", size=10, filename=" cat.webp ")
    )
    assert granted.media_key == "media/ada/01jbq3k8w0x7c2d5f9g4h6.webp"
    assert records.items[granted.media_key] == {
        "key": granted.media_key,
        "owner": "ada",
        "status": "pending",
        "content_type": "image/webp",
        "declared_size": 10,
        "filename": "cat.webp",
        "created_at": "2026-11-25T09:30:00.000Z",
        "upload_expires_at": "2026-11-25T09:40:00.000Z",
        "ttl": int(NOW.timestamp()) + PENDING_TTL_SECONDS,
    }


def test_readers_may_not_upload():
    with pytest.raises(Forbidden):
        service().request_upload(READER, MediaUploadRequest(content_type="image/png", size=10))


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "image/svg+xml", "size": 10},
        {"content_type": "text/html", "size": 10},
        {"content_type": "image/png", "size": 0},
        {"content_type": "image/png", "size": MAX_MEDIA_BYTES + 1},
        {"content_type": "image/png", "size": 10, "filename": "a\nb"},
        {"content_type": "image/png", "size": 10, "filename": "x" * 201},
        {"content_type": "image/png", "size": 10, "key": "media/ada/mine.png"},
    ],
)
def test_bad_upload_requests_do_not_validate(body):
    with pytest.raises(ValueError, match="validation error"):
        MediaUploadRequest.model_validate(body)


# ---------------------------------------------------------------- the validator

KEY = "media/ada/01jbq3k8w0x7c2d5f9g4h6.png"


def pending(
    records: Records, content_type: str = PNG, size: int = 10_000, key: str = KEY
) -> dict[str, Any]:
    records.add_pending(
        MediaRecord(
            key=key, owner="ada", status="pending", content_type=content_type, declared_size=size
        ),
        expires=1,
    )
    return records.items[key]


def test_a_real_image_within_its_declared_size_is_accepted_tagged_and_kept():
    records, objects = Records(), Objects()
    record = pending(records)
    objects.put(KEY, "v1", images.png(3, 2))
    decision = service(records, objects).validate_upload(BUCKET, KEY, "v1")
    assert decision.outcome is Outcome.accepted
    assert record["status"] == "accepted"
    assert (record["width"], record["height"]) == (3, 2)
    assert record["size"] == len(images.png(3, 2))
    assert record["version_id"] == "v1"
    assert "ttl" not in record
    assert objects.versions[(KEY, "v1")].tags == {STATUS_TAG: "accepted"}
    assert objects.deleted == []


@pytest.mark.parametrize(
    ("data", "content_type", "declared", "reason"),
    [
        (b"just text", PNG, 100, "not an image of any accepted type"),
        (images.gif(), PNG, 100, "the bytes are image/gif"),
        (images.png(), PNG, 10, "more than the 10 allowed"),
        (b"", PNG, 100, "the file is empty"),
        (images.png(), "text/html", 1000, "uploaded as text/html, declared image/png"),
        (images.png()[:20], PNG, 1000, "ends inside the PNG header"),
    ],
)
def test_what_is_not_the_declared_image_is_rejected_and_deleted(
    data: bytes, content_type: str, declared: int, reason: str
):
    records, objects = Records(), Objects()
    record = pending(records, size=declared)
    objects.put(KEY, "v1", data, content_type)
    decision = service(records, objects).validate_upload(BUCKET, KEY, "v1")
    assert decision.outcome is Outcome.rejected
    assert reason in str(decision.reason)
    assert record["status"] == "rejected"
    assert reason in record["reason"]
    assert record["ttl"] > int(NOW.timestamp())
    assert objects.deleted == [(KEY, "v1")]
    assert (KEY, "v1") not in objects.versions


def test_the_ten_mebibyte_cap_holds_even_if_a_record_declares_more():
    records, objects = Records(), Objects()
    pending(records, size=MAX_MEDIA_BYTES * 2)
    objects.put(KEY, "v1", images.png() + b"\x00" * MAX_MEDIA_BYTES)
    decision = service(records, objects).validate_upload(BUCKET, KEY, "v1")
    assert decision.outcome is Outcome.rejected
    assert f"more than the {MAX_MEDIA_BYTES} allowed" in str(decision.reason)
    assert objects.reads == []


def test_the_whole_object_is_read_and_bytes_after_the_image_reject_it():
    records, objects = Records(), Objects()
    pending(records, JPEG, size=1_000_000)
    data = images.encoded(JPEG, 80, 60)
    objects.put(KEY, "v1", data + b"\x00" * 200_000, JPEG)
    decision = service(records, objects).validate_upload(BUCKET, KEY, "v1")
    assert decision.outcome is Outcome.rejected
    assert "200000 bytes after the end of the image" in str(decision.reason)
    assert objects.reads == [len(data) + 200_000]


def test_a_jpeg_whose_frame_header_comes_after_a_large_exif_segment_is_accepted():
    records, objects = Records(), Objects()
    record = pending(records, JPEG, size=1_000_000)
    full_exif = b"\xff\xe1\xff\xff" + b"\x00" * 65_533  # an APP1 segment of the largest size
    big_exif = b"\xff\xd8" + full_exif + images.encoded(JPEG, 80, 60)[2:]
    objects.put(KEY, "v1", big_exif, JPEG)
    assert service(records, objects).validate_upload(BUCKET, KEY, "v1").outcome is Outcome.accepted
    assert objects.reads == [len(big_exif)]
    assert record["width"] == 80


def test_an_object_without_a_granted_upload_is_deleted():
    objects = Objects()
    objects.put("media/ada/unknown.png", "v1", images.png())
    decision = service(Records(), objects).validate_upload(BUCKET, "media/ada/unknown.png", "v1")
    assert decision.outcome is Outcome.orphan
    assert objects.deleted == [("media/ada/unknown.png", "v1")]


@pytest.mark.parametrize("data", [images.png(), b"not an image"])
def test_a_redelivered_event_changes_nothing(data: bytes):
    records, objects = Records(), Objects()
    record = pending(records)
    objects.put(KEY, "v1", data)
    validator = service(records, objects)
    first = validator.validate_upload(BUCKET, KEY, "v1")
    before = dict(record)
    deleted = list(objects.deleted)
    again = validator.validate_upload(BUCKET, KEY, "v1")
    assert first.outcome in (Outcome.accepted, Outcome.rejected)
    assert again.outcome is Outcome.duplicate
    assert record == before
    if first.outcome is Outcome.accepted:
        assert objects.deleted == deleted == []
        assert (KEY, "v1") in objects.versions


def test_a_second_upload_to_a_decided_key_is_deleted_and_the_first_kept():
    records, objects = Records(), Objects()
    record = pending(records)
    objects.put(KEY, "v1", images.png())
    validator = service(records, objects)
    assert validator.validate_upload(BUCKET, KEY, "v1").outcome is Outcome.accepted
    objects.put(KEY, "v2", images.png(50, 50))
    assert validator.validate_upload(BUCKET, KEY, "v2").outcome is Outcome.superseded
    assert objects.deleted == [(KEY, "v2")]
    assert (KEY, "v1") in objects.versions
    assert (record["version_id"], record["width"]) == ("v1", 3)


def test_losing_a_race_to_another_version_deletes_this_one():
    records, objects = Records(), Objects()
    pending(records)
    records.decide_first[KEY] = {"status": "accepted", "version_id": "v1"}
    objects.put(KEY, "v2", images.png())
    decision = service(records, objects).validate_upload(BUCKET, KEY, "v2")
    assert decision.outcome is Outcome.superseded
    assert objects.deleted == [(KEY, "v2")]


def test_losing_a_race_to_the_same_event_is_a_duplicate():
    records, objects = Records(), Objects()
    pending(records)
    records.decide_first[KEY] = {"status": "accepted", "version_id": "v1"}
    objects.put(KEY, "v1", images.png())
    decision = service(records, objects).validate_upload(BUCKET, KEY, "v1")
    assert decision.outcome is Outcome.duplicate
    assert objects.deleted == []


def test_an_interrupted_rejection_is_finished_by_the_redelivery():
    records, objects = Records(), Objects()
    record = pending(records)
    record.update({"status": "rejected", "version_id": "v1", "reason": "not an image"})
    objects.put(KEY, "v1", b"not an image")  # the delete never happened
    decision = service(records, objects).validate_upload(BUCKET, KEY, "v1")
    assert decision.outcome is Outcome.duplicate
    assert objects.deleted == [(KEY, "v1")]


def test_an_object_gone_before_it_was_checked_is_rejected():
    records = Records()
    record = pending(records)
    decision = service(records, Objects()).validate_upload(BUCKET, KEY, "v1")
    assert decision.outcome is Outcome.rejected
    assert record["reason"] == "the uploaded object no longer exists"
