"""Deployment size: each function's package and the layer, unzipped and zipped, from
``.aws-sam/build`` (``make build``). Lambda's limit is 250 MB unzipped for a function and all
its layers together; every Byline function has the same one layer."""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path
from typing import Any

from bench import report
from bench.sandbox import BUILD, template_functions

SECTION_HEADING = "## Deployment size"
LAYER = "CommonLayer"
UNZIPPED_LIMIT = 250 * 1024 * 1024


def folder_size(folder: Path) -> tuple[int, int, int]:
    """(files, bytes unzipped, bytes zipped with deflate level 6, as ``sam deploy`` packs)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder))
    return len(files), sum(p.stat().st_size for p in files), buffer.tell()


def measure(build: Path = BUILD, limit: int | None = None) -> dict[str, Any]:
    if not (build / LAYER).is_dir():
        raise SystemExit(f"No layer in {build}: run `make build` first.")
    functions = [f.logical_id for f in template_functions()][:limit]
    rows = []
    for name in [LAYER, *functions]:
        folder = build / name
        if folder.is_dir():
            files, unzipped, zipped = folder_size(folder)
            rows.append({"name": name, "files": files, "unzipped": unzipped, "zipped": zipped})
    return {"rows": rows}


def _size(value: int) -> str:
    if value >= 1024 * 1024:
        return f"{value / 1024 / 1024:.1f} MB"
    return f"{value / 1024:.1f} KB"


def render(results: dict[str, Any]) -> str:
    rows = results["rows"]
    layer = next((r for r in rows if r["name"] == LAYER), None)
    functions = [r for r in rows if r["name"] != LAYER]
    lines = [
        "Unzipped as Lambda extracts them, and zipped (deflate level 6, as `sam deploy` uploads "
        "them), from `.aws-sam/build`. The layer's bytecode is included (it is built with it, "
        "see docs/decisions/0002); boto3 and botocore are the runtime's and are not in it.",
        "",
    ]
    table_rows = []
    if layer:
        table_rows.append(
            [
                "**CommonLayer** (python/)",
                str(layer["files"]),
                _size(layer["unzipped"]),
                _size(layer["zipped"]),
            ]
        )
    if functions:
        largest = max(functions, key=lambda r: r["unzipped"])
        smallest = min(functions, key=lambda r: r["unzipped"])
        total = sum(r["zipped"] for r in functions)
        for row in sorted(
            {largest["name"]: largest, smallest["name"]: smallest}.values(),
            key=lambda r: -r["unzipped"],
        ):
            table_rows.append(
                [row["name"], str(row["files"]), _size(row["unzipped"]), _size(row["zipped"])]
            )
        table_rows.append([f"all {len(functions)} functions", "", "", _size(total) + " in total"])
    lines.append(report.table(["package", "files", "unzipped", "zipped"], table_rows))
    if layer and functions:
        biggest = layer["unzipped"] + max(r["unzipped"] for r in functions)
        lines += [
            "",
            f"A function and its layer unzipped: at most {_size(biggest)}, "
            f"{biggest / UNZIPPED_LIMIT:.0%} of Lambda's 250 MB limit. Each function's package is "
            "its `app.py` alone: everything shared is in the layer, uploaded once per deploy.",
            "",
            "<details><summary>every function</summary>",
            "",
            report.table(
                ["function", "files", "unzipped", "zipped"],
                [
                    [r["name"], str(r["files"]), _size(r["unzipped"]), _size(r["zipped"])]
                    for r in functions
                ],
            ),
            "",
            "</details>",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sizes", description=__doc__)
    parser.add_argument(
        "--write", action="store_true", help="rewrite its sections of bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    results = measure()
    print(render(results))
    if args.write:
        report.write_section("sizes", SECTION_HEADING, render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
