"""Render a demo digest with the real template and screenshot it: docs/digest-example.png.

The HTML comes from ``byline/templates/digest.html.j2`` through ``render_template``, with the
context ``DigestService`` gives it (five realistic articles, best first, with the reasons they
were picked), so the picture is what a subscriber's mail client shows. Headless Chromium takes
the screenshot; install it with ``apt-get install chromium`` (or have ``chromium-browser`` or
``google-chrome`` on PATH).

    make digest-screenshot          # .venv/bin/python scripts/digest_screenshot.py
    .venv/bin/python scripts/digest_screenshot.py --html /tmp/digest.html   # also keep the HTML
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # local.browser: the project's one list of Chromium names and flags
DEFAULT_OUTPUT = ROOT / "docs" / "digest-example.png"
WINDOW = "700,1100"
SITE = "https://byline.example"
ZONE = ZoneInfo("Europe/Berlin")
"""The demo reader's time zone: dates are shown in it."""
NAMES = {"author": "Ada Author", "sam": "Sam Okafor", "lee": "Lee Chen", "dana": "Dana Ruiz"}
"""Display names of the demo authors (the email names authors by them)."""

ARTICLES = (
    (
        "why-serverless-python",
        "Why serverless Python",
        "author",
        "Pay per request, scale to zero, and no servers to patch. What you give up: "
        "long-lived connections and warm caches, and what that means for a publishing site.",
        ["tag:python", "tag:aws"],
        (2026, 11, 24, 16, 5),
        11.4,
    ),
    (
        "designing-a-single-dynamodb-table",
        "Designing a single DynamoDB table",
        "dana",
        "Start from the access patterns, then the keys. Every read is one Query, every "
        "write that touches several items one transaction.",
        ["tag:aws", "author:dana"],
        (2026, 11, 24, 9, 30),
        10.2,
    ),
    (
        "markdown-that-cannot-run-scripts",
        "Markdown that cannot run scripts",
        "author",
        "Render with markdown-it-py, clean with nh3: <script> never survives, and neither "
        "does a javascript: link.",
        ["tag:python"],
        (2026, 11, 24, 7, 45),
        6.9,
    ),
    (
        "cold-starts-measured-not-guessed",
        "Cold starts, measured & not guessed",
        "sam",
        "Import only what a route needs: how lazy clients and a slim layer took 300 ms off "
        "the first request of every function.",
        ["tag:aws"],
        (2026, 11, 23, 18, 20),
        5.1,
    ),
    (
        "testing-lambda-handlers-against-moto",
        "Testing Lambda handlers against moto in server mode",
        "lee",
        "Real HTTP, real handlers, no mocks of boto3: the integration tests that caught "
        "what unit tests could not.",
        ["tag:python"],
        (2026, 11, 23, 12, 0),
        4.3,
    ),
)


def digest_html() -> str:
    """The digest a daily subscriber following python, aws and the author dana receives."""
    from byline.content.rendering import render_template
    from byline.models.subscriptions import DigestArticle
    from byline.services.digests import COVER_SIZE, postal_lines

    articles = [
        DigestArticle(
            id=f"demo{n}",
            slug=slug,
            title=title,
            author=author,
            author_name=NAMES.get(author, author),
            excerpt=excerpt,
            url=f"{SITE}/articles/{slug}",
            published_at=datetime(*when, tzinfo=UTC),
            score=score,
            reasons=reasons,
        )
        for n, (slug, title, author, excerpt, reasons, when, score) in enumerate(ARTICLES)
    ]
    count = len(articles)
    context: dict[str, Any] = {
        "subject": f"{count} new articles on Byline: {articles[0].title}",
        "site_name": "Byline",
        "display_name": "Reader",
        "cadence": "daily",
        "articles": articles,
        "unsubscribe_url": f"{SITE}/unsubscribe?token=demo.token",
        "preferences_url": f"{SITE}/preferences?token=demo.token",
        "view_url": f"{SITE}/digests/2026-11-25?token=demo.token",
        "more": 0,
        "more_url": "",
        "more_articles": [],
        "local_date": lambda moment: moment.astimezone(ZONE).strftime("%d %b %Y"),
        "cover_size": COVER_SIZE,
        "postal_lines": postal_lines("Byline Ltd\\n1 Example Street\\nSpringfield, IL 62701"),
    }
    return render_template("digest.html.j2", **context)


def browser() -> str:
    from local.browser import find_browser

    found = find_browser()
    if found is None:
        raise SystemExit("no Chromium found: apt-get install chromium (or put it on PATH)")
    return found


def screenshot(html_file: Path, output: Path, window: str = WINDOW) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    from local.browser import FLAGS

    command = [
        browser(),
        *(flag for flag in FLAGS if flag != "--remote-debugging-pipe"),  # one shot, no driver
        f"--screenshot={output}",
        f"--window-size={window}",
        html_file.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603
    if not output.exists() or output.stat().st_size == 0:
        raise SystemExit(f"Chromium wrote no screenshot to {output}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--html", type=Path, help="also write the rendered HTML here")
    parser.add_argument("--window", default=WINDOW, help="width,height in pixels")
    args = parser.parse_args(argv)
    html = digest_html()
    if args.html:
        args.html.write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory() as directory:
        page = Path(directory) / "digest.html"
        page.write_text(html, encoding="utf-8")
        screenshot(page, args.output.resolve(), args.window)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
