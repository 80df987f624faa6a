"""The layer's once-per-environment caches, forgotten when a test changes the environment."""

from __future__ import annotations

import sys


def reset_layer_caches() -> None:
    """Forget every ``functools.cache`` of the layer (settings, clients, and the services and
    tables built on them) after env changes. Clearing only some (the clients) leaves a cached
    service holding the old client while ``byline.aws.dynamodb()`` hands out a new one."""
    for name, module in list(sys.modules.items()):
        if name == "byline" or name.startswith("byline."):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()
