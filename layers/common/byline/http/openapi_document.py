"""The generated OpenAPI document shipped inside the layer (see local/openapi.py)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def document_json() -> str:
    return resources.files("byline").joinpath("openapi.json").read_text(encoding="utf-8")
