"""The digest preferences page as a browser uses it (tests/integration/test_preferences_page.py,
test_unsubscribe_forms.py): a link's token, the page's forms and their hidden fields, submitting
one, and what the JSON routes and the table then hold."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

from tests.support.identity_helpers import User

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def token_for(username: str, purpose: str = "preferences:digest") -> str:
    """The token of ``username``'s links for ``purpose`` (the preferences page's by default)."""
    from byline.secrets import signing_key
    from byline.services import unsubscribe_tokens

    return unsubscribe_tokens.issue(signing_key("unsubscribe"), username, purpose)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((named["action"], {}))
        elif tag == "input" and self.forms and named.get("type") == "hidden":
            self.forms[-1][1][named["name"]] = named["value"]


def forms(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def form_for(page: str, action: str, target: str | None = None) -> tuple[str, dict[str, str]]:
    """The page's form for ``action`` (and ``target``): its address and its hidden fields."""
    for address, fields in forms(page):
        if fields.get("action") == action and (target is None or fields.get("target") == target):
            return address, fields
    raise AssertionError(f"no {action} form for {target} on the page")


def open_page(base: str, token: str) -> requests.Response:
    return requests.get(f"{base}/preferences", params={"token": token}, timeout=30)


def submit(
    base: str, token: str, page: str, action: str, target: str | None = None, /, **extra: str
) -> requests.Response:
    """Post the page's form as a browser would (relative address), without following."""
    address, fields = form_for(page, action, target)
    return requests.post(
        urljoin(f"{base}/preferences?token={token}", address),
        data={**fields, **extra},
        headers={**FORM, "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
        timeout=30,
    )


def state(base: str, user: User) -> tuple[dict, dict]:
    subscription = requests.get(f"{base}/me/subscription", headers=user.auth, timeout=30).json()
    follows = requests.get(f"{base}/me/follows", headers=user.auth, timeout=30).json()
    return subscription, follows


def stored_subscription(username: str) -> dict:
    from byline.data import keys
    from byline.data.table import table

    return dict(table().get(keys.subscription(username)) or {})
