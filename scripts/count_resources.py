"""Count the CloudFormation resources template.yaml becomes after the SAM transform, offline.

CloudFormation refuses a stack of more than 500 resources, and SAM turns each function into
several (the function, its role, one permission per API event, plus the log group and alarm we
declare). This runs aws-sam-translator, the library `sam validate` and CloudFormation's SAM
transform use, with no AWS account: managed policy ARNs are built from their names instead of
being looked up in IAM.

It needs aws-sam-translator, which lives in .venv-sam (its pydantic pin clashes with the app's):

    .venv-sam/bin/python scripts/count_resources.py [--json] [template.yaml]
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 500  # CloudFormation's hard limit per stack
BUDGET = 400  # ours: room for a release's worth of functions before the hard limit bites


class ManagedPolicyMap(dict[str, str]):
    """Every AWS managed policy name SAM asks for, mapped to its ARN without calling IAM."""

    def __missing__(self, name: str) -> str:
        return f"arn:aws:iam::aws:policy/{name}"

    def get(self, name: str, default: Any = None) -> str:  # type: ignore[override]
        return self[name]


def transform(template_path: Path) -> dict[str, Any]:
    """template.yaml after the SAM transform, as CloudFormation would receive it."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # It warns about feature toggles it reads from AppConfig when deployed; nothing to see here.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse(template_path.read_text(encoding="utf-8"))
    template = _with_s3_code_locations(template)
    policies = ManagedPolicyMap()
    translator = Translator(managed_policy_map=policies, sam_parser=Parser(), plugins=[])
    translated: dict[str, Any] = translator.translate(
        sam_template=template,
        parameter_values={},
        get_managed_policy_map=lambda: policies,
    )
    return translated


def _with_s3_code_locations(template: dict[str, Any]) -> dict[str, Any]:
    """Local CodeUri/ContentUri folders as the S3 locations `sam package` would upload them to."""
    template = copy.deepcopy(template)
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = {"Bucket": "bucket", "Key": properties[key].strip("/") + ".zip"}
    return template


def count(template_path: Path = ROOT / "template.yaml") -> dict[str, Any]:
    resources = transform(template_path)["Resources"]
    by_type = collections.Counter(str(r["Type"]) for r in resources.values())
    functions = by_type["AWS::Lambda::Function"]
    return {
        "total": len(resources),
        "functions": functions,
        "per_function": round(len(resources) / functions, 1) if functions else None,
        "budget": BUDGET,
        "limit": LIMIT,
        "by_type": dict(by_type.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", default=str(ROOT / "template.yaml"))
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    result = count(Path(args.template))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['total']} resources after the SAM transform "
            f"({result['functions']} functions; budget {BUDGET}, CloudFormation limit {LIMIT})"
        )
        for kind, number in result["by_type"].items():
            print(f"  {number:4d}  {kind}")
    return 0 if result["total"] <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
