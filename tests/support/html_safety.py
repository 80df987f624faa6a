"""Finds what a browser would execute in a piece of HTML: the oracle of the XSS tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser

DANGEROUS_TAGS = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "link", "meta", "base",
    "form", "input", "button", "frame", "frameset", "applet", "template", "video", "audio",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}
_SAFE_URL = re.compile(r"^(https?:|mailto:|/|#|\?|[a-z0-9._~-]+(/|$))", re.IGNORECASE)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name == "style":
                self.found.append(f"{tag}[style]")
            if name in URL_ATTRIBUTES and value is not None:
                url = re.sub(r"[\x00-\x20]", "", value)
                if not _SAFE_URL.match(url):
                    self.found.append(f"{tag}[{name}={value!r}]")

    handle_startendtag = handle_starttag


def executable_constructs(html: str) -> list[str]:
    """Every tag, attribute or URL in ``html`` that could run script; empty when safe."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found
