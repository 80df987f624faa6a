"""Cold start proxy: how long each function's handler module takes to import in a fresh
process laid out as on Lambda (bench/sandbox.py), against a floor and a FastAPI version.

For every function of template.yaml, the floor (bench/floor: boto3 and json, its DynamoDB client
created at module level) and the FastAPI + Mangum app (bench/fastapi_app, client at module level
too), ``--runs`` fresh ``python -I -S -B`` processes each, interleaved so that the machine's
drift hits every target alike. Each process times from its first line, so net of the
interpreter's own start, in CPU time (``time.process_time``: on a shared machine wall time also
counts the wait for a core) and in wall time:

- *import*: setting ``sys.path`` and ``import app`` (the handler module, as the Lambda runtime
  loads it);
- *ready*: import plus creating the DynamoDB client. Byline's functions create clients on first
  use (``byline.aws``), the floor and the FastAPI app at import, so *import* alone flatters
  Byline; *ready* is what every first request pays before its first byte.

Medians are reported. One more process per target runs with ``-X importtime`` to name the
heaviest imports (the top modules by cumulative time, and self time per top-level package).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import report
from bench.sandbox import (
    BENCH,
    Function,
    Sandbox,
    has_module,
    lambda_variables,
    run_isolated,
    template_functions,
)
from bench.sandbox import sandbox as make_sandbox

FLOOR = "floor"
FASTAPI = "fastapi"
REFERENCES = (FLOOR, FASTAPI)
TIMER = """
import time
_c0, _w0 = time.process_time(), time.perf_counter()
import sys
sys.path[:0] = sys.argv[1].split(":")
import app
_c1, _w1 = time.process_time(), time.perf_counter()
exec(sys.argv[2])
_c2, _w2 = time.process_time(), time.perf_counter()
sys.stdout.write(f"{_c1 - _c0} {_c2 - _c0} {_w1 - _w0} {_w2 - _w0}\\n")
"""
MEASURES = ("import", "ready")
"""CPU time of the process (``time.process_time``): what the import costs, whatever else the
machine is doing. Wall time is recorded too (``*_wall``)."""
WALL_MEASURES = ("import_wall", "ready_wall")
READY_BYLINE = "from byline import aws; aws.dynamodb()"
IMPORT_TARGETS = 1.5
"""Every function's import within 1.5x of the floor."""
ABOVE_FLOOR_SHARE = 0.5
"""Byline's cost above the floor at most half of the FastAPI version's."""


@dataclass
class Target:
    name: str
    kind: str  # "function", "floor" or "fastapi"
    task: Path
    paths: list[str]
    environment: dict[str, str]
    ready: str = ""
    samples: dict[str, list[float]] = field(
        default_factory=lambda: {m: [] for m in MEASURES + WALL_MEASURES}
    )
    heaviest: list[tuple[str, float]] = field(default_factory=list)
    packages: dict[str, float] = field(default_factory=dict)

    def result(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            **{m: report.median(v) for m, v in self.samples.items()},
            "runs": len(self.samples["import"]),
            "heaviest": self.heaviest,
            "packages": self.packages,
        }


def function_target(box: Sandbox, function: Function) -> Target:
    task = box.task(function)
    return Target(
        name=function.logical_id,
        kind="function",
        task=task,
        paths=box.paths(task, box.layer),
        environment=box.environment(function),
        ready=READY_BYLINE,
    )


def reference_targets(box: Sandbox, environment: dict[str, str]) -> list[Target]:
    floor = box.code(FLOOR, BENCH / "floor")
    targets = [
        Target(
            FLOOR,
            FLOOR,
            floor,
            box.paths(floor),
            environment | lambda_variables(FLOOR, floor),
        )
    ]
    if has_module("fastapi") and has_module("mangum"):
        fastapi = box.code(FASTAPI, BENCH / "fastapi_app")
        package = box.package(FASTAPI, ["fastapi", "mangum"])
        targets.append(
            Target(
                FASTAPI,
                FASTAPI,
                fastapi,
                box.paths(fastapi, package),
                environment | lambda_variables(FASTAPI, fastapi),
            )
        )
    return targets


def time_once(target: Target) -> None:
    result = run_isolated(
        TIMER, target.environment, target.task, ":".join(target.paths), target.ready
    )
    if result.returncode != 0:
        raise RuntimeError(f"{target.name} failed to import:\n{result.stderr[-3000:]}")
    for measure_name, value in zip(MEASURES + WALL_MEASURES, result.stdout.split(), strict=True):
        target.samples[measure_name].append(float(value))


def bare_interpreter(runs: int) -> float:
    """Wall time of ``python -I -S -B -c pass``: what every process pays before our timer."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-S", "-B", "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return report.median(times)


def parse_importtime(stderr: str) -> list[tuple[str, float, float]]:
    """(module, self seconds, cumulative seconds) from ``-X importtime`` output."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.removeprefix("import time:").split("|")
        try:
            own, cumulative = int(fields[0]), int(fields[1])
        except (ValueError, IndexError):
            continue  # the header line
        rows.append((fields[2].strip(), own / 1e6, cumulative / 1e6))
    return rows


def profile_imports(target: Target, top: int = 10) -> None:
    result = run_isolated(
        TIMER,
        target.environment,
        target.task,
        ":".join(target.paths),
        target.ready,
        flags=("-X", "importtime"),
    )
    if result.returncode != 0:
        raise RuntimeError(f"{target.name} failed under -X importtime:\n{result.stderr[-3000:]}")
    rows = [row for row in parse_importtime(result.stderr) if row[0] != "app"]
    target.heaviest = [
        (name, cumulative) for name, _, cumulative in sorted(rows, key=lambda r: -r[2])[:top]
    ]
    packages: dict[str, float] = defaultdict(float)
    for name, own, _ in rows:
        packages[name.split(".")[0]] += own
    target.packages = dict(sorted(packages.items(), key=lambda kv: -kv[1]))


BREAKDOWN_FUNCTION = "ArticleGetFunction"
BREAKDOWN = (
    ("floor: boto3, json and a DynamoDB client", "import boto3, json; boto3.client('dynamodb')"),
    ("powertools' Logger, Metrics and Tracer classes", "import aws_lambda_powertools"),
    (
        "Tracer() with tracing on: aws-xray-sdk, botocore patched",
        "from byline import observability",
    ),
    ("pydantic and the first model (Settings)", "from byline.settings import get_settings"),
    (
        "the resolver with validation and the problem documents (byline.http.api)",
        "import byline.http.api",
    ),
    ("the route: models, service, data access (import app)", "import app"),
)
"""Cumulative steps to the ready state of one function, to show where its cold start goes."""
BREAKDOWN_TIMER = """
import time
_c0 = time.process_time()
import sys
sys.path[:0] = sys.argv[1].split(":")
for _step in sys.argv[2:]:
    exec(_step)
    sys.stdout.write(f"{time.process_time() - _c0}\\n")
"""


def breakdown(box: Sandbox, function: Function, runs: int) -> list[dict[str, Any]]:
    """CPU time after each step of :data:`BREAKDOWN`, cumulated, median of ``runs`` processes."""
    task = box.task(function)
    paths = ":".join(box.paths(task, box.layer))
    steps = [code for _, code in BREAKDOWN]
    samples: list[list[float]] = [[] for _ in steps]
    for _ in range(runs):
        result = run_isolated(BREAKDOWN_TIMER, box.environment(function), task, paths, *steps)
        if result.returncode != 0:
            raise RuntimeError(f"breakdown failed:\n{result.stderr[-3000:]}")
        for index, value in enumerate(result.stdout.split()):
            samples[index].append(float(value))
    medians = [report.median(values) for values in samples]
    return [
        {"step": label, "cumulative": cumulative, "added": cumulative - previous}
        for (label, _), cumulative, previous in zip(
            BREAKDOWN, medians, [0.0, *medians[:-1]], strict=True
        )
    ]


def measure(
    runs: int = 7,
    only: Sequence[str] = (),
    limit: int | None = None,
    profile: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    functions = template_functions()
    if only:
        wanted = set(only)
        functions = [f for f in functions if f.logical_id in wanted or f.folder in wanted]
    if limit is not None:
        functions = functions[:limit]
    with make_sandbox() as box:
        targets = [function_target(box, f) for f in functions]
        base_env = dict(functions[0].environment) if functions else {"TABLE_NAME": "bench"}
        targets += reference_targets(box, base_env)
        shuffler = random.Random(1)
        for run in range(runs):
            order = list(targets)
            shuffler.shuffle(order)
            for target in order:
                time_once(target)
            if progress:
                print(f"cold start: run {run + 1}/{runs} done", file=sys.stderr)
        if profile:
            for target in targets:
                profile_imports(target)
        chosen = next((f for f in functions if f.logical_id == BREAKDOWN_FUNCTION), None)
        steps = breakdown(box, chosen, runs) if chosen else []
        return {
            "runs": runs,
            "layer": box.layer_kind,
            "swapped": box.swapped,
            "bare": bare_interpreter(runs),
            "targets": [t.result() for t in targets],
            "fastapi_available": any(t.kind == FASTAPI for t in targets),
            "breakdown": steps,
        }


# -- the report ---------------------------------------------------------------------------------
def _ratio(value: float, reference: float | None) -> str:
    return f"{value / reference:.2f}" if reference else "n/a"


def _share(above: float, reference_above: float | None) -> str:
    if reference_above is None or reference_above <= 0:
        return "n/a"
    return f"{above / reference_above:.2f}"


def verdicts(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per function and measure: ratio to the floor, cost above the floor, and that cost as a
    share of the FastAPI version's; with whether each target holds."""
    by_kind = {t["kind"]: t for t in results["targets"] if t["kind"] in REFERENCES}
    floor, fastapi = by_kind.get(FLOOR), by_kind.get(FASTAPI)
    out: dict[str, dict[str, Any]] = {}
    for target in results["targets"]:
        if target["kind"] != "function":
            continue
        entry: dict[str, Any] = {}
        for measure_name in MEASURES + WALL_MEASURES:
            value = target[measure_name]
            floor_value = floor[measure_name] if floor else None
            above = value - floor_value if floor_value is not None else None
            fastapi_above = (
                fastapi[measure_name] - floor_value if fastapi and floor_value is not None else None
            )
            entry[measure_name] = {
                "value": value,
                "ratio": value / floor_value if floor_value else None,
                "above": above,
                "share": above / fastapi_above if above is not None and fastapi_above else None,
            }
        out[target["name"]] = entry
    return out


def render(results: dict[str, Any]) -> str:
    by_kind = {t["kind"]: t for t in results["targets"] if t["kind"] in REFERENCES}
    floor, fastapi = by_kind.get(FLOOR), by_kind.get(FASTAPI)
    judged = verdicts(results)
    functions = [t for t in results["targets"] if t["kind"] == "function"]
    lines = [
        f"Medians of {results['runs']} fresh processes per target, interleaved; bare interpreter "
        f"start (`python -I -S -B -c pass`, wall) {report.ms(results['bare'])} ms, not included "
        "below. Layer: "
        + (
            "`.aws-sam/build/CommonLayer/python` (the build's bytecode; "
            f"{', '.join(results['swapped'])} swapped for this machine's builds of the same "
            "versions) with the working tree's `byline` compiled as the build does."
            if results["layer"] == "built"
            else "`layers/common` with the dependencies from the virtual environment (no build "
            "found: run `make build` for the numbers Lambda would see)."
        ),
        "Tracing is on as deployed (`Tracing: Active`): powertools' Tracer patches botocore "
        "through aws-xray-sdk at import.",
        "",
        "*import*: `import app`. *ready*: import and the DynamoDB client created (the floor and "
        "FastAPI create it at import; Byline on first use, so *ready* is the fair comparison). "
        "Ratios are of CPU times, the stable measure here; the summary gives the wall-time "
        "ratio of *ready* too. *x floor*: ratio to the floor (target ≤ 1.5). "
        "*above / FastAPI's*: Byline's cost above "
        "the floor divided by the FastAPI version's cost above the floor (target ≤ 0.5).",
        "",
    ]
    reference_rows = [
        [
            f"**{name}**",
            report.ms(t["import"]),
            report.ms(t["ready"]),
            report.ms(t["ready_wall"]),
            "",
            "",
            "",
            "",
        ]
        for name, t in (("floor (boto3 + json)", floor), ("FastAPI + Mangum", fastapi))
        if t is not None
    ]
    rows = []
    for target in functions:
        verdict = judged[target["name"]]
        rows.append(
            [
                target["name"],
                report.ms(target["import"]),
                report.ms(target["ready"]),
                report.ms(target["ready_wall"]),
                _fmt(verdict["import"]["ratio"]),
                _fmt(verdict["ready"]["ratio"]),
                _fmt(verdict["import"]["share"]),
                _fmt(verdict["ready"]["share"]),
            ]
        )
    lines.append(
        report.table(
            [
                "function",
                "import CPU ms",
                "ready CPU ms",
                "ready wall ms",
                "import x floor",
                "ready x floor",
                "import above / FastAPI's",
                "ready above / FastAPI's",
            ],
            reference_rows + rows,
        )
    )
    if fastapi is None:
        lines += ["", "FastAPI and Mangum are not installed here: `make bench` installs them."]
    lines += ["", _summary(judged)]
    if results.get("breakdown"):
        lines += [
            "",
            f"Where {BREAKDOWN_FUNCTION}'s *ready* goes (CPU ms, median of {results['runs']} "
            "processes that take these steps one after the other; each step adds only what the "
            "ones before it had not imported):",
            "",
            report.table(
                ["step", "adds", "cumulative"],
                [
                    [row["step"], report.ms(row["added"]), report.ms(row["cumulative"])]
                    for row in results["breakdown"]
                ],
            ),
        ]
    if not any(t["heaviest"] for t in results["targets"]):
        return "\n".join(lines)
    lines += ["", "Heaviest imports (`-X importtime`, one process each, cumulative ms):", ""]
    lines += ["<details><summary>top 10 modules per target</summary>", ""]
    for target in [*(t for t in (floor, fastapi) if t), *functions]:
        top = ", ".join(f"`{name}` {seconds * 1000:.0f}" for name, seconds in target["heaviest"])
        lines.append(f"- {target['name']}: {top}")
    lines += ["", "</details>", "", "Self time per top-level package (ms):", ""]
    shown = [t for t in (floor, fastapi) if t] + functions[:1]
    interesting = [
        t for t in functions if t["name"] in ("ArticleGetFunction", "ArticleCreateFunction")
    ]
    shown = [*shown[:-1], *(interesting or functions[:1])] if functions else shown
    packages = sorted(
        {p for t in shown for p, s in t["packages"].items() if s >= 0.005},
        key=lambda p: -max(t["packages"].get(p, 0) for t in shown),
    )[:12]
    lines.append(
        report.table(
            ["package", *(t["name"] for t in shown)],
            [[f"`{p}`", *(report.ms(t["packages"].get(p, 0.0)) for t in shown)] for p in packages],
        )
    )
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _summary(judged: dict[str, dict[str, Any]]) -> str:
    if not judged:
        return "No function measured."
    parts = []
    for measure_name in (*MEASURES, "ready_wall"):
        ratios = [v[measure_name]["ratio"] for v in judged.values() if v[measure_name]["ratio"]]
        shares = [v[measure_name]["share"] for v in judged.values() if v[measure_name]["share"]]
        if ratios:
            over = [
                n for n, v in judged.items() if (v[measure_name]["ratio"] or 0) > IMPORT_TARGETS
            ]
            parts.append(
                f"*{measure_name}*: x floor from {min(ratios):.2f} to {max(ratios):.2f} "
                f"(median {report.median(ratios):.2f}); "
                + (f"{len(over)} of {len(judged)} above 1.5" if over else "all within 1.5")
            )
        if shares:
            over = [
                n for n, v in judged.items() if (v[measure_name]["share"] or 0) > ABOVE_FLOOR_SHARE
            ]
            parts.append(
                f"above the floor vs FastAPI's from {min(shares):.2f} to {max(shares):.2f} "
                f"(median {report.median(shares):.2f}); "
                + (f"{len(over)} of {len(judged)} above 0.5" if over else "all within 0.5")
            )
    return "Summary: " + "; ".join(parts) + "."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated logical ids or folders")
    parser.add_argument("--limit", type=int, default=None, help="the first N functions only")
    parser.add_argument("--no-profile", action="store_true", help="skip -X importtime")
    parser.add_argument("--json", action="store_true", help="print the raw results")
    parser.add_argument(
        "--write", action="store_true", help="rewrite its sections of bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    results = measure(
        args.runs,
        [o for o in args.only.split(",") if o],
        args.limit,
        profile=not args.no_profile,
    )
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(render(results))
    if args.write:
        report.write_section("cold-start", SECTION_HEADING, render(results))
    return 0


SECTION_HEADING = "## Cold start"

if __name__ == "__main__":
    raise SystemExit(main())
