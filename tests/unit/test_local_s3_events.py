"""The S3 event notification the local stack delivers, field for field."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from local.events import s3_event
from local.runtime import S3Notification

WHEN = datetime(2026, 11, 25, 9, 31, 12, 482000, tzinfo=UTC)


def _event(**overrides):
    arguments = {
        "bucket": "byline-dev-media-123456789012",
        "key": "media/ada/a photo+(1).png",
        "size": 42,
        "etag": '"d41d8cd98f00b204e9800998ecf8427e"',
        "version_id": "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
        "sequencer": "0055AED6DCD90281E5",
        "event_time": WHEN,
        "configuration_id": "MediaValidatorFunctionUpload",
    } | overrides
    return s3_event(**arguments)


def test_the_record_has_s3_s_shape_and_an_encoded_key():
    (record,) = _event()["Records"]
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventTime"] == "2026-11-25T09:31:12.482Z"
    assert record["eventName"] == "ObjectCreated:Post"
    assert record["s3"]["s3SchemaVersion"] == "1.0"
    assert record["s3"]["configurationId"] == "MediaValidatorFunctionUpload"
    assert record["s3"]["bucket"]["name"] == "byline-dev-media-123456789012"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::byline-dev-media-123456789012"
    assert record["s3"]["object"] == {
        "key": "media/ada/a+photo%2B%281%29.png",
        "size": 42,
        "eTag": "d41d8cd98f00b204e9800998ecf8427e",
        "versionId": "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
        "sequencer": "0055AED6DCD90281E5",
    }
    assert unquote_plus(record["s3"]["object"]["key"]) == "media/ada/a photo+(1).png"


def test_powertools_reads_it_like_a_real_one():
    event = S3Event(_event())
    assert event.bucket_name == "byline-dev-media-123456789012"
    assert event.object_key == "media/ada/a photo+(1).png"
    assert event.record.s3.get_object.version_id == "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"
    assert event.record.s3.get_object.size == 42


def test_an_unversioned_bucket_s_events_have_no_version_id():
    (record,) = _event(version_id="null")["Records"]
    assert "versionId" not in record["s3"]["object"]


def test_notifications_match_created_events_under_their_prefix_and_suffix():
    upload = S3Notification("Fn", "Upload", "b", ("s3:ObjectCreated:*",), prefix="media/")
    assert upload.wants("media/ada/x.png")
    assert not upload.wants("digests/x.html")
    pngs = S3Notification("Fn", "Pngs", "b", ("s3:ObjectCreated:Post",), suffix=".png")
    assert pngs.wants("anything/x.png")
    assert not pngs.wants("anything/x.gif")
    removed = S3Notification("Fn", "Gone", "b", ("s3:ObjectRemoved:*",))
    assert not removed.wants("media/ada/x.png")
