"""scripts/smoke.py, the pipeline's post-deployment check, proven against the local stack: it
passes on a healthy API and fails, with a non-zero exit status, on one that is not Byline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SMOKE = Path(__file__).resolve().parents[2] / "scripts" / "smoke.py"


def run_smoke(base_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, our own URL
        [sys.executable, str(SMOKE), base_url, "--attempts", "1", "--timeout", "30"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_smoke_script_passes_against_the_local_stack(local_api: str) -> None:
    result = run_smoke(local_api)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke test passed: all 3 checks" in result.stdout
    assert "FAIL" not in result.stdout


def test_smoke_script_fails_when_the_routes_are_not_there(local_api: str) -> None:
    result = run_smoke(local_api + "/not-a-stage")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  GET /health is 200 with status ok" in result.stdout
    assert "smoke test FAILED" in result.stdout


def test_smoke_script_fails_when_nothing_listens() -> None:
    result = run_smoke("http://127.0.0.1:9")  # the discard port: nothing answers there
    assert result.returncode == 1, result.stdout + result.stderr
    assert "request failed" in result.stdout
