"""What every function's logs and metrics carry, seen in a fresh interpreter (the layer reads
its environment once, at import, as a cold start does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EMIT = """
import json
from aws_lambda_powertools.metrics import MetricUnit
from byline.observability import metrics

metrics.add_metric(name="ArticlesPublished", unit=MetricUnit.Count, value=2)
print(json.dumps(metrics.serialize_metric_set()))
"""


def emitted(stage: str) -> dict:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "layers" / "common"),
        "STAGE": stage,
        "POWERTOOLS_SERVICE_NAME": "scheduled-publisher",
        "POWERTOOLS_METRICS_NAMESPACE": "Byline",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", EMIT], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_every_metric_carries_its_stage_and_service():
    document = emitted("prod")
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Byline"
    assert sorted(directive["Dimensions"][0]) == ["service", "stage"]
    assert document["stage"] == "prod"
    assert document["service"] == "scheduled-publisher"
    assert document["ArticlesPublished"] in (2.0, [2.0])


def test_two_stages_write_two_series():
    assert emitted("staging")["stage"] == "staging"
    assert emitted("dev")["stage"] == "dev"
