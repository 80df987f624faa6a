"""POST /media: a presigned S3 upload for one image (authors and up)."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.http.idempotency import KEY_HEADER, run_once
from byline.http.responses import header, json_response
from byline.models.media import MediaUpload, MediaUploadRequest
from byline.services.media import media_service

app = build_api()


@app.post(
    "/media",
    operation_id="requestMediaUpload",
    summary="Get a presigned upload for an image (send Idempotency-Key to retry safely)",
    description=(
        "POST the file with the returned form fields to `upload.url` before `expires_at`. "
        "The upload is checked after it lands; only an accepted image can be an article's "
        "cover or your avatar."
    ),
    tags=["Media"],
    security=BEARER_AUTH,
    responses={201: {"description": "Where and how to upload"}} | problem_responses(401, 403, 409),
)
def request_upload(upload: MediaUploadRequest) -> Response[MediaUpload]:
    principal = caller(app)
    granted = run_once(
        "media-upload",
        header(app, KEY_HEADER),
        principal.username,
        upload,
        lambda: media_service().request_upload(principal, upload),
        MediaUpload,
        app.lambda_context,
    )
    return json_response(201, granted)


lambda_handler = entrypoint(app)
