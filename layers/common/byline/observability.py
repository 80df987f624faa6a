"""Logger, Tracer and Metrics, configured once for every function.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` (one per function, set in
template.yaml) and the metrics namespace from ``POWERTOOLS_METRICS_NAMESPACE`` (Byline). Every
metric also carries the ``stage`` dimension (``STAGE``), so that stages deployed to one account
never add up into the same series.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# Only botocore: X-Ray's patch_all would import sqlite3, http.client and a dozen patchers at every
# cold start for libraries the functions never use (docs/PERFORMANCE.md, "Cold start").
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Byline"))
metrics.set_default_dimensions(stage=os.environ.get("STAGE", "dev"))
