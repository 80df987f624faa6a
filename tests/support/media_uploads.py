"""A media grant and the browser's upload with it (tests/integration/test_media_api.py;
test_least_privilege.py uploads with them too)."""

from __future__ import annotations

from typing import Any

import requests

from tests.support import images
from tests.support.identity_helpers import User

PNG = images.png(5, 4)


def grant(base: str, user: User, content_type: str = "image/png", size: int = len(PNG), **more):
    response = requests.post(
        f"{base}/media",
        json={"content_type": content_type, "size": size, **more},
        headers=user.auth,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def upload(granted: dict[str, Any], data: bytes, content_type: str = "image/png") -> None:
    """What a browser does with the grant: a multipart POST of the fields, then the file."""
    response = requests.post(
        granted["upload"]["url"],
        data=granted["upload"]["fields"],
        files={"file": ("upload", data, content_type)},
        timeout=30,
    )
    assert response.status_code in (200, 201, 204), response.text
