"""GET /session: who the bearer token says the caller is, and the role that decides their rights."""

from byline.auth.principal import require_principal
from byline.http.api import BEARER_AUTH, build_api, entrypoint, problem_responses
from byline.models.session import Session
from byline.services import session

app = build_api()


@app.get(
    "/session",
    operation_id="getSession",
    summary="The signed-in caller",
    tags=["Identity"],
    security=BEARER_AUTH,
    responses={200: {"description": "The caller"}} | problem_responses(401),
)
def get_session() -> Session:
    return session.describe(require_principal(app.current_event.raw_event))


lambda_handler = entrypoint(app)
