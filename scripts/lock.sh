#!/usr/bin/env bash
# Re-resolve the pinned requirement files. Needs the package index; run by hand, not in CI.
set -euo pipefail
python="${1:-python3.13}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/.."

"$python" -m venv "$work/dev"
"$work/dev/bin/pip" install --quiet -r requirements/layer.in -r requirements/dev.in
{ echo "# Full pinned set for development, tests and the local stack. Regenerate with make lock."
  "$work/dev/bin/pip" freeze --exclude-editable; } > requirements/dev.txt

"$python" -m venv "$work/sam"
"$work/sam/bin/pip" install --quiet aws-sam-cli
{ echo "# SAM CLI, in its own virtual environment (its pins clash with the app's). Regenerate with make lock."
  "$work/sam/bin/pip" freeze; } > requirements/sam.txt

"$python" -m venv "$work/checkov"
"$work/checkov/bin/pip" install --quiet checkov
{ echo "# checkov, in its own virtual environment (its pins of boto3, networkx and packaging clash with the app's). Regenerate with make lock."
  "$work/checkov/bin/pip" freeze | sort -f; } > requirements/checkov.txt

"$python" -m venv "$work/layer"
"$work/layer/bin/pip" install --quiet -r requirements/layer.in
runtime='^(boto3|botocore|s3transfer|jmespath|python-dateutil|six|urllib3)=='
{ sed -n '1,/^[a-z]/{/^#/p}' layers/common/requirements.txt
  "$work/layer/bin/pip" freeze | tr '_' '-' | grep -viE "$runtime" | sort -f; } > "$work/layer.txt"
mv "$work/layer.txt" layers/common/requirements.txt
echo "locked: requirements/dev.txt requirements/sam.txt requirements/checkov.txt layers/common/requirements.txt"
