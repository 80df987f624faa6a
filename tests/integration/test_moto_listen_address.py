"""moto listens where it is told: `make dev MOTO_HOST=172.17.0.1` puts it on the Docker bridge
for `sam local` containers on Linux (decision 0016); by default it stays on 127.0.0.1."""

import json
import urllib.request

import pytest

from local.moto_server import MotoServer

pytestmark = pytest.mark.integration


def test_moto_listens_on_the_address_it_is_given():
    with MotoServer(0, host="127.0.0.2") as server:
        assert server.endpoint.startswith("http://127.0.0.2:")
        request = urllib.request.Request(  # noqa: S310 - moto's http endpoint
            server.endpoint,
            data=b"{}",
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"
                "dynamodb/aws4_request, SignedHeaders=host, Signature=x",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            assert "TableNames" in json.loads(answer.read())


def test_moto_stays_on_loopback_by_default():
    with MotoServer(0) as server:
        assert server.endpoint.startswith("http://127.0.0.1:")
