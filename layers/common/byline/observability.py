"""Logger, Tracer and Metrics, configured once for every function.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` (one per function, set in
template.yaml) and the metrics namespace from ``POWERTOOLS_METRICS_NAMESPACE`` (Byline).
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Byline"))
