"""Screenshot Swagger UI at /docs of a local stack: docs/swagger-ui.png.

Starts moto and the local stack on free ports (as ``make dev`` does, without demo users or
event sources), opens /docs in headless Chromium (local/browser.py, the driver the /docs test
uses), waits until every operation of the served OpenAPI document is rendered, and saves the
whole page.

    make docs-screenshot          # .venv/bin/python scripts/docs_screenshot.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local.browser import Browser, document_operations, find_browser, wait_for_operations  # noqa: E402

DEFAULT_OUTPUT = ROOT / "docs" / "swagger-ui.png"
WIDTH = 1280
OPERATIONS_BOTTOM_JS = """Math.ceil(Math.max(...Array.from(
  document.querySelectorAll('#swagger-ui .opblock-tag-section'),
  (section) => section.getBoundingClientRect().bottom + window.scrollY)) + 16)"""


def main(argv: list[str] | None = None) -> int:
    from local import LocalStack
    from local.bootstrap import bootstrap
    from local.moto_server import MotoServer
    from local.template import Template

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--width", type=int, default=WIDTH)
    args = parser.parse_args(argv)
    executable = find_browser()
    if executable is None:
        raise SystemExit("no Chromium found: apt-get install chromium (or put it on PATH)")
    moto = MotoServer(0)
    local: LocalStack | None = None
    try:
        stack = bootstrap(Template.load(), moto.start())
        local = LocalStack.start(stack, port=0, seed_users=False, event_sources=False)
        answer = requests.get(f"{local.base_url}/openapi.json", timeout=60)
        answer.raise_for_status()
        expected = document_operations(answer.json())
        with Browser(executable, width=args.width) as browser:
            browser.goto(f"{local.base_url}/docs")
            shown = wait_for_operations(browser, expected)
            # down to the last operation: the schemas' list below it is as long again
            height = browser.evaluate(OPERATIONS_BOTTOM_JS)
            browser.screenshot(args.output.resolve(), width=args.width, height=height)
            problems = browser.exceptions + browser.console_errors
    finally:
        if local is not None:
            local.stop()
        moto.stop()
    print(f"wrote {args.output} ({len(shown)} operations rendered)")
    for problem in problems:
        print(f"page error: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
