"""``make bench``: cold start, warm overhead and deployment size, side by side with a floor and
a FastAPI + Mangum version, written into bench/RESULTS.md (each in its own section; the
sections other tools generate are left alone). The digest benchmark is ``make bench-digests``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bench import cold_start, report, sizes, warm

COMMAND = "make bench"


def _over(value: float, target: float) -> str:
    return f"{(value / target - 1) * 100:.0f} %" if value / target >= 1.005 else "< 1 %"


def targets_section(cold: dict[str, Any] | None, hot: dict[str, Any] | None) -> str:
    lines = [
        "| target | result | met |",
        "|---|---|---|",
    ]
    if cold:
        judged = cold_start.verdicts(cold)
        for measure, label in (("import", "import"), ("ready", "import + DynamoDB client")):
            ratios = {n: v[measure]["ratio"] for n, v in judged.items() if v[measure]["ratio"]}
            shares = {n: v[measure]["share"] for n, v in judged.items() if v[measure]["share"]}
            if ratios:
                worst = max(ratios, key=lambda n: ratios[n])
                over = sum(r > cold_start.IMPORT_TARGETS for r in ratios.values())
                lines.append(
                    f"| cold start ({label}) within 1.5x of the floor | "
                    f"{min(ratios.values()):.2f} to {ratios[worst]:.2f}x (worst {worst}) | "
                    + (
                        "yes"
                        if not over
                        else f"no: {over} of {len(ratios)} functions, the worst "
                        f"{_over(ratios[worst], cold_start.IMPORT_TARGETS)} over"
                    )
                    + " |"
                )
            if shares:
                worst = max(shares, key=lambda n: shares[n])
                over = sum(s > cold_start.ABOVE_FLOOR_SHARE for s in shares.values())
                lines.append(
                    f"| cold start ({label}) above the floor at most half of FastAPI's | "
                    f"{min(shares.values()):.2f} to {shares[worst]:.2f} of FastAPI's | "
                    + (
                        "yes"
                        if not over
                        else f"no: {over} of {len(shares)} functions, the worst "
                        f"{_over(shares[worst], cold_start.ABOVE_FLOOR_SHARE)} over"
                    )
                    + " |"
                )
    if hot:
        by = {(r["name"], r["route"]): r for r in hot["results"]}
        ours, floor = by.get(("Byline", "read")), by.get(("floor", "read"))
        if ours and floor:
            ratio = ours["per_request"] / floor["per_request"]
            lines.append(
                f"| warm read within 3x of the floor | {ratio:.2f}x "
                f"({report.us(ours['per_request'])} vs {report.us(floor['per_request'])} µs) | "
                + (
                    "yes"
                    if ratio <= warm.READ_TARGET
                    else f"no, {_over(ratio, warm.READ_TARGET)} over"
                )
                + " |"
            )
    lines.append(
        "| reads one request, writes one request or one transaction | see "
        "[DynamoDB requests per route](#dynamodb-requests-per-route) | enforced by "
        "tests/integration/test_request_budget.py |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per cold start")
    parser.add_argument("--only", default="", help="comma-separated functions (cold start)")
    parser.add_argument("--limit", type=int, default=None, help="the first N functions only")
    parser.add_argument("--no-profile", action="store_true", help="skip -X importtime")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument(
        "--skip", default="", help="comma-separated: cold-start, warm, sizes (not measured)"
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite its sections of bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}

    cold = hot = sized = None
    if "cold-start" not in skip:
        cold = cold_start.measure(
            args.runs,
            [o for o in args.only.split(",") if o],
            args.limit,
            profile=not args.no_profile,
        )
        print(cold_start.render(cold), end="\n\n")
    if "warm" not in skip:
        hot = warm.measure(args.warmup, args.rounds, args.iterations)
        print(warm.render(hot), end="\n\n")
    if "sizes" not in skip:
        sized = sizes.measure(limit=args.limit)
        print(sizes.render(sized), end="\n\n")
    summary = targets_section(cold, hot)
    print(summary)

    if args.write:
        info = report.machine()
        report.write_section("targets", "## Against the targets", summary)
        report.write_section("machine", "## Machine", report.machine_section(info, COMMAND))
        if cold:
            report.write_section("cold-start", cold_start.SECTION_HEADING, cold_start.render(cold))
        if hot:
            report.write_section("warm", warm.SECTION_HEADING, warm.render(hot))
        if sized:
            report.write_section("sizes", sizes.SECTION_HEADING, sizes.render(sized))
        print(f"wrote {report.RESULTS_DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
