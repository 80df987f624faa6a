"""DELETE /comments/{comment}: delete a comment (its author or an editor)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
from byline.services.conversation import conversation_service

app = build_api()


@app.delete(
    "/comments/<comment>",
    operation_id="deleteComment",
    summary="Delete a comment (its text goes; replies stay)",
    tags=["Conversation"],
    security=BEARER_AUTH,
    responses={204: {"description": "Deleted"}} | problem_responses(401, 403, 404, 409),
)
def delete_comment(comment: Annotated[str, Path(min_length=1, max_length=40)]) -> Response[None]:
    conversation_service().delete_comment(caller(app), comment)
    return Response(204)


lambda_handler = entrypoint(app)
