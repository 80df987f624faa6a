from datetime import UTC, datetime

import pytest

from byline.content.markdown import EXTERNAL_REL, excerpt, render
from byline.content.reading_time import image_seconds, reading_minutes
from byline.content.slugs import MAX_SLUG_LENGTH, slugify, with_suffix
from byline.ids import looks_like_id, new_id
from tests.support.html_safety import executable_constructs


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello World", "hello-world"),
        ("  Héllo, Wörld!  ", "hello-world"),
        ("Python 3.13: what's new?", "python-3-13-what-s-new"),
        ("日本語", "article"),
        ("---", "article"),
    ],
)
def test_titles_become_ascii_hyphenated_slugs(title, slug):
    assert slugify(title) == slug


def test_long_titles_are_cut_at_a_word_boundary():
    slug = slugify("word " * 40)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert not slug.endswith("-")
    assert set(slug.split("-")) == {"word"}


@pytest.mark.parametrize(
    "title", ["01JBZ8Q6X3M4N5P7R9S2T0", "01jbz8q6x3m4n5p7r9s2t0", "ABCDEFGHJKMNPQRSTVWXYZ"]
)
def test_a_title_shaped_like_an_id_gets_a_slug_no_id_can_have(title):
    slug = slugify(title)
    assert not looks_like_id(slug)
    assert slug == f"{title.lower()}-article"


def test_every_new_id_is_id_shaped_and_no_slug_of_it_is():
    article_id = new_id(datetime.now(UTC))
    assert looks_like_id(article_id)
    assert slugify(article_id) == f"{article_id}-article"


def test_a_suffix_keeps_the_slug_within_the_limit():
    assert with_suffix("hello-world", "x7k2") == "hello-world-x7k2"
    assert len(with_suffix("a" * MAX_SLUG_LENGTH, "x7k2")) == MAX_SLUG_LENGTH


def test_reading_time_is_238_words_a_minute_rounded_up():
    assert reading_minutes("") == 1
    assert reading_minutes("word " * 238) == 1
    assert reading_minutes("word " * 239) == 2
    assert reading_minutes("word " * 2380) == 10


def test_images_add_time_as_medium_counts_it():
    assert image_seconds(1) == 12
    assert image_seconds(2) == 23
    assert image_seconds(12) == sum([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 3, 3])
    assert reading_minutes("word " * 238, images=1) == 2


def test_markdown_renders_and_scripts_do_not_survive():
    html = render("# Title\n\n<script>alert(1)</script> **bold**").html
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html


@pytest.mark.parametrize(
    "payload",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        '<img src=x onerror="alert(1)">',
        "<svg onload=alert(1)>",
        '[x](https://a.example "t" onmouseover="alert(1)")',
    ],
)
def test_executable_constructs_never_survive(payload):
    assert executable_constructs(render(payload).html) == []


def test_the_safety_oracle_does_flag_executable_html():
    assert executable_constructs('<a href="javascript:x">a</a><img src=x onerror=y><svg>')


def test_external_links_get_rel_and_internal_links_do_not():
    html = render(
        "[out](https://elsewhere.example/) [in](/articles/x) [site](https://byline.example/a)",
        site_host="byline.example",
    ).html
    assert f'<a href="https://elsewhere.example/" rel="{EXTERNAL_REL}">' in html
    assert '<a href="/articles/x">' in html
    assert '<a href="https://byline.example/a">' in html


def test_comments_allow_no_headings_or_images():
    html = render("# Big\n\n![i](https://img.example/x.png)", comment=True).html
    assert "<h1>" not in html
    assert "<img" not in html


def test_excerpt_cuts_at_a_word_with_an_ellipsis():
    assert excerpt("short") == "short"
    cut = excerpt("alpha beta gamma " * 30, limit=20)
    assert cut == "alpha beta gamma…"
