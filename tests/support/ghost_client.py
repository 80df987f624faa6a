"""Ghost's official Content API client (tools/ghost-client, npm's @tryghost/content-api pinned in
its lock file) run from a test: one Node process runs every call of the scenario for each client
version and hands back what the client returned or threw (tools/ghost-client/scenario.cjs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = ROOT / "tools" / "ghost-client"
SCENARIO = CLIENT_DIR / "scenario.cjs"
VERSIONS = ("v5.0", "v2")
"""What Ghost's own starters pass: ``v5.0`` asks ``/ghost/api/content/``, ``v2`` the legacy
``/ghost/api/v2/content/`` (eleventy-starter-ghost)."""
PREFIXES = {"v5.0": "/ghost/api/content/", "v2": "/ghost/api/v2/content/"}


def run_scenario(plan: dict[str, Any], timeout: float = 300) -> dict[str, dict[str, Any]]:
    """``{version: {call: outcome}}`` for ``plan`` (its keys: scenario.cjs's header)."""
    node = shutil.which("node")
    assert node, "Node.js runs Ghost's client: install Node.js (make test installs the client)"
    assert (CLIENT_DIR / "node_modules" / "@tryghost" / "content-api").is_dir(), (
        "the client is not installed: make tools/ghost-client/node_modules/.installed"
    )
    done = subprocess.run(  # noqa: S603 - fixed script, plan on stdin
        [node, str(SCENARIO)],
        input=json.dumps({"versions": list(VERSIONS), **plan}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_PROXY": "localhost,127.0.0.1"},  # axios honours proxies
    )
    assert done.returncode == 0, f"scenario.cjs failed ({done.returncode}):\n{done.stderr}"
    results: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return results
