"""Under `sam local` the layer makes no AWS client unless the endpoint is the local stack's
(SAM passes the developer's real credentials into the container; docs/decisions/0016)."""

import pytest

from byline import aws, secrets
from tests.support.layer_caches import reset_layer_caches

SAM_LOCAL = {"AWS_SAM_LOCAL": "true"}


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:4566",
        "http://localhost:4566",
        "http://host.docker.internal:4566",
        "http://HOST.DOCKER.INTERNAL:4566/",
        "http://172.17.0.1:4566",  # the default bridge's gateway: this machine
        "http://172.17.200.9:5000",  # on the default bridge
        "http://[::1]:4566",
        "https://127.0.0.2",
    ],
)
def test_local_endpoints_are_allowed_under_sam_local(endpoint):
    assert aws.is_local_endpoint(endpoint)
    aws.check_endpoint(endpoint, SAM_LOCAL)


@pytest.mark.parametrize(
    "endpoint",
    [
        None,
        "",
        "https://dynamodb.us-east-1.amazonaws.com",
        "https://s3.amazonaws.com",
        "http://10.0.1.5",  # a VPC interface endpoint of real AWS can be private
        "https://172.31.5.9",  # AWS's default VPC range, inside Docker's 172.16.0.0/12
        "http://172.18.0.5:5000",  # other Docker networks reach the host by name instead
        "http://192.168.1.10:4566",
        "http://localhost.attacker.example:4566",
        "ftp://127.0.0.1",
        "127.0.0.1:4566",
        "http://[::1",
    ],
)
def test_other_endpoints_are_refused_under_sam_local(endpoint):
    assert not aws.is_local_endpoint(endpoint)
    with pytest.raises(aws.RealAwsUnderSamLocal, match="make sam-env"):
        aws.check_endpoint(endpoint, SAM_LOCAL)


@pytest.mark.parametrize(
    "variable",
    [
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://secretsmanager.us-east-1.amazonaws.com"),
        ("AWS_ENDPOINT_URL_DYNAMODB", ""),
        ("aws_endpoint_url_s3", "https://s3.amazonaws.com"),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "1"),
    ],
)
def test_variables_that_send_one_service_elsewhere_are_refused_under_sam_local(variable):
    """botocore prefers a service's own endpoint variable to AWS_ENDPOINT_URL, and can be told
    to ignore configured endpoints: under sam local either would reach real AWS."""
    name, value = variable
    environ = {**SAM_LOCAL, name: value}
    with pytest.raises(aws.RealAwsUnderSamLocal, match=name):
        aws.check_endpoint("http://127.0.0.1:4566", environ)


def test_a_service_endpoint_pointing_at_the_local_stack_is_allowed_under_sam_local():
    environ = {
        **SAM_LOCAL,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://host.docker.internal:4566",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false",
    }
    aws.check_endpoint("http://127.0.0.1:4566", environ)


def test_the_signing_key_is_not_read_with_a_service_endpoint_of_real_aws(fresh_layer):
    """powertools' own Secrets Manager client follows AWS_ENDPOINT_URL_SECRETS_MANAGER."""
    fresh_layer.setenv("AWS_SAM_LOCAL", "true")
    fresh_layer.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    fresh_layer.setenv(
        "AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://secretsmanager.us-east-1.amazonaws.com"
    )
    fresh_layer.setenv("SIGNING_KEY_SECRET", "arn:aws:secretsmanager:us-east-1:1:secret:k")
    with pytest.raises(aws.RealAwsUnderSamLocal, match="AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        secrets.signing_key("cursor")


@pytest.mark.parametrize("environ", [{}, {"AWS_SAM_LOCAL": "false"}, {"AWS_SAM_LOCAL": ""}])
def test_outside_sam_local_any_endpoint_goes(environ):
    aws.check_endpoint(None, environ)
    aws.check_endpoint("https://dynamodb.us-east-1.amazonaws.com", environ)


@pytest.fixture
def fresh_layer(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "byline-test")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    reset_layer_caches()
    yield monkeypatch
    reset_layer_caches()  # all of them: a cached service must not keep a client made here


def test_no_client_is_made_under_sam_local_without_the_env_vars_file(fresh_layer):
    """What `sam local invoke` without --env-vars gives: the template's empty endpoint."""
    fresh_layer.setenv("AWS_SAM_LOCAL", "true")
    fresh_layer.setenv("AWS_ENDPOINT_URL", "")
    for make in (aws.dynamodb, aws.s3, aws.sqs):
        with pytest.raises(aws.RealAwsUnderSamLocal, match="AWS_ENDPOINT_URL is not set"):
            make()


def test_the_signing_key_is_not_read_from_real_aws_under_sam_local(fresh_layer):
    """powertools makes its own Secrets Manager client, so the guard runs there too."""
    fresh_layer.setenv("AWS_SAM_LOCAL", "true")
    fresh_layer.setenv("AWS_ENDPOINT_URL", "https://secretsmanager.us-east-1.amazonaws.com")
    fresh_layer.setenv("SIGNING_KEY_SECRET", "arn:aws:secretsmanager:us-east-1:1:secret:k")
    with pytest.raises(aws.RealAwsUnderSamLocal):
        secrets.signing_key("cursor")


def test_under_sam_local_a_local_endpoint_gets_a_client_pointed_at_it(fresh_layer):
    fresh_layer.setenv("AWS_SAM_LOCAL", "true")
    fresh_layer.setenv("AWS_ENDPOINT_URL", "http://host.docker.internal:4566")
    assert aws.dynamodb().meta.endpoint_url == "http://host.docker.internal:4566"


def test_deployed_functions_with_the_templates_empty_endpoint_call_aws(fresh_layer):
    """The template declares AWS_ENDPOINT_URL empty (so SAM's --env-vars can set it); on Lambda
    that must mean the service's own endpoint, as with no variable at all."""
    fresh_layer.delenv("AWS_SAM_LOCAL", raising=False)
    fresh_layer.setenv("AWS_ENDPOINT_URL", "")
    assert aws.dynamodb().meta.endpoint_url == "https://dynamodb.us-east-1.amazonaws.com"
