"""GET /health: the version, and whether the table is reachable (503 when it is not)."""

from aws_lambda_powertools.event_handler import Response

from byline.data.table import table
from byline.http.api import build_api, entrypoint, problem_responses
from byline.http.responses import json_response
from byline.models.health import Health
from byline.services import health
from byline.settings import get_settings

app = build_api()


@app.get(
    "/health",
    operation_id="getHealth",
    summary="Service health",
    tags=["Operations"],
    responses={200: {"description": "Serving"}, 503: {"description": "Table unreachable"}}
    | problem_responses(),
)
def get_health() -> Response[Health]:
    report = health.check(table(), get_settings())
    return json_response(200 if report.status == "ok" else 503, report)


lambda_handler = entrypoint(app)
