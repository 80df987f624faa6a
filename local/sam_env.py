"""SAM's ``--env-vars`` file for the local stack: ``sam local`` against moto, never real AWS.

``sam local invoke|start-api --env-vars FILE`` overrides only the variables the template
declares, so the file names every declared variable with the local stack's values: the real
names of its table, buckets, pool, queues and secret (SAM alone would give logical ids), and
``AWS_ENDPOINT_URL`` (declared empty in ``Globals``) set to moto as a container reaches it.
Credentials cannot be set this way (Lambda reserves their names; SAM passes the caller's own
into the container), which is why the ``make sam-*`` targets run SAM with fake ones and the
layer refuses, under ``sam local``, any endpoint that is not local (``byline.aws``).

The format is SAM's mixed one: ``{"Parameters": {...every function...}, "<LogicalId>":
{...that function's own...}}``; a function's entry wins over ``Parameters``.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from local.bootstrap import Stack

DEFAULT_CONTAINER_HOST = "host.docker.internal"
"""This machine as a container names it: Docker Desktop's own name, and on Linux the one that
``--add-host host.docker.internal:host-gateway`` (the ``make sam-*`` targets) maps to the
default bridge's gateway."""

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"


def container_endpoint(moto_endpoint: str, container_host: str = DEFAULT_CONTAINER_HOST) -> str:
    """moto's endpoint as a container sees it: the same port on ``container_host``."""
    parts = urlsplit(moto_endpoint)
    if not parts.port:
        raise ValueError(f"moto's endpoint has no port: {moto_endpoint!r}")
    return f"{parts.scheme or 'http'}://{container_host}:{parts.port}"


def listens_on_loopback_only(moto_endpoint: str) -> bool:
    """True when moto is bound to a loopback address, which no Linux container can reach."""
    host = urlsplit(moto_endpoint).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sam_env_document(stack: Stack, endpoint: str) -> dict[str, dict[str, str]]:
    """The env-vars document: the Globals' variables for every function, then each function's
    own variables that SAM would not resolve by itself (names of the stack's resources, not
    literals), all resolved against the local stack, endpoint included."""
    from local.runtime import function_specs

    moto = stack.endpoint.rstrip("/")

    def as_seen(value: str) -> str:  # queue URLs name moto as the host reaches it
        return endpoint + value[len(moto) :] if value.startswith(moto) else value

    shared = {name: as_seen(value) for name, value in stack.environment().items()}
    shared[ENDPOINT_VARIABLE] = endpoint
    document: dict[str, dict[str, str]] = {"Parameters": dict(sorted(shared.items()))}
    for logical_id, spec in sorted(function_specs(stack).items()):
        declared = (stack.template.properties(logical_id).get("Environment") or {}).get(
            "Variables"
        ) or {}
        own = {
            name: as_seen(value)
            for name, value in spec.configured.items()
            if name != ENDPOINT_VARIABLE
            and shared.get(name) != value
            and not (isinstance(declared.get(name), str) and declared[name] == value)
        }
        if own:
            document[logical_id] = dict(sorted(own.items()))
    return document


def summary(document: dict[str, dict[str, Any]]) -> str:
    """One line on what the file holds, for the terminal."""
    shared = document["Parameters"]
    names = ", ".join(
        f"{name}={shared[name]}"
        for name in ("TABLE_NAME", "MEDIA_BUCKET", "USER_POOL_ID")
        if shared.get(name)
    )
    return (
        f"{ENDPOINT_VARIABLE}={shared[ENDPOINT_VARIABLE]}, {names}; "
        f"{len(document) - 1} function(s) with variables of their own"
    )
