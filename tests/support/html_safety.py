"""Finds what a browser would execute in a piece of HTML: the oracle of the XSS tests.

The HTML is parsed twice: by html5lib, which implements the WHATWG parsing algorithm a
browser runs (foreign content for SVG and MathML, raw-text elements, ``noscript`` with
scripting on, the adoption agency), so a mutation-XSS string is seen the way a browser would
see it; and by the standard library's forgiving tokenizer, as a second opinion that is not
fooled by the same quirks. Anything either of them finds is reported.

What counts as executable (or as navigation to script): elements that run or embed code, load
other documents or restyle the page (``script``, ``iframe``, ``svg``, ``style``, ``meta``,
``base``, ``form`` ...); event-handler attributes (``on*``); ``style`` and ``srcdoc``
attributes; and any URL attribute (``href``, ``src``, ``xlink:href``, ``formaction``,
``srcset`` ...) whose scheme, as the URL parser reads it, is not http, https or mailto.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

DANGEROUS_TAGS = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "link", "meta", "base",
    "form", "input", "button", "select", "textarea", "keygen", "isindex", "frame", "frameset",
    "applet", "template", "video", "audio", "source", "track", "portal", "param", "animate",
    "set", "animatemotion", "animatetransform", "foreignobject", "use", "handler", "listener",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data",
    "codebase", "dynsrc", "lowsrc", "ping", "cite", "longdesc", "manifest", "icon", "profile",
    "usemap", "classid", "archive",
}  # fmt: skip
ALWAYS_DANGEROUS_ATTRIBUTES = {"style", "srcdoc", "http-equiv"}
SAFE_SCHEMES = {"http", "https", "mailto"}
_XLINK = "{http://www.w3.org/1999/xlink}"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_LEADING_TRAILING = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def url_scheme(value: str) -> str | None:
    """The scheme a browser's URL parser finds in an attribute value (already entity-decoded),
    lower-cased; None for a relative URL. Leading and trailing C0 controls and spaces are
    stripped and tabs and newlines removed anywhere, as the WHATWG URL parser does."""
    url = _TAB_OR_NEWLINE.sub("", _LEADING_TRAILING.sub("", value))
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _attribute_findings(tag: str, name: str, value: str | None) -> list[str]:
    name = name.lower()
    if name.startswith(_XLINK):
        name = "xlink:" + name[len(_XLINK) :]
    found = []
    if name.startswith("on"):
        found.append(f"{tag}[{name}]")
    if name in ALWAYS_DANGEROUS_ATTRIBUTES:
        found.append(f"{tag}[{name}]")
    if value is not None and (name in URL_ATTRIBUTES or name.endswith(":href")):
        scheme = url_scheme(value)
        if scheme is not None and scheme not in SAFE_SCHEMES:
            found.append(f"{tag}[{name}={value!r}]")
    if value is not None and name == "srcset":
        for candidate in value.split(","):
            scheme = url_scheme(candidate.strip().split(" ")[0])
            if scheme is not None and scheme not in SAFE_SCHEMES:
                found.append(f"{tag}[srcset={value!r}]")
                break
    return found


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            self.found.extend(_attribute_findings(tag, name, value))

    handle_startendtag = handle_starttag


def _local_name(tag: Any) -> str | None:
    if not isinstance(tag, str):
        return None  # comments and processing instructions
    return tag.rsplit("}", 1)[-1].lower()


def _browser_view(html: str) -> list[str]:
    import html5lib

    parser = html5lib.HTMLParser(namespaceHTMLElements=True)
    fragment = parser.parseFragment(html, container="div", scripting=True)
    found: list[str] = []
    for element in fragment.iter():
        tag = _local_name(element.tag)
        if tag is None or tag == "document_fragment":
            continue
        if tag in DANGEROUS_TAGS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            found.extend(_attribute_findings(tag, name, value))
    return found


def executable_constructs(html: str) -> list[str]:
    """Every tag, attribute or URL in ``html`` that could run script; empty when safe."""
    tokenizer = _Tokenizer()
    tokenizer.feed(html)
    tokenizer.close()
    return list(dict.fromkeys(_browser_view(html) + tokenizer.found))
