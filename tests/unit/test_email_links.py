"""The links a digest carries lead to routes the deployed API serves without a login, at the
base URL the deployment gives the worker (a site serves none of the API's routes)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from byline.services.digests import DigestService
from local.template import Resolver, Template


class Lookup:
    def ref(self, logical_id: str) -> Any:
        return {"Api": "a1b2c3d4e5"}.get(logical_id, f"ref-of-{logical_id}")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"{attribute}-of-{logical_id}"


def worker_api_url(**parameters: str) -> str:
    template = Template.load(overrides={"Stage": "prod", **parameters})
    variables = template.properties("DigestWorkerFunction")["Environment"]["Variables"]
    return str(Resolver(template, Lookup()).resolve(variables["API_URL"]))


def public_routes() -> list[tuple[str, re.Pattern[str]]]:
    """(method, path pattern) of every route the Cognito authorizer does not guard."""
    template = Template.load()
    found = []
    for logical_id in template.of_type("AWS::Serverless::Function"):
        for event in (template.properties(logical_id).get("Events") or {}).values():
            props = event["Properties"]
            if event["Type"] != "Api" or (props.get("Auth") or {}).get("Authorizer") != "NONE":
                continue
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(props["Path"]))
            found.append((props["Method"].upper(), re.compile(f"^{pattern}$")))
    return found


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({}, "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod"),
        (
            {"DomainName": "api.example.com", "DomainCertificateArn": "arn:aws:acm:us-east-1:"
             "123456789012:certificate/x"},
            "https://api.example.com",
        ),
        ({"ApiPublicUrl": "https://example.com/api"}, "https://example.com/api"),
    ],
)  # fmt: skip
def test_the_worker_links_to_the_api_where_the_deployment_serves_it(parameters, expected):
    assert worker_api_url(**parameters) == expected


def test_every_link_a_digest_carries_is_a_public_route_of_the_api():
    base = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod"
    service = DigestService(
        subscriptions=None,  # type: ignore[arg-type]
        articles=None,  # type: ignore[arg-type]
        store=None,  # type: ignore[arg-type]
        send_email=lambda _: "",
        unsubscribe_key=lambda: b"k" * 32,
        site_url="https://byline.example",
        sender="digest@byline.example",
        users=None,  # type: ignore[arg-type]
        api_url=base,
    )
    links = service.links("rita", "2026-W48")
    routes = public_routes()
    # the API Gateway stage is the first path segment of an execute-api URL
    for name, method in (
        ("unsubscribe", "GET"),
        ("unsubscribe", "POST"),
        ("view", "GET"),
        ("preferences", "GET"),
        ("preferences", "POST"),
    ):
        url = urlsplit(links[name])
        assert f"{url.scheme}://{url.netloc}{url.path}".startswith(base + "/"), name
        path = url.path.removeprefix("/prod")
        assert any(m == method and p.match(path) for m, p in routes), (name, method, path)
        assert "token=" in url.query
