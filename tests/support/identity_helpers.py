"""Helpers for identity tests over HTTP: fresh users of any role, through the public routes."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter

PASSWORD = "Correct-horse-42"


@dataclass
class User:
    username: str
    email: str
    password: str
    id_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.id_token}"}


def sign_up(base_url: str, username: str | None = None) -> tuple[str, str]:
    username = username or "t" + uuid.uuid4().hex[:12]
    email = f"{username}@example.com"
    response = requests.post(
        f"{base_url}/auth/signup",
        json={"username": username, "email": email, "password": PASSWORD, "display_name": username},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return username, email


def confirm(base_url: str, username: str) -> None:
    response = requests.post(
        f"{base_url}/auth/confirm", json={"username": username, "code": "123456"}, timeout=30
    )
    assert response.status_code == 204, response.text


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]


def client_from(address: str | None = None) -> requests.Session:
    """A client whose requests come from their own loopback address (127.x.y.z), so each test
    has its own per-IP failed-login counter, as distinct clients would."""
    address = (
        address or f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(1, 254)}"
    )
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


_LOGIN_CLIENT = client_from()


def log_in(
    base_url: str, login: str, password: str = PASSWORD, client: requests.Session | None = None
) -> requests.Response:
    return (client or _LOGIN_CLIENT).post(
        f"{base_url}/auth/login", json={"login": login, "password": password}, timeout=30
    )


def set_role(username: str, role: str) -> None:
    """Give the user exactly one role, through the service an admin's request reaches (the
    account's stored role, which decides, and its Cognito groups)."""
    from byline.auth.principal import Principal
    from byline.models.identity import RoleChange
    from byline.services.accounts import accounts

    operator = Principal(username="operator", sub="operator", groups=("admin",))
    accounts().set_role(operator, username, RoleChange(role=role))  # type: ignore[arg-type]


def make_user(base_url: str, role: str = "reader") -> User:
    """A confirmed user in exactly one role group, logged in."""
    username, email = sign_up(base_url)
    confirm(base_url, username)
    if role != "reader":
        set_role(username, role)
    response = log_in(base_url, username)
    assert response.status_code == 200, response.text
    tokens = response.json()
    return User(username, email, PASSWORD, tokens["id_token"], tokens["refresh_token"])
