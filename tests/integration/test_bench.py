"""The benchmarks behind bench/RESULTS.md run, at a tiny size, so that they cannot rot.
They start fresh interpreters (cold starts) and the warm benchmark's processes, so they are not
in tests/unit (``make test-fast``).

Nothing here asserts a timing: the machines that run the tests are shared and noisy. What is
checked is that each benchmark measures every target it claims to, renders its section, and
that the document writer replaces its own sections and nothing else.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import cold_start, report, sizes
from bench.sandbox import has_module, template_functions

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cold() -> dict[str, Any]:
    """One run of the cold start benchmark: the breakdown's function and one other, one process
    each (one sandbox, so the layer is copied once)."""
    other = next(
        f.logical_id for f in template_functions() if f.logical_id != cold_start.BREAKDOWN_FUNCTION
    )
    return cold_start.measure(runs=1, only=[cold_start.BREAKDOWN_FUNCTION, other], progress=False)


def test_cold_start_times_functions_the_floor_and_fastapi_in_fresh_processes(
    cold: dict[str, Any],
) -> None:
    names = [t["name"] for t in cold["targets"]]
    functions = [t["name"] for t in cold["targets"] if t["kind"] == "function"]
    assert len(functions) == 2
    assert cold_start.BREAKDOWN_FUNCTION in functions
    assert cold_start.FLOOR in names
    assert (cold_start.FASTAPI in names) == (has_module("fastapi") and has_module("mangum"))
    for target in cold["targets"]:
        assert target["import"] > 0
        assert target["ready"] >= target["import"]
        assert target["heaviest"], target["name"]
    text = cold_start.render(cold)
    for name in functions:
        assert name in text
    assert set(cold_start.verdicts(cold)) == set(functions)


def test_the_breakdown_follows_one_function_step_by_step(cold: dict[str, Any]) -> None:
    steps = cold["breakdown"]
    assert [s["step"] for s in steps] == [label for label, _ in cold_start.BREAKDOWN]
    cumulative = [s["cumulative"] for s in steps]
    assert cumulative == sorted(cumulative)
    assert "Where" in cold_start.render(cold)


def test_the_targets_summary_judges_what_was_measured(cold: dict[str, Any]) -> None:
    from bench.__main__ import targets_section

    summary = targets_section(cold, None)
    assert "cold start (import) within 1.5x of the floor" in summary
    assert "test_request_budget" in summary


def test_importtime_output_is_parsed_into_self_and_cumulative_seconds() -> None:
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       100 |        100 |   json.decoder\n"
        "import time:      2000 |       2100 | json\n"
    )
    assert cold_start.parse_importtime(stderr) == [
        ("json.decoder", 0.0001, 0.0001),
        ("json", 0.002, 0.0021),
    ]


def test_warm_invocations_of_byline_the_floor_and_fastapi_complete() -> None:
    """In a child process: the benchmark swaps the layer's DynamoDB client for a fake."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.warm", "--warmup", "1", "--rounds", "1", "--iterations", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| GET /articles/{article} |" in result.stdout
    assert "| POST /articles |" in result.stdout
    assert "empty route" in result.stdout


def test_sizes_reads_the_layer_and_each_function_folder(tmp_path: Path) -> None:
    layer = tmp_path / "CommonLayer" / "python" / "byline"
    layer.mkdir(parents=True)
    (layer / "__init__.py").write_text("x = 1\n" * 100)
    function = template_functions()[0].logical_id
    (tmp_path / function).mkdir()
    (tmp_path / function / "app.py").write_text("def lambda_handler(e, c): ...\n")
    results = sizes.measure(tmp_path)
    rows = {r["name"]: r for r in results["rows"]}
    assert rows["CommonLayer"]["unzipped"] == 600
    assert rows[function]["files"] == 1
    assert rows[function]["zipped"] > 0
    assert function in sizes.render(results)


def test_sizes_without_a_build_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="make build"):
        sizes.measure(tmp_path)


def test_a_section_is_replaced_and_everything_else_is_kept(tmp_path: Path) -> None:
    doc = tmp_path / "RESULTS.md"
    begin, end = report.markers("warm")
    doc.write_text(
        "# Byline benchmark results\n\nHand-written intro.\n\n## Warm\n\n"
        f"{begin}\nold numbers\n{end}\n\nHand-written notes.\n\n## DynamoDB requests per route\n\n"
        "<!-- request-budget:begin -->\ntheirs\n<!-- request-budget:end -->\n"
    )
    report.write_section("warm", "## Warm", "new numbers", doc)
    text = doc.read_text()
    assert "new numbers" in text
    assert "old numbers" not in text
    assert "Hand-written intro." in text
    assert "Hand-written notes." in text
    assert "<!-- request-budget:begin -->\ntheirs\n<!-- request-budget:end -->" in text
    assert text.count("## Warm") == 1


def test_a_new_section_is_appended_under_its_heading(tmp_path: Path) -> None:
    doc = tmp_path / "RESULTS.md"
    report.write_section("sizes", "## Deployment size", "| a | b |", doc)
    report.write_section("warm", "## Warm", "fast", doc)
    report.write_section("sizes", "## Deployment size", "| c | d |", doc)
    text = doc.read_text()
    assert text.startswith("# Byline benchmark results")
    assert text.index("## Deployment size") < text.index("## Warm")
    assert "| c | d |" in text
    assert "| a | b |" not in text


def test_the_results_file_holds_every_generated_section() -> None:
    """Each ``--write`` replaces its block in bench/RESULTS.md; a missing block would be appended
    at the end under a second heading, so every one is there already."""
    assert report.RESULTS_DOC == ROOT / "bench" / "RESULTS.md"
    text = report.RESULTS_DOC.read_text(encoding="utf-8")
    for name in ("targets", "machine", "cold-start", "warm", "sizes", "digests"):
        begin, end = report.markers(name)
        assert text.count(begin) == 1, name
        assert text.index(begin) < text.index(end), name
    assert "<!-- request-budget:begin" in text
    assert "bench/RESULTS.md" in (ROOT / "docs" / "PERFORMANCE.md").read_text(encoding="utf-8")
