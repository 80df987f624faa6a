"""Smoke test of a deployed (or local) Byline API: is it up, and does it keep its contract?

    python3 scripts/smoke.py https://abc123.execute-api.us-east-1.amazonaws.com/prod
    make smoke API_URL=http://127.0.0.1:3000

Standard library only, so it runs on any Python 3.11+ without a virtual environment (the
deployment pipeline runs it right after `sam deploy`). It only reads: nothing is created, so it
is safe against production. Exit status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

# What every response must carry, whether a function or API Gateway itself answered
# (byline.http.headers for functions, GatewayResponses in template.yaml for the gateway).
SECURITY_HEADERS: dict[str, str | None] = {
    "Strict-Transport-Security": None,  # present; the value is the layer's business
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": None,
    "Referrer-Policy": "no-referrer",
}
PROBLEM_JSON = "application/problem+json"
RETRYABLE = {502, 503, 504}


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Smoke:
    base_url: str
    timeout: float = 10.0
    attempts: int = 3
    failures: list[str] = field(default_factory=list)
    passed: int = 0

    def get(self, path: str) -> Response:
        """GET base_url + path; gateway hiccups (502-504, connection errors) are retried."""
        url = self.base_url.rstrip("/") + path
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's argument
            url, headers={"Accept": "application/json", "User-Agent": "byline-smoke/1"}
        )
        for attempt in range(1, self.attempts + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as raw:  # noqa: S310 - scheme checked in main()  # nosec B310
                    return Response(raw.status, raw.headers, raw.read())
            except urllib.error.HTTPError as error:
                response = Response(error.code, error.headers, error.read())
                if error.code not in RETRYABLE or attempt == self.attempts:
                    return response
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if attempt == self.attempts:
                    raise
            time.sleep(attempt)  # a fresh deployment can take a moment to answer
        raise AssertionError("unreachable")

    def check(self, name: str, test: Callable[[], list[str]]) -> None:
        try:
            problems = test()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            problems = [f"request failed: {error}"]
        except ValueError as error:  # includes json.JSONDecodeError
            problems = [f"unreadable response: {error}"]
        if problems:
            self.failures.extend(f"{name}: {p}" for p in problems)
            print(f"FAIL  {name}")
            for problem in problems:
                print(f"        {problem}")
        else:
            self.passed += 1
            print(f"ok    {name}")

    # ---------------------------------------------------------------- the checks

    def health(self) -> list[str]:
        response = self.get("/health")
        problems = expect_status(response, 200) + security_headers(response)
        if response.status == 200:
            body = response.json()
            if body.get("status") != "ok":
                problems.append(f"status is {body.get('status')!r}, expected 'ok'")
        return problems

    def openapi(self) -> list[str]:
        response = self.get("/openapi.json")
        problems = expect_status(response, 200) + security_headers(response)
        if response.status == 200:
            if response.content_type != "application/json":
                problems.append(f"Content-Type is {response.content_type!r}")
            version = str(response.json().get("openapi", ""))
            if not version.startswith("3.1"):
                problems.append(f"openapi is {version!r}, expected 3.1.x")
        return problems

    def me_without_token(self) -> list[str]:
        response = self.get("/me")
        problems = expect_status(response, 401) + security_headers(response)
        if response.content_type != PROBLEM_JSON:
            problems.append(f"Content-Type is {response.content_type!r}, expected {PROBLEM_JSON}")
        elif response.json().get("status") != 401:
            problems.append("the problem document's status is not 401")
        return problems

    def run(self) -> bool:
        print(f"smoke test of {self.base_url}")
        self.check("GET /health is 200 with status ok", self.health)
        self.check("GET /openapi.json is an OpenAPI 3.1 document", self.openapi)
        self.check("GET /me without a token is a 401 problem document", self.me_without_token)
        if self.failures:
            print(f"smoke test FAILED: {len(self.failures)} problem(s) against {self.base_url}")
            return False
        print(f"smoke test passed: all {self.passed} checks against {self.base_url}")
        return True


def expect_status(response: Response, status: int) -> list[str]:
    if response.status == status:
        return []
    return [f"HTTP {response.status}, expected {status}: {response.body[:200]!r}"]


def security_headers(response: Response) -> list[str]:
    problems = []
    for name, expected in SECURITY_HEADERS.items():
        value = response.headers.get(name)
        if value is None:
            problems.append(f"no {name} header")
        elif expected is not None and value != expected:
            problems.append(f"{name} is {value!r}, expected {expected!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke test of a Byline API.")
    parser.add_argument("base_url", help="the API's base URL (the stack output ApiUrl)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--attempts", type=int, default=3, help="tries per request on 502-504")
    args = parser.parse_args(argv)
    if not args.base_url.startswith(("https://", "http://")):
        parser.error("base_url must start with https:// (or http:// for the local stack)")
    smoke = Smoke(args.base_url, timeout=args.timeout, attempts=max(1, args.attempts))
    return 0 if smoke.run() else 1


if __name__ == "__main__":
    sys.exit(main())
