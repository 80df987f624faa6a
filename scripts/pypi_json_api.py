"""Exit 0 when PyPI's per-release JSON API answers, 1 otherwise: pip-audit needs that API.

`make pip-audit` runs the audit only when it does, so a network that serves the package index
but not the JSON API (as this project's build machines' does) skips the audit with a notice
instead of failing every build. The probe asks about a release that exists forever.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

PROBE = "https://pypi.org/pypi/pip/24.0/json"


def reachable(url: str = PROBE, timeout: float = 10.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed https URL  # nosec B310
            return response.status == 200 and b'"info"' in response.read(4096)
    except (urllib.error.URLError, TimeoutError, OSError):
        return False


if __name__ == "__main__":
    sys.exit(0 if reachable() else 1)
