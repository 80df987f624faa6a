"""A small XML writer that cannot be talked into writing markup it was not asked for.

Feeds put user text (titles, tags, HTML bodies) into XML. Every text and attribute value goes
through :func:`escape_text` or :func:`escape_attribute`, and HTML goes into CDATA sections that
:func:`cdata` splits around any ``]]>``, so no input can close an element or open one. Characters
XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF) are removed from every
value, because one of them makes the whole document unparseable. Element and attribute names are
the code's own and are checked against the XML name grammar.

The standard library's ElementTree escapes text correctly but cannot write CDATA and keeps
illegal characters; this writer does both in a few lines rather than patching its internals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*(:[A-Za-z_][A-Za-z0-9._-]*)?$")


def legal(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow anywhere in a document."""
    return _ILLEGAL.sub("", text)


def escape_text(text: str) -> str:
    """Character data: ``&``, ``<`` and ``>`` escaped (``>`` too, so ``]]>`` never appears)."""
    return legal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """A double-quoted attribute value; whitespace is escaped so parsers keep it as written."""
    return (
        escape_text(value)
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def cdata(text: str) -> str:
    """``text`` as CDATA. A ``]]>`` inside is split across two sections (``]]`` ends the first,
    ``>`` starts the next), so it cannot end the section early and let markup through."""
    return "<![CDATA[" + legal(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not an XML name: {name!r}")
    return name


@dataclass
class Element:
    """An element with attributes and either children, text, or CDATA."""

    name: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    text: str | None = None
    as_cdata: bool = False
    children: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        _checked(self.name)
        for attribute in self.attributes:
            _checked(attribute)

    def add(
        self,
        name: str,
        text: str | None = None,
        *,
        as_cdata: bool = False,
        **attributes: str,
    ) -> Element:
        """Append a child and return it. Attribute keywords use ``__`` for ``:``
        (``xmlns__atom`` is ``xmlns:atom``)."""
        child = Element(
            name,
            {key.replace("__", ":"): value for key, value in attributes.items()},
            text,
            as_cdata,
        )
        self.children.append(child)
        return child

    def write(self, out: list[str], depth: int = 0) -> None:
        pad = "  " * depth
        attributes = "".join(
            f' {name}="{escape_attribute(value)}"' for name, value in self.attributes.items()
        )
        if self.children:
            out.append(f"{pad}<{self.name}{attributes}>\n")
            for child in self.children:
                child.write(out, depth + 1)
            out.append(f"{pad}</{self.name}>\n")
        elif self.text is None:
            out.append(f"{pad}<{self.name}{attributes}/>\n")
        else:
            body = cdata(self.text) if self.as_cdata else escape_text(self.text)
            out.append(f"{pad}<{self.name}{attributes}>{body}</{self.name}>\n")


def document(root: Element) -> str:
    """The serialised document, UTF-8 declared."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    root.write(out)
    return "".join(out)
