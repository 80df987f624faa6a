"""What every refused request must look like over HTTP: a 4xx problem document (JSON routes) or a
readable 4xx HTML page (routes opened from an email), never a traceback."""

from __future__ import annotations

import requests


def assert_page(response: requests.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>" in response.text
    assert "Traceback" not in response.text


def assert_problem(response: requests.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == response.status_code
    assert "Traceback" not in response.text
