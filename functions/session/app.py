"""GET /session: who the bearer token says the caller is, and the role that decides their rights."""

from byline.http.api import BEARER_AUTH, build_api, caller, entrypoint, problem_responses
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
    return session.describe(caller(app))


lambda_handler = entrypoint(app)
