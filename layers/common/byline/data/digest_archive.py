"""The digest bucket in S3: each sent digest's HTML, which the email's "view in browser" and
"N more" links open (``digests/<username>/<period>.html``), and each planner run's snapshot of
the candidate articles that its workers read once (``runs/<run>/candidates.json``, expired after
two days by a lifecycle rule: it names authors and titles).

:class:`DigestStore` is what the digest service needs; :class:`S3DigestStore` keeps it in the
bucket, and tests give the service an in-memory one. The object keys are formatted here and
nowhere else."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol


def archive_prefix(username: str) -> str:
    """Where a subscriber's sent digests are archived in the digest bucket."""
    return f"digests/{username}/"


def archive_key(username: str, period: str) -> str:
    """The archived HTML of one subscriber's digest for one period."""
    return f"{archive_prefix(username)}{period}.html"


def run_key(run: str) -> str:
    """A planner run's snapshot of candidate articles."""
    return f"runs/{run}/candidates.json"


class DigestStore(Protocol):
    def save_candidates(self, run: str, candidates: Sequence[Mapping[str, Any]]) -> None:
        """Store a planner run's candidates (JSON-ready mappings)."""
        ...

    def candidates(self, run: str) -> list[dict[str, Any]]:
        """A planner run's candidates as they were stored."""
        ...

    def save_digest(self, username: str, period: str, html: str) -> str:
        """Archive a digest's HTML; its key."""
        ...

    def digest(self, username: str, period: str) -> str | None:
        """A digest's archived HTML; None when there is none (or no longer)."""
        ...

    def link(self, key: str, seconds: int) -> str:
        """A presigned URL of an archived digest, valid for ``seconds``."""
        ...

    def forget_digest(self, username: str, period: str) -> int:
        """Delete one archived digest for good (every version); how many objects went."""
        ...

    def forget_digests(self, username: str) -> int:
        """Delete every archived digest of ``username`` for good (account deletion)."""
        ...


class S3DigestStore:
    """:class:`DigestStore` in the (versioned) digest bucket."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def save_candidates(self, run: str, candidates: Sequence[Mapping[str, Any]]) -> None:
        self._put(run_key(run), json.dumps(list(candidates)).encode(), "application/json")

    def candidates(self, run: str) -> list[dict[str, Any]]:
        loaded: list[dict[str, Any]] = json.loads(self._get(run_key(run)))
        return loaded

    def save_digest(self, username: str, period: str, html: str) -> str:
        key = archive_key(username, period)
        self._put(key, html.encode(), "text/html; charset=utf-8")
        return key

    def digest(self, username: str, period: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            return self._get(archive_key(username, period)).decode("utf-8")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def link(self, key: str, seconds: int) -> str:
        from byline import aws

        return aws.s3().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
        )

    def forget_digest(self, username: str, period: str) -> int:
        return self._forget(archive_key(username, period))

    def forget_digests(self, username: str) -> int:
        return self._forget(archive_prefix(username))

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        from byline import aws

        aws.s3().put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def _get(self, key: str) -> bytes:
        from byline import aws

        return aws.s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def _forget(self, prefix: str) -> int:
        """Every version of every object under ``prefix``, deleted for good."""
        from byline import aws
        from byline.data.media_objects import delete_versions

        return delete_versions(aws.s3(), self.bucket, prefix)
