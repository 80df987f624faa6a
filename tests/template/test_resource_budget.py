"""The stack stays inside its resource budget, counted after the SAM transform by
aws-sam-translator, which lives in .venv-sam (so this is not a unit test: `make test-fast`
runs without .venv-sam)."""

from __future__ import annotations

import json
import subprocess

import pytest

from local.template import REPO_ROOT, Template

ROOT = REPO_ROOT
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
RESOURCE_BUDGET = 400
FUNCTIONS = Template.load().of_type("AWS::Serverless::Function")


def test_the_stack_stays_within_its_resource_budget() -> None:
    """CloudFormation refuses more than 500 resources; past 400 it is time to split the stack
    (docs/DEPLOY.md). Counted after the SAM transform, by aws-sam-translator in .venv-sam."""
    if not SAM_PYTHON.exists():
        pytest.fail("no .venv-sam: run `make pytest` (it creates .venv-sam) or `make resources`")
    result = subprocess.run(  # noqa: S603 - our own script with our own interpreter
        [str(SAM_PYTHON), str(ROOT / "scripts" / "count_resources.py"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout, result.stderr
    counts = json.loads(result.stdout)
    assert counts["functions"] == len(FUNCTIONS)
    assert counts["total"] <= RESOURCE_BUDGET, (
        f"{counts['total']} resources after the SAM transform, over the budget of "
        f"{RESOURCE_BUDGET}: split the stack (docs/DEPLOY.md, 'Resource budget')"
    )
