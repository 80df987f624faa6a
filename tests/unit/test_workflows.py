"""The GitHub Actions workflows run the commands the README documents, in the order
docs/DEPLOY.md describes, with short-lived AWS credentials only.

actionlint (`make actionlint`) checks that the workflows are valid; these tests check that they
are the pipeline we mean: ci.yml is the one definition of the checks, deploy.yml reuses it and
then deploys staging, smoke-tests it, and deploys production behind the `production` environment.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
DOCUMENTED = (ROOT / "README.md").read_text(encoding="utf-8") + (
    ROOT / "docs" / "DEPLOY.md"
).read_text(encoding="utf-8")
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
ROLE = "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def load(name: str) -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


CI = load("ci.yml")
DEPLOY = load("deploy.yml")


def runs(job: dict[str, Any]) -> list[str]:
    return [" ".join(step["run"].split()) for step in job.get("steps", []) if "run" in step]


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(action + "@")]


def test_ci_runs_make_test_on_pull_requests_and_when_called() -> None:
    assert set(CI["on"]) == {"pull_request", "workflow_call"}
    assert CI["permissions"] == {"contents": "read"}
    (job,) = CI["jobs"].values()
    assert runs(job) == ["make test"]
    (python,) = uses(job, "actions/setup-python")
    assert python["with"]["python-version"] == "3.13"


def test_make_test_includes_actionlint_cfn_lint_sam_validate_and_build() -> None:
    prerequisites = re.search(r"^test: (.*?) ##", MAKEFILE, re.MULTILINE)
    assert prerequisites
    assert {"lint", "actionlint", "cfn-lint", "sam-validate", "build", "pytest"} <= set(
        prerequisites.group(1).split()
    )


def test_deploy_runs_on_pushes_to_main_after_the_ci_checks() -> None:
    assert DEPLOY["on"] == {"push": {"branches": ["main"]}}
    assert DEPLOY["permissions"] == {"contents": "read"}
    assert DEPLOY["concurrency"]["cancel-in-progress"] is False
    jobs = DEPLOY["jobs"]
    assert list(jobs) == ["test", "staging", "production"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["staging"]["needs"] == "test"
    assert jobs["production"]["needs"] == "staging"


@pytest.mark.parametrize(
    ("job_name", "environment", "config_env"),
    [("staging", "staging", "staging"), ("production", "production", "prod")],
)
def test_each_deployment_assumes_a_role_by_oidc_deploys_and_smoke_tests(
    job_name: str, environment: str, config_env: str
) -> None:
    job = DEPLOY["jobs"][job_name]
    assert job["environment"]["name"] == environment
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    (credentials,) = uses(job, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == ROLE
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(credentials["with"])
    samconfig = SAMCONFIG[config_env]["global"]["parameters"]
    assert job["env"]["STACK_NAME"] == samconfig["stack_name"]
    assert DEPLOY["env"]["AWS_REGION"] == samconfig["region"]
    commands = runs(job)
    build = commands.index("make build")
    deploy = next(
        i for i, c in enumerate(commands) if c.startswith(f"sam deploy --config-env {config_env} ")
    )
    smoke = commands.index('make smoke API_URL="$API_URL"')
    assert build < deploy < smoke
    assert "--no-confirm-changeset" in commands[deploy]


def test_workflows_hold_no_long_lived_aws_keys() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        assert "secrets.AWS" not in text, path.name
        assert "aws-secret-access-key" not in text, path.name


def test_every_command_the_workflows_run_is_documented_and_every_make_target_exists() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
    for workflow in (CI, DEPLOY):
        for job in workflow["jobs"].values():
            for command in runs(job):
                for target in re.findall(r"\bmake ([a-z-]+)", command):
                    assert target in targets, command
    for documented in (
        "make test",
        "make build",
        "sam deploy --config-env staging",
        "sam deploy --config-env prod",
        "make smoke API_URL=",
    ):
        assert documented in DOCUMENTED, f"README.md or docs/DEPLOY.md must show `{documented}`"
