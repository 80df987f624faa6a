"""Media: presigned uploads with type and size limits, and the validator that looks at what
was actually uploaded and keeps it only if it really is the declared image.

The presigned POST's policy makes S3 refuse an upload of another size, type or key. The
validator does not trust that (an emulator, a misconfigured policy, a bug in a client library):
it checks the real size, the real type and the bytes themselves, and deletes what fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from xml.sax.saxutils import escape  # escapes output, parses nothing  # nosec B406

from byline.auth.policy import Action, authorize
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.content.images import EXTENSIONS, ImageInfo, ImageRejected, verify
from byline.data.media import AlreadyDecided, MediaRecord, MediaRecords
from byline.data.media_objects import MediaObjects, ObjectHead
from byline.ids import new_id
from byline.models.media import MAX_MEDIA_BYTES, MediaUpload, MediaUploadRequest, PresignedPost

MEDIA_PREFIX = "media/"
UPLOAD_SECONDS = 600
"""How long a presigned POST is valid: long enough for a slow phone upload, short enough that
a leaked form is soon useless."""
PENDING_TTL_SECONDS = 24 * 3600
REJECTED_TTL_SECONDS = 7 * 24 * 3600
STATUS_TAG = "byline-media"
"""Object tag the bucket's lifecycle selects on: uploads carry ``pending`` (the POST policy
requires it) and expire after a day unless the validator re-tags them ``accepted``."""


def media_key(username: str, media_id: str, content_type: str) -> str:
    """``media/<username>/<id>.<ext>``: the MediaKey shape, unique and owned at a glance."""
    return f"{MEDIA_PREFIX}{username.lower()}/{media_id}.{EXTENSIONS[content_type]}"


def tagging_xml(tags: dict[str, str]) -> str:
    """The ``tagging`` form field of a POST upload (S3 wants the XML document there)."""
    tag_set = "".join(
        f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in tags.items()
    )
    return f"<Tagging><TagSet>{tag_set}</TagSet></Tagging>"


def upload_policy(content_type: str, size: int) -> tuple[dict[str, str], list[Any]]:
    """The form fields and POST policy conditions of one upload: exactly this type, between
    1 byte and the declared size, tagged pending. (boto3 adds the bucket and exact key.)"""
    tagging = tagging_xml({STATUS_TAG: "pending"})
    fields = {"Content-Type": content_type, "tagging": tagging}
    conditions: list[Any] = [
        {"Content-Type": content_type},
        ["content-length-range", 1, size],
        {"tagging": tagging},
    ]
    return fields, conditions


class Outcome(StrEnum):
    accepted = "accepted"
    rejected = "rejected"
    duplicate = "duplicate"
    """This version was already decided: a redelivered event."""
    superseded = "superseded"
    """Another upload to the same key was decided first; this version was deleted."""
    orphan = "orphan"
    """No upload was granted for this key; the object was deleted."""


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str | None = None
    """Why an upload was rejected."""


@dataclass
class MediaService:
    records: MediaRecords
    objects: MediaObjects
    bucket: str
    clock: Clock = utc_now
    new_id: Callable[[datetime], str] = field(default=new_id)

    # -- uploads -----------------------------------------------------------------------------
    def request_upload(self, principal: Principal, request: MediaUploadRequest) -> MediaUpload:
        authorize(principal, Action.upload_media)
        now = self.clock()
        key = media_key(principal.username, self.new_id(now), request.content_type)
        fields, conditions = upload_policy(request.content_type, request.size)
        post = self.objects.presigned_post(self.bucket, key, fields, conditions, UPLOAD_SECONDS)
        expires_at = now + timedelta(seconds=UPLOAD_SECONDS)
        record = MediaRecord(
            key=key,
            owner=principal.username.lower(),
            status="pending",
            content_type=request.content_type,
            declared_size=request.size,
            filename=request.filename,
            created_at=iso(now),
            upload_expires_at=iso(expires_at),
        )
        self.records.add_pending(record, expires=int(now.timestamp()) + PENDING_TTL_SECONDS)
        return MediaUpload(
            media_key=key,
            upload=PresignedPost(url=str(post["url"]), fields=dict(post["fields"])),
            expires_at=expires_at,
        )

    def forget(self, owner: str, media_key: str) -> None:
        """Delete an upload of ``owner`` for good: every stored version, then its record (in
        that order, so a retry after a failure still knows the key). Keys outside the owner's
        prefix are left alone."""
        if not media_key.startswith(f"{MEDIA_PREFIX}{owner.lower()}/"):
            return
        self.objects.delete_every_version(self.bucket, media_key)
        self.records.delete(media_key)

    # -- validation --------------------------------------------------------------------------
    def validate_upload(self, bucket: str, key: str, version_id: str | None) -> Decision:
        """Decide one uploaded object version. Safe to repeat: S3 delivers events at least
        once, and a decided record is never decided again."""
        record = self.records.get(key)
        if record is None:
            self.objects.delete(bucket, key, version_id)
            return Decision(Outcome.orphan)
        if record.status != "pending":
            return self._already_decided(bucket, key, version_id, record)
        verdict, size = self._inspect(bucket, key, version_id, record)
        now = self.clock()
        try:
            if isinstance(verdict, ImageInfo):
                self.objects.tag(bucket, key, version_id, {STATUS_TAG: "accepted"})
                self.records.accept(
                    key,
                    checked_at=iso(now),
                    version_id=version_id,
                    width=verdict.width,
                    height=verdict.height,
                    size=size,
                )
                return Decision(Outcome.accepted)
            self.records.reject(
                key,
                checked_at=iso(now),
                version_id=version_id,
                reason=verdict,
                expires=int(now.timestamp()) + REJECTED_TTL_SECONDS,
            )
        except AlreadyDecided:  # a concurrent delivery decided first
            current = self.records.get(key)
            if current is None:
                self.objects.delete(bucket, key, version_id)
                return Decision(Outcome.orphan)
            return self._already_decided(bucket, key, version_id, current)
        self.objects.delete(bucket, key, version_id)
        return Decision(Outcome.rejected, verdict)

    def _already_decided(
        self, bucket: str, key: str, version_id: str | None, record: MediaRecord
    ) -> Decision:
        if record.version_id == version_id:
            if record.status == "rejected":
                self.objects.delete(bucket, key, version_id)  # finish an interrupted rejection
            return Decision(Outcome.duplicate)
        self.objects.delete(bucket, key, version_id)
        return Decision(Outcome.superseded)

    def _inspect(
        self, bucket: str, key: str, version_id: str | None, record: MediaRecord
    ) -> tuple[ImageInfo | str, int]:
        """The image's dimensions or the reason it is refused, and the object's real size."""
        head = self.objects.head(bucket, key, version_id)
        if head is None:
            return "the uploaded object no longer exists", 0
        return self._judge(bucket, key, version_id, record, head), head.size

    def _judge(
        self, bucket: str, key: str, version_id: str | None, record: MediaRecord, head: ObjectHead
    ) -> ImageInfo | str:
        declared_type = record.content_type
        limit = min(record.declared_size, MAX_MEDIA_BYTES)
        if head.size == 0:
            return "the file is empty"
        if head.size > limit:
            return f"the file has {head.size} bytes, more than the {limit} allowed"
        if head.content_type.split(";")[0].strip().lower() != declared_type:
            return f"uploaded as {head.content_type or 'no type'}, declared {declared_type}"
        # the whole object (at most 10 MiB): every byte must belong to the image
        data = self.objects.read(bucket, key, version_id, head.size)
        try:
            return verify(data, declared_type)
        except ImageRejected as refused:
            return str(refused)


@cache
def media_service() -> MediaService:
    from byline.data.media_objects import media_objects
    from byline.data.table import table
    from byline.settings import get_settings

    return MediaService(
        records=MediaRecords(table()),
        objects=media_objects(),
        bucket=get_settings().media_bucket,
    )
