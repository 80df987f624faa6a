"""Properties of the pure parts, checked by hypothesis over generated inputs rather than by a
few chosen examples: slugs, reading time, cursors, Markdown sanitising and digest selection.

The number of examples per property is hypothesis's profile: ``ci`` (the default, 200 examples,
part of ``make test``), ``fast`` (50, ``make test-fast``: the same properties, fewer inputs) or
``long`` (2,000: ``HYPOTHESIS_PROFILE=long pytest tests/unit/test_properties.py``). ``ci`` and
``fast`` are derandomised (the same inputs every run); ``long`` explores. Failures print the
smallest input hypothesis found.
"""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from byline.content.markdown import COMMENT_TAGS, render, sanitize
from byline.content.reading_time import WORDS_PER_MINUTE, image_seconds, reading_minutes
from byline.content.slugs import MAX_SLUG_LENGTH, slugify, with_suffix
from byline.data import cursors
from byline.errors import BadRequest
from byline.ids import looks_like_id
from byline.services import unsubscribe_tokens
from byline.services.digest_logic import MAX_ARTICLES, Candidate, Interests, select
from tests.support.html_safety import executable_constructs
from tests.support.xss_payloads import PAYLOADS

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True)
settings.register_profile("fast", max_examples=50, deadline=None, derandomize=True)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# -- slugs --------------------------------------------------------------------------------------
titles = st.text(max_size=300)


@given(titles, st.integers(min_value=8, max_value=200))
@example("", 80)
@example("---", 80)
@example("Héllo, World!", 80)
@example("ǅ" * 100, 80)
def test_a_slug_is_lower_case_ascii_words_within_the_limit(title, limit):
    slug = slugify(title, limit)
    assert SLUG.match(slug), slug
    assert len(slug) <= limit


@given(
    st.one_of(
        titles,
        st.from_regex(r"[0-9a-zA-Z]{22}", fullmatch=True),
        st.from_regex(r"[ -~]{0,4}[0-9a-hjkmnp-tv-z]{22}[ -~]{0,4}", fullmatch=True),
    ),
    st.integers(min_value=8, max_value=200),
)
def test_no_slug_looks_like_an_id(title, limit):
    assert not looks_like_id(slugify(title, limit))


@given(titles)
def test_slugifying_a_slug_changes_nothing(title):
    slug = slugify(title)
    assert slugify(slug) == slug


@given(titles, st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True))
def test_a_suffixed_slug_is_still_a_slug_within_the_limit_and_ends_with_the_suffix(title, suffix):
    suffixed = with_suffix(slugify(title), suffix)
    assert SLUG.match(suffixed), suffixed
    assert len(suffixed) <= MAX_SLUG_LENGTH
    assert suffixed.endswith("-" + suffix)


# -- reading time -------------------------------------------------------------------------------
words = st.lists(st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True), max_size=3000)


@given(words, st.integers(min_value=0, max_value=50))
def test_reading_time_is_the_words_and_images_rounded_up_to_whole_minutes(text_words, images):
    minutes = reading_minutes(" ".join(text_words), images)
    seconds = len(text_words) / WORDS_PER_MINUTE * 60 + image_seconds(images)
    assert minutes == max(1, math.ceil(seconds / 60))


@given(st.text(max_size=2000), st.text(max_size=2000), st.integers(0, 20), st.integers(0, 20))
def test_more_text_or_more_images_never_reads_faster(first, more, images, more_images):
    base = reading_minutes(first, images)
    assert base >= 1
    assert reading_minutes(first + " " + more, images) >= base
    assert reading_minutes(first, images + more_images) >= base


# -- cursors ------------------------------------------------------------------------------------
keys = st.dictionaries(
    st.text(min_size=1, max_size=20), st.text(max_size=200), min_size=1, max_size=5
)
listings = st.text(min_size=1, max_size=40)
secrets = st.binary(min_size=16, max_size=64)


@given(keys, listings, secrets)
def test_a_cursor_decodes_to_the_key_it_encodes(key, listing, secret):
    cursor = cursors.encode(key, listing, secret)
    assert cursor is not None
    assert cursors.decode(cursor, listing, secret) == key


@given(keys, listings, listings, secrets)
def test_a_cursor_of_another_listing_or_key_is_refused(key, listing, other, secret):
    assume(listing != other)
    cursor = cursors.encode(key, listing, secret)
    with pytest.raises(BadRequest):
        cursors.decode(cursor, other, secret)
    with pytest.raises(BadRequest):
        cursors.decode(cursor, listing, secret + b"x")


@given(keys, listings, secrets, st.data())
def test_changing_any_character_of_a_cursor_is_detected(key, listing, secret, data):
    cursor = cursors.encode(key, listing, secret)
    assert cursor is not None
    position = data.draw(st.integers(0, len(cursor) - 1))
    replacement = data.draw(st.sampled_from("ABCxyz019-_.=%"))
    assume(cursor[position] != replacement)
    forged = cursor[:position] + replacement + cursor[position + 1 :]
    with pytest.raises(BadRequest):
        cursors.decode(forged, listing, secret)


@given(st.text(max_size=3000), listings, secrets)
@example("e30.", "x", b"k" * 16)
@example("." * 2, "x", b"k" * 16)
@example(".\x80", "x", b"k" * 16)  # found by this test: a non-ASCII signature was a 500
def test_any_string_as_a_cursor_is_a_key_or_a_400_never_a_crash(text, listing, secret):
    try:
        value = cursors.decode(text, listing, secret)
    except BadRequest:
        return
    assert value is None or isinstance(value, dict)


@given(st.from_regex(r"[a-z0-9_]{1,40}", fullmatch=True), secrets)
def test_an_unsubscribe_token_names_the_user_it_was_issued_for(username, secret):
    token = unsubscribe_tokens.issue(secret, username)
    assert unsubscribe_tokens.verify(secret, token) == username


@given(st.text(max_size=300), secrets)
@example("YQ.\x80", b"k" * 16)  # found by the cursor property: the same 500 was here
def test_any_string_as_an_unsubscribe_token_is_a_user_or_a_400_never_a_crash(text, secret):
    try:
        username = unsubscribe_tokens.verify(secret, text)
    except BadRequest:
        return
    assert unsubscribe_tokens.issue(secret, username) == text


# -- Markdown sanitising ------------------------------------------------------------------------
# Markdown built from pieces that matter to a sanitiser: the XSS corpus, Markdown's own link,
# image, code and HTML syntax, quotes, entities, control characters, and arbitrary text between.
PIECES = [
    "<", ">", "</", "/>", '"', "'", "`", "```", "=", "&", "&#", ";", "(", ")", "[", "]", "![",
    "](", "<!--", "-->", "\n", "\n\n", "    ", "\t", "\x00", "\x0b", "\u2028", "javascript:",
    "JaVaScRiPt:", "data:text/html,", "vbscript:", "&#106;", "&#x6a;", "&colon;", " onerror=",
    " onload=", "alert(1)", "<script>", "<svg>", "<math>", "<img src=x", "<a href=", "<style>",
    "<iframe", "<noscript>", "<template>", "<textarea>", "<title>", "<!DOCTYPE", "<![CDATA[",
    "]]>", "http://", "https://x.example/", "mailto:", "//evil.example", "\\", "*", "_", "#",
    "> ", "- ", "1. ", "|", "---", "<b>", "</a>", "<p", "srcset=", "formaction=", "xlink:href=",
]  # fmt: skip
markdown_documents = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.sampled_from(PAYLOADS),
        st.text(max_size=20),
    ),
    max_size=40,
).map("".join)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(markdown_documents, st.booleans())
def test_no_markdown_renders_to_anything_executable(markdown, comment):
    rendered = render(markdown, site_host="byline.example", comment=comment)
    assert executable_constructs(rendered.html) == [], (markdown, rendered.html)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(markdown_documents, st.booleans())
def test_the_sanitiser_alone_leaves_nothing_executable_and_is_idempotent(html, comment):
    tags = COMMENT_TAGS if comment else None
    cleaned = sanitize(html, tags=tags, site_host="byline.example")
    assert executable_constructs(cleaned) == [], (html, cleaned)
    assert sanitize(cleaned, tags=tags, site_host="byline.example") == cleaned


# -- digest selection and ranking ---------------------------------------------------------------
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
WINDOW = timedelta(days=1)
USERS = ["rita", "ann", "bob", "cem"]
TAGS = ["python", "aws", "rust", "go", "lambda", "sql"]


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    count = draw(st.integers(0, 30))
    ids = draw(st.lists(st.sampled_from([f"a{i:02d}" for i in range(40)]), min_size=count))
    return [
        Candidate(
            id=article_id,
            slug=article_id,
            title=article_id,
            author=draw(st.sampled_from(USERS)),
            tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=5, unique=True))),
            excerpt="",
            published_at=NOW - timedelta(minutes=draw(st.integers(-120, 3 * 24 * 60))),
            like_count=draw(st.integers(-5, 10_000)),
            comment_count=draw(st.integers(-5, 1_000)),
        )
        for article_id in ids  # the same id may come twice, as from two candidate pages
    ]


interests = st.builds(
    Interests,
    username=st.just("rita"),
    tags=st.frozensets(st.sampled_from(TAGS)),
    muted=st.frozensets(st.sampled_from(TAGS)),
    authors=st.frozensets(st.sampled_from(USERS)),
    already_sent=st.frozensets(st.sampled_from([f"a{i:02d}" for i in range(40)])),
)


@given(candidates(), interests, st.integers(0, 48))
def test_a_digest_never_repeats_mutes_self_promotes_resends_or_overflows(articles, who, hours_back):
    since = NOW - timedelta(hours=hours_back)
    picks = select(articles, who, since, NOW)
    ids = [p.article.id for p in picks]
    assert len(ids) == len(set(ids)), "an article twice"
    assert len(picks) <= MAX_ARTICLES
    for pick in picks:
        article = pick.article
        assert not who.muted & set(article.tags), "a muted tag"
        assert article.author != who.username, "the subscriber's own article"
        assert article.id not in who.already_sent, "an article sent before"
        assert since < article.published_at <= NOW, "outside the period"
        assert who.tags & set(article.tags) or article.author in who.authors, "no match"
        assert pick.reasons


@given(candidates(), interests)
def test_picks_are_best_first_and_nothing_better_was_left_out(articles, who):
    since = NOW - WINDOW
    picks = select(articles, who, since, NOW)
    scores = [p.score for p in picks]
    assert scores == sorted(scores, reverse=True)
    unlimited = select(articles, who, since, NOW, limit=10_000)
    assert picks == unlimited[: len(picks)]
    assert len(picks) == min(MAX_ARTICLES, len(unlimited))


@given(candidates(), interests)
def test_selection_does_not_depend_on_the_order_of_the_candidates(articles, who):
    since = NOW - WINDOW
    forward = select(articles, who, since, NOW)
    backward = select(list(reversed(articles)), who, since, NOW)
    key = [(p.article.id, p.score) for p in forward]
    # duplicates of one id may differ in their counts; the first one seen is kept
    if len({a.id for a in articles}) == len(articles):
        assert key == [(p.article.id, p.score) for p in backward]
