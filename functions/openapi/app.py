"""GET /openapi.json: the OpenAPI 3.1 document of the whole API, generated from the code."""

from aws_lambda_powertools.event_handler import Response

from byline.http.api import build_api, entrypoint, problem_responses
from byline.http.openapi_document import document_json

app = build_api()


@app.get(
    "/openapi.json",
    operation_id="getOpenApiDocument",
    summary="The OpenAPI document of this API",
    tags=["Operations"],
    responses={
        200: {
            "description": "OpenAPI 3.1 document",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    | problem_responses(),
)
def get_openapi() -> Response[str]:
    return Response(
        200,
        content_type="application/json",
        body=document_json(),
        headers={"Cache-Control": "public, max-age=300"},
    )


lambda_handler = entrypoint(app)
