"""Uploaded media objects in S3: presigned POSTs, and one object *version* at a time for the
validator (the media bucket is versioned, so a key can hold several uploads; each S3 event
names the version it is about)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from byline import aws
from byline.errors import ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}


@dataclass(frozen=True)
class ObjectHead:
    size: int
    content_type: str
    etag: str


class MediaObjects:
    def __init__(self, client: S3Client) -> None:
        self._s3 = client

    def presigned_post(
        self,
        bucket: str,
        key: str,
        fields: Mapping[str, str],
        conditions: Sequence[Any],
        expires_in: int,
    ) -> dict[str, Any]:
        """``{"url", "fields"}``; boto3 adds the bucket, key, credential and date conditions."""
        return dict(
            self._s3.generate_presigned_post(
                Bucket=bucket,
                Key=key,
                Fields=dict(fields),
                Conditions=list(conditions),
                ExpiresIn=expires_in,
            )
        )

    def head(self, bucket: str, key: str, version_id: str | None) -> ObjectHead | None:
        """The version's size, type and ETag; None when that version no longer exists."""
        from botocore.exceptions import ClientError

        try:
            head = self._s3.head_object(Bucket=bucket, Key=key, **_version(version_id))
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise
        return ObjectHead(
            size=int(head.get("ContentLength", 0)),
            content_type=str(head.get("ContentType", "")),
            etag=str(head.get("ETag", "")).strip('"'),
        )

    def read(self, bucket: str, key: str, version_id: str | None, length: int) -> bytes:
        """The first ``length`` bytes of the version (fewer if it is shorter)."""
        response = self._s3.get_object(
            Bucket=bucket, Key=key, Range=f"bytes=0-{length - 1}", **_version(version_id)
        )
        body = response["Body"]
        try:
            return body.read(length)
        finally:
            body.close()

    def delete(self, bucket: str, key: str, version_id: str | None) -> None:
        """Delete the version itself, not just hide it behind a delete marker. Deleting a
        version that is already gone succeeds, as S3 does; so does a bucket that is gone."""
        from botocore.exceptions import ClientError

        try:
            self._s3.delete_object(Bucket=bucket, Key=key, **_version(version_id))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchBucket":
                raise

    def delete_every_version(self, bucket: str, key: str) -> int:
        """Delete each version and delete marker of ``key`` (the bucket is versioned, so a plain
        delete would only hide the bytes). Returns how many went; a second call finds none."""
        return delete_versions(self._s3, bucket, key, exact=True)

    def tag(self, bucket: str, key: str, version_id: str | None, tags: Mapping[str, str]) -> None:
        """Replace the version's tags (lifecycle rules select on them)."""
        self._s3.put_object_tagging(
            Bucket=bucket,
            Key=key,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
            **_version(version_id),
        )


@cache
def media_objects() -> MediaObjects:
    """The adapter over the process's S3 client (services receive it; tests give a fake)."""
    return MediaObjects(aws.s3())


def delete_versions(s3: S3Client, bucket: str, prefix: str, *, exact: bool = False) -> int:
    """Delete for good every version and delete marker of the objects under ``prefix`` (of
    the one object named ``prefix`` when ``exact``) in a versioned bucket. Returns how many
    went; a bucket that is gone has none. S3 unavailable or throttling (after botocore's
    retries) is a 503 for the caller: what was deleted stays deleted, and a retry deletes the
    rest."""
    from botocore.exceptions import BotoCoreError, ClientError

    doomed: list[tuple[str, str]] = []
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    try:
        while True:
            page = s3.list_object_versions(**kwargs)
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                key, version = str(entry.get("Key", "")), entry.get("VersionId")
                if version and (key == prefix or not exact):
                    doomed.append((key, str(version)))
            if not page.get("IsTruncated"):
                break
            kwargs["KeyMarker"] = page.get("NextKeyMarker")
            kwargs["VersionIdMarker"] = page.get("NextVersionIdMarker")
        for key, version in doomed:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code == "NoSuchBucket":
            return 0
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if status >= 500 or code in {"SlowDown", "RequestTimeout"}:
            raise ServiceUnavailable("The file store is busy; retry shortly.") from error
        raise
    except BotoCoreError as error:
        raise ServiceUnavailable("The file store could not be reached.") from error
    return len(doomed)


def _version(version_id: str | None) -> dict[str, Any]:
    return {"VersionId": version_id} if version_id else {}
