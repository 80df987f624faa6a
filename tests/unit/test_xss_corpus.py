"""Every payload of the XSS corpus (tests/support/xss_payloads.py), through every way Byline
turns user text into HTML: nothing a browser would execute comes out, and the plain text
(excerpts, reading time) is exactly the text a reader sees on the page, nothing more."""

from __future__ import annotations

import re

import pytest

from byline.content.markdown import COMMENT_TAGS, excerpt, render, sanitize
from tests.support.html_safety import executable_constructs
from tests.support.xss_payloads import GROUPS, PAYLOADS

SITE = "byline.example"
MODES = ("article", "comment")


def _visible_text(html: str) -> str:
    """What a browser shows for ``html``, whitespace collapsed as plain_text does."""
    import html5lib

    fragment = html5lib.HTMLParser(namespaceHTMLElements=False).parseFragment(
        html, container="div", scripting=True
    )
    return re.sub(r"\s+", " ", "".join(fragment.itertext())).strip()


def _ids(payloads: list[str]) -> list[str]:
    return [f"{i:03d}:{p[:40]!r}" for i, p in enumerate(payloads)]


def test_the_corpus_holds_over_a_hundred_distinct_payloads_of_every_technique():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert all(len(group) >= 5 for group in GROUPS.values()), {
        name: len(group) for name, group in GROUPS.items()
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("payload", PAYLOADS, ids=_ids(PAYLOADS))
def test_no_payload_renders_to_anything_executable(payload, mode):
    rendered = render(payload, site_host=SITE, comment=mode == "comment")
    assert executable_constructs(rendered.html) == [], rendered.html


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("payload", PAYLOADS, ids=_ids(PAYLOADS))
def test_the_sanitiser_alone_neutralises_each_payload_as_raw_html(payload, mode):
    """Markdown renders raw HTML as text, so the sanitiser rarely sees a live tag from the
    renderer; it is also the last line of defence for HTML stored earlier and for the feeds,
    so it must hold on its own."""
    cleaned = sanitize(payload, tags=COMMENT_TAGS if mode == "comment" else None, site_host=SITE)
    assert executable_constructs(cleaned) == [], cleaned
    assert sanitize(cleaned, site_host=SITE) == cleaned  # idempotent: feeds clean it again


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("payload", PAYLOADS, ids=_ids(PAYLOADS))
def test_plain_text_and_excerpt_are_the_visible_text_and_never_markup(payload, mode):
    """The plain text is data: exactly the characters a reader sees on the rendered page.
    A ``<`` in it is one the reader saw as a character; no tag of the HTML and no
    character reference decoded twice (``&amp;lt;`` must not become ``<``) gets into it."""
    rendered = render(payload, site_host=SITE, comment=mode == "comment")
    assert rendered.text == _visible_text(rendered.html)
    summary = excerpt(rendered.text)
    assert rendered.text.startswith(summary.removesuffix("…"))


def test_a_reference_decoded_once_on_the_page_is_not_decoded_again_in_the_text():
    rendered = render("`&lt;img src=x onerror=alert(1)&gt;` &amp;lt;b&amp;gt; a\u00a0b")
    assert rendered.text == "&lt;img src=x onerror=alert(1)&gt; &lt;b&gt; a b"


@pytest.mark.parametrize(
    ("html", "flagged"),
    [
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', True),
        ('<a href=" \x01javascript:alert(1)">x</a>', True),
        ('<a href="&#0000106avascript:alert(1)">x</a>', True),
        ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', True),
        ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', True),
        ('<button formaction="javascript:alert(1)">x</button>', True),
        ('<p style="background:url(x)">x</p>', True),
        ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', True),
        ('<base href="https://evil.example/">', True),
        ('<img srcset="https://ok.example/a.png 1x, javascript:alert(1) 2x">', True),
        ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', True),
        ("<svg><style><img src=x onerror=alert(1)></style></svg>", True),
        ('<a href="https://ok.example/" rel="noopener nofollow ugc">x</a>', False),
        ('<a href="/articles/x">x</a> <a href="#top">top</a> <a href="mailto:a@b.c">m</a>', False),
        ('<a href="java%0ascript:alert(1)">x</a>', False),  # no scheme: a relative path
        ('<img src="https://ok.example/a.png" alt="x&quot; onerror=&quot;alert(1)">', False),
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", False),
    ],
)
def test_the_oracle_reads_html_as_a_browser_does(html, flagged):
    assert bool(executable_constructs(html)) is flagged, executable_constructs(html)
