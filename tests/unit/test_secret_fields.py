"""Secret fields (``SECRET`` in the model) are left out of what an Idempotency-Key is bound to,
at any depth, and every field of a request model named like a secret is marked."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Annotated

import pytest
from pydantic import BaseModel

import byline.models
from byline.http.idempotency import without_secrets
from byline.models.fields import SECRET, Secret
from byline.models.identity import ConfirmRequest, LoginRequest, RefreshRequest, SignupRequest

SECRET_NAMES = re.compile(r"password|secret|token|code|otp|pin", re.IGNORECASE)


class _Inner(BaseModel):
    name: str
    pin: Annotated[str, SECRET]


class _Outer(BaseModel):
    title: str
    token: Annotated[str, SECRET]
    inner: _Inner
    items: list[_Inner]


def test_secret_fields_are_left_out_at_any_depth():
    outer = _Outer(
        title="t",
        token="tok",
        inner=_Inner(name="a", pin="1111"),
        items=[_Inner(name="b", pin="2222"), _Inner(name="c", pin="3333")],
    )
    assert without_secrets(outer) == {
        "title": "t",
        "inner": {"name": "a"},
        "items": [{"name": "b"}, {"name": "c"}],
    }


def test_the_identity_requests_keep_only_what_is_not_secret():
    signup = SignupRequest(
        username="ada", email="ada@example.com", password="Hunter2-hunter2", display_name="Ada"
    )
    assert without_secrets(signup) == {
        "username": "ada",
        "email": "ada@example.com",
        "display_name": "Ada",
    }
    assert without_secrets(LoginRequest(login="ada", password="hunter2")) == {"login": "ada"}
    refresh = RefreshRequest(username="ada", refresh_token="r" * 40)
    assert without_secrets(refresh) == {"username": "ada"}
    assert without_secrets(ConfirmRequest(username="ada", code="123456")) == {"username": "ada"}


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for info in pkgutil.iter_modules(byline.models.__path__):
        module = importlib.import_module(f"byline.models.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseModel)
            and value.__module__ == module.__name__
            and value.model_config.get("extra") == "forbid"  # request bodies
        ]
    return found


def test_every_request_field_named_like_a_secret_is_marked_secret():
    models = _models()
    assert SignupRequest in models
    unmarked = [
        f"{model.__name__}.{name}"
        for model in models
        for name, info in model.model_fields.items()
        if SECRET_NAMES.search(name)
        and not any(isinstance(marker, Secret) for marker in info.metadata)
    ]
    assert unmarked == []


def test_a_response_that_holds_a_secret_is_never_recorded_for_replays():
    from byline.http.idempotency import run_once
    from byline.models.identity import Tokens

    def issue() -> Tokens:
        raise AssertionError("must not run")

    with pytest.raises(TypeError, match="holds a secret"):
        run_once("auth-login", "key-1", "anonymous", LoginRequest(login="a", password="b"),
                 issue, Tokens)  # fmt: skip
