"""`python -m local sam-env`: SAM's --env-vars file points `sam local` at the local stack's moto,
with the stack's real resource names (decision 0016)."""

import json

import pytest

from byline import aws
from local import __main__ as cli
from local.bootstrap import Stack
from local.sam_env import container_endpoint, listens_on_loopback_only, sam_env_document
from local.template import Template

MOTO = "http://172.17.0.1:4566"
QUEUE_URL = f"{MOTO}/123456789012/byline-samtest-digests"


@pytest.fixture(scope="module")
def stack() -> Stack:
    """The stack as the local stack records it, without moto: refs are what bootstrap made."""
    template = Template.load(overrides={"Stage": "samtest"})
    return Stack(
        template=template,
        endpoint=MOTO,
        refs={
            "Table": "byline-samtest",
            "MediaBucket": "byline-samtest-media-123456789012",
            "UserPool": "us-east-1_abc",
            "DigestQueue": QUEUE_URL,
        },
    )


def test_the_endpoint_is_moto_as_a_container_reaches_it():
    assert container_endpoint("http://127.0.0.1:4566") == "http://host.docker.internal:4566"
    assert container_endpoint(MOTO, "172.17.0.1") == "http://172.17.0.1:4566"
    with pytest.raises(ValueError, match="no port"):
        container_endpoint("http://127.0.0.1")


def test_a_moto_on_loopback_is_told_apart():
    assert listens_on_loopback_only("http://127.0.0.1:4566")
    assert listens_on_loopback_only("http://localhost:4566")
    assert not listens_on_loopback_only(MOTO)


def test_every_function_gets_the_endpoint_and_the_stacks_real_names(stack):
    endpoint = "http://host.docker.internal:4566"
    document = sam_env_document(stack, endpoint)
    shared = document["Parameters"]
    assert shared["AWS_ENDPOINT_URL"] == endpoint
    assert shared["TABLE_NAME"] == "byline-samtest"  # SAM alone would give "Table"
    assert shared["MEDIA_BUCKET"] == "byline-samtest-media-123456789012"
    assert shared["USER_POOL_ID"] == "us-east-1_abc"
    assert shared["STAGE"] == "samtest"
    # what the layer's guard accepts under sam local
    aws.check_endpoint(shared["AWS_ENDPOINT_URL"], {"AWS_SAM_LOCAL": "true"})
    # every variable the template declares for every function: SAM sets no other
    globals_declared = Template.load(overrides={"Stage": "samtest"}).body["Globals"]["Function"][
        "Environment"
    ]["Variables"]
    assert set(shared) == set(globals_declared)


def test_a_functions_own_resource_names_are_resolved_and_point_at_moto_as_seen(stack):
    document = sam_env_document(stack, "http://host.docker.internal:4566")
    queue = "http://host.docker.internal:4566/123456789012/byline-samtest-digests"
    assert document["SubscriptionPutFunction"]["DIGEST_QUEUE_URL"] == queue
    assert document["DigestPlannerFunction"]["DIGEST_QUEUE_URL"] == queue
    # literals SAM reads from the template itself are left out
    assert "HealthFunction" not in document
    for logical_id, variables in document.items():
        if logical_id != "Parameters":
            assert "AWS_ENDPOINT_URL" not in variables
            assert "POWERTOOLS_SERVICE_NAME" not in variables


def test_the_local_stacks_own_environment_never_takes_the_templates_empty_endpoint(stack):
    """tests and `make dev` set moto's endpoint; the template's empty one must not replace it."""
    assert "AWS_ENDPOINT_URL" not in stack.environment()


def test_sam_env_without_a_running_stack_says_how_to_start_one(tmp_path, capsys):
    code = cli.main(["sam-env", "--state", str(tmp_path / "none.json")])
    assert code == 1
    assert "make dev" in capsys.readouterr().err


def test_sam_env_writes_the_file_for_the_recorded_stack(tmp_path, stack, monkeypatch):
    state = {"moto_endpoint": MOTO, "stack": stack.to_json()}
    monkeypatch.setattr(cli, "live_state", lambda path: state)
    target = tmp_path / "sam-env.json"
    assert cli.main(["sam-env", "--write", str(target)]) == 0
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["Parameters"]["AWS_ENDPOINT_URL"] == "http://host.docker.internal:4566"
    assert written["Parameters"]["TABLE_NAME"] == "byline-samtest"
