"""Contract fuzzing: schemathesis generates requests from the OpenAPI document the stack serves
(GET /openapi.json, i.e. layers/common/byline/openapi.json) and sends them to the local stack,
for every operation, anonymously and with a valid ID token of each role.

What must hold for every response:

* no 5xx (``not_a_server_error``);
* the status is one the operation documents, its content type and headers are the documented
  ones, and its body validates against the documented schema (the ``*_conformance`` checks);
* a request that breaks the schema is refused with a 4xx (``negative_data_rejection``) and an
  operation that needs a token refuses a request without one (``ignored_auth``);
* every error is an RFC 9457 problem document (``problem_document`` below).

``test_stateful_workflows`` chains operations through the links schemathesis infers from the
document (the id a create returns feeds the routes that take it) with an author's token.

Each (operation, role) pair is one pytest test, in which hypothesis draws
``BYLINE_FUZZ_EXAMPLES`` cases (default 6, derandomised: the bounded run of ``make test``;
``make fuzz`` draws 200 per pair with a random seed) from schemathesis's strategies for that
operation, schema-valid and schema-breaking alike. The document fuzzed is the generated file;
``test_the_served_document_is_the_generated_one`` proves the stack serves exactly that. Each
run writes its figures to ``.local/reports/contract-fuzz-<examples>.json``; docs/RELIABILITY.md
quotes the last ones.

The stack is the session's, shared with the other tests, so the fuzz never acts as a seeded
demo user: it signs up its own user per role, and the two operations that end their caller's
session (``DELETE /me``, ``POST /auth/logout``) get a throwaway user per role.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, Severity
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.identity_helpers import User, make_user

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("BYLINE_FUZZ_EXAMPLES", "6"))
REPORT = ROOT / ".local" / "reports" / f"contract-fuzz-{EXAMPLES}.json"
LONG_RUN = EXAMPLES > 20
ROLES = ("anonymous", "reader", "author", "editor", "admin")
ENDS_THE_SESSION = {"deleteMyAccount", "logOut"}
PROBLEM_FIELDS = {"type", "title", "status", "detail"}


class NotAProblemDocument(Failure):
    """An error response that is not an RFC 9457 problem document."""

    code = "BYLINE1"
    checks = ("problem_document",)
    kind_title = "Error is not a problem document"


@schemathesis.check
def problem_document(ctx: CheckContext, response: schemathesis.Response, case: Case) -> bool:
    """Every 4xx and 5xx is application/problem+json with type, title, status and detail, its
    status equal to the response's, and no traceback."""
    if response.status_code < 400:
        return True
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    documented = case.operation.definition.raw.get("responses", {}).get(str(response.status_code))
    if content_type == "text/html" and "text/html" in (documented or {}).get("content", {}):
        return "Traceback" not in response.text  # a page a person opens from an email
    if case.operation.definition.raw.get("x-byline-errors") == "ghost":
        return _ghost_error(response, case)  # Ghost's Content API: Ghost's error body
    problems = []
    if content_type != "application/problem+json":
        problems.append(f"Content-Type is {content_type!r}")
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        problems.append("the body is not a JSON object")
    else:
        if missing := PROBLEM_FIELDS - body.keys():
            problems.append(f"missing {sorted(missing)}")
        if body.get("status") != response.status_code:
            problems.append(f"status {body.get('status')!r} is not {response.status_code}")
    if b"Traceback" in response.content:
        problems.append("a traceback")
    if problems:
        raise NotAProblemDocument(
            operation=case.operation.label,
            title="Error is not a problem document",
            message="; ".join(problems),
            severity=Severity.MEDIUM,
        )
    return True


def _ghost_error(response: schemathesis.Response, case: Case) -> bool:
    """An error of the Content API: Ghost's envelope, exactly one error with its keys, no
    traceback (front-ends read ``errors[0].type``)."""
    body = json.loads(response.content)
    errors = body.get("errors") if isinstance(body, dict) else None
    keys = {"message", "context", "type", "details", "property", "help", "code", "id"}
    if (
        not isinstance(errors, list)
        or len(errors) != 1
        or not keys <= set(errors[0])
        or b"Traceback" in response.content
    ):
        raise NotAProblemDocument(
            operation=case.operation.label,
            title="Error is not Ghost's error body",
            message=response.text[:300],
            severity=Severity.MEDIUM,
        )
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    problem_document,
]


# -- figures ------------------------------------------------------------------------------------
class Tally:
    """Cases and statuses per operation and role, written to REPORT when the module ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cases: Counter[tuple[str, str]] = Counter()
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.steps = 0
        self.started = time.monotonic()

    def add(self, operation: str, role: str, status: int) -> None:
        with self.lock:
            self.cases[(operation, role)] += 1
            self.statuses[operation][status] += 1

    def write(self) -> None:
        operations = sorted({operation for operation, _ in self.cases})
        per_operation = {
            operation: {
                "cases": {role: self.cases[(operation, role)] for role in ROLES},
                "statuses": dict(sorted(self.statuses[operation].items())),
            }
            for operation in operations
        }
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(
            json.dumps(
                {
                    "examples_setting": EXAMPLES,
                    "operations": len(operations),
                    "cases": sum(self.cases.values()),
                    "stateful_steps": self.steps,
                    "server_errors": sum(
                        n for s in self.statuses.values() for code, n in s.items() if code >= 500
                    ),
                    "seconds": round(time.monotonic() - self.started, 1),
                    "per_operation": per_operation,
                },
                indent=2,
            )
            + "\n"
        )


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    figures = Tally()
    yield figures
    figures.write()


# -- the schema and the callers -----------------------------------------------------------------
DOCUMENT_PATH = ROOT / "layers" / "common" / "byline" / "openapi.json"
SCHEMA = schemathesis.openapi.from_path(
    DOCUMENT_PATH,
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "database": "none",
                "deterministic": not LONG_RUN,
                # tokens are the callers' own (below), never generated ones
                "with-security-parameters": False,
            },
            "checks": {
                # schema-breaking requests may also be refused as too large (a string far
                # over its maxLength can exceed the body limit first)
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 405, 409, 413, 415, 422, 428, 429]
                }
            },
        }
    ),
)
OPERATIONS = {
    operation.label: operation
    for operation in (result.ok() for result in SCHEMA.get_all_operations())
}


class Callers:
    """The token each role's requests carry (none for anonymous)."""

    def __init__(self, local_api: str, tally: Tally) -> None:
        self.local_api = local_api
        self.tally = tally
        self.users = {role: make_user(local_api, role) for role in ROLES[1:]}
        self.throwaway: dict[tuple[str, str], User] = {}

    def headers(self, case: Case, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        operation_id = str(case.operation.definition.raw.get("operationId"))
        if operation_id in ENDS_THE_SESSION:  # its own user, so the others' tokens stay good
            key = (operation_id, role)
            if key not in self.throwaway:
                self.throwaway[key] = make_user(self.local_api, role)
            return self.throwaway[key].auth
        return self.users[role].auth

    def exercise(self, case: Case, role: str) -> None:
        headers = self.headers(case, role)
        if headers and case.headers:
            case.headers.pop("Authorization", None)  # the caller's token, not a generated one
        response = case.call(base_url=self.local_api, headers=headers, timeout=30)
        self.tally.add(case.operation.label, role, response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)


@pytest.fixture(scope="module")
def callers(local_api: str, tally: Tally) -> Callers:
    return Callers(local_api, tally)


def _cases(label: str) -> st.SearchStrategy[Case]:
    operation = OPERATIONS[label]
    return st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_every_operation_keeps_its_contract(
    label: str, role: str, callers: Callers, data: st.DataObject
) -> None:
    callers.exercise(data.draw(_cases(label), label="case"), role)


def test_stateful_workflows(callers: Callers, tally: Tally) -> None:
    """Sequences of calls linked by the ids earlier responses returned (create an article, read,
    edit, publish, comment on, like and delete it ...), as an author: the same checks hold at
    every step."""
    author = callers.users["author"]
    workflow = SCHEMA.as_state_machine()

    class AuthorWorkflow(workflow):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"base_url": callers.local_api, "headers": author.auth, "timeout": 30}

        def after_call(self, response: schemathesis.Response, case: Case) -> None:
            tally.add(case.operation.label, "author", response.status_code)
            with tally.lock:
                tally.steps += 1

        def validate_response(
            self, response: schemathesis.Response, case: Case, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS, headers=author.auth)

    AuthorWorkflow.run(
        settings=settings(
            max_examples=max(3, EXAMPLES // 2),
            stateful_step_count=8,
            deadline=None,
            derandomize=not LONG_RUN,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_the_served_document_is_the_generated_one(local_api: str) -> None:
    served = requests.get(f"{local_api}/openapi.json", timeout=30).json()
    assert served == json.loads(DOCUMENT_PATH.read_text())
    labels = {f"{m.upper()} {path}" for path, item in served["paths"].items() for m in item}
    assert labels == set(OPERATIONS)
