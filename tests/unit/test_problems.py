import json

from byline.errors import Conflict, PreconditionFailed
from byline.http import problems
from byline.models.problem import PROBLEM_TYPE_PREFIX


def test_problem_body_has_rfc9457_members():
    body = json.loads(problems.problem_body(404, "No such article.", instance="req-1"))
    assert body == {
        "type": PROBLEM_TYPE_PREFIX + "not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "No such article.",
        "instance": "req-1",
    }


def test_domain_error_keeps_its_own_type_and_title():
    body = json.loads(problems.problem_from_error(PreconditionFailed("ETag is stale.")))
    assert body["status"] == 412
    assert body["type"].endswith("precondition-failed")
    assert body["title"] == "Precondition failed"
    assert "instance" not in body


def test_validation_errors_point_at_the_field_with_json_pointer():
    raw = [
        {
            "loc": ("body", "tags", 2),
            "msg": "String should have at most 30 characters",
            "type": "string_too_long",
        },
        {
            "loc": ("query", "limit"),
            "msg": "Input should be a valid integer",
            "type": "int_parsing",
        },
        {
            "loc": ("body", "a/b~c"),
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        },
    ]
    errors = problems.field_errors(raw)
    assert [(e.location, e.pointer, e.type) for e in errors] == [
        ("body", "/tags/2", "string_too_long"),
        ("query", "/limit", "int_parsing"),
        ("body", "/a~1b~0c", "extra_forbidden"),
    ]


def test_malformed_json_is_told_apart_from_schema_errors():
    assert problems.is_malformed_json([{"loc": ("body", 1), "type": "json_invalid"}])
    assert not problems.is_malformed_json([{"loc": ("body", "x"), "type": "missing"}])


def test_json_problem_is_a_complete_proxy_response():
    response = problems.json_problem(409, problems.problem_from_error(Conflict("Taken.")))
    assert response["statusCode"] == 409
    assert response["headers"]["Content-Type"] == "application/problem+json"
    assert json.loads(response["body"])["detail"] == "Taken."
