"""Pages a subscriber opens from an email (unsubscribe, the digest in a browser): a link that is
broken, altered, or leads to something no longer kept gets a page a person can read, not a
problem document meant for programs."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from aws_lambda_powertools.event_handler import Response

from byline.content.rendering import render_template
from byline.errors import DomainError
from byline.http.responses import html_page
from byline.observability import logger

_HEADINGS = {
    400: "This link does not work",
    403: "This form cannot be used from here",
    404: "Nothing to show here",
    410: "This account is gone",
    413: "This request is too large",
    415: "This form cannot be read",
    422: "This link does not work",
}


def page_from_link(render: Callable[[], str], *, images: str = "") -> Response[str]:
    """``render()`` as an HTML page (allowed images from the ``images`` origin, if given); a
    domain error it raises as an HTML page with its status (no images)."""
    return response_from_link(lambda: html_page(render(), images=images))


def see_other(location: str) -> Response[str]:
    """303 to ``location`` (Post/Redirect/Get: reloading the page it leads to posts nothing),
    with a short HTML page linking there, as servers answer a redirect: a client that does not
    follow it reads a page, not an empty body labelled JSON (API Gateway's default type)."""
    link = escape(location, quote=True)
    body = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>See other</title>'
        f'</head><body><p>Saved. <a href="{link}">Back to the page</a>.</p></body></html>\n'
    )
    response = html_page(body, 303)
    response.headers["Location"] = location
    return response


def response_from_link(respond: Callable[[], Response[str]]) -> Response[str]:
    """``respond()``; a domain error it raises as an HTML page with its status."""
    try:
        return respond()
    except DomainError as error:
        return problem_page(error)


def problem_page(error: DomainError) -> Response[str]:
    """The page a person reads instead of a problem document: what went wrong with the link or
    the request their browser (or mailbox provider) made, and what to do."""
    logger.info("Link page refused", extra={"status": error.status, "title": error.title})
    body = render_template(
        "link_problem.html.j2",
        heading=_HEADINGS.get(error.status, "Something went wrong"),
        detail=error.detail,
        retry=error.status >= 500,
    )
    response = html_page(body, error.status)
    response.headers.update(error.headers)
    return response


def proxy_response(response: Response[str]) -> dict[str, Any]:
    """``response`` as API Gateway's proxy result, for answers made before the resolver runs."""
    headers = {key: str(value) for key, value in response.headers.items()}
    if response.content_type:
        headers["Content-Type"] = response.content_type
    return {
        "statusCode": response.status_code,
        "headers": headers,
        "body": response.body or "",
        "isBase64Encoded": False,
    }
