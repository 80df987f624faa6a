"""The Content API catalogue's pure parts (byline.data.catalogue): which articles are listed,
day and size-class counts, locating a page by day counts, and the transaction operations that
keep entries and counters in step with every change of an article (docs/decisions/0018)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from byline.data import keys
from byline.data.catalogue import (
    OTHER_FIELDS_BYTES,
    SIZE_CLASS_BYTES,
    DayCounts,
    catalogue_ops,
    day_moves,
    is_listed,
    page_limit,
    response_bytes,
    size_attribute,
    size_moves,
)
from byline.ghost.ids import content_id
from byline.ghost.objects import plaintext
from tests.support.ghost_content import Op, by_key, read_ops

ARTICLE_ID = "01jbyline0000000000000a"
DAY = "2026-11-30T09:00:00.000Z"
ALL = keys.catalogue_all()
AUTHOR = keys.catalogue_author("ada")
FEATURED = keys.catalogue_featured()


def article(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": ARTICLE_ID,
        "slug": "hello",
        "title": "Hello",
        "author": "ada",
        "tags": ["news"],
        "status": "published",
        "published_at": DAY,
        "updated_at": DAY,
        "html": "<p>Hi</p>",
        "body": "Hi",
    }
    return {**base, **changes}


DRAFT = article(status="draft", published_at=None)


def ops_of(before: dict[str, Any], after: dict[str, Any]) -> dict[tuple[str, str, str], Op]:
    return by_key(read_ops(catalogue_ops(before, after)))


def k(kind: str, key: keys.Key) -> tuple[str, str, str]:
    return (kind, key["PK"], key["SK"])


def author_entry(published_at: str = DAY) -> keys.Key:
    return keys.author_post("ada", published_at, ARTICLE_ID)


def featured_entry(published_at: str = DAY) -> keys.Key:
    return keys.featured_post(published_at, ARTICLE_ID)


GHOST_LOOKUP = keys.ghost_id(content_id("post", ARTICLE_ID))


# -- is_listed ----------------------------------------------------------------------------------
def test_a_published_post_is_listed():
    assert is_listed(article())


def test_a_draft_scheduled_or_deleted_article_is_not_listed():
    for status in ("draft", "scheduled", "deleted", "unpublished"):
        assert not is_listed(article(status=status))


def test_a_published_page_is_not_listed():
    assert not is_listed(article(page=True))


def test_nothing_is_not_listed():
    assert not is_listed(None)


# -- day_moves ----------------------------------------------------------------------------------
def test_day_moves_of_a_new_member_add_one_to_its_utc_day():
    assert day_moves(None, article()) == {"d20261130": 1}


def test_day_moves_of_a_member_leaving_take_one_off():
    assert day_moves(article(), None) == {"d20261130": -1}


def test_day_moves_of_a_date_move_go_from_one_day_to_the_other():
    moved = article(published_at="2026-12-01T08:00:00.000Z")
    assert day_moves(article(), moved) == {"d20261130": -1, "d20261201": 1}


def test_day_moves_within_one_day_are_nothing():
    assert day_moves(article(), article(published_at="2026-11-30T23:59:59.000Z")) == {}


def test_day_moves_of_no_member_are_nothing():
    assert day_moves(None, None) == {}


# -- size classes -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "html",
    [
        "<p>plain text, a few words</p>",
        '<p><a href="https://x.example/?a=1&b=2">"quoted"</a> \\ back\\slashes</p>',
        "<p>" + "é漢字🙂" * 500 + "</p>",
        "<pre><code>" + "&lt;&gt;&quot;" * 2000 + "</code></pre>",
    ],
)
def test_response_bytes_bound_what_a_post_adds_to_lambdas_response(html):
    """Its html and plaintext, in the handler's JSON, inside the runtime's JSON of the
    response (which escapes non-ASCII text), fit the bound."""
    inner = json.dumps({"html": html, "plaintext": plaintext(html)}, ensure_ascii=False)
    outer = json.dumps({"body": inner})
    assert len(outer.encode()) - len('{"body": ""}') <= response_bytes(article(html=html))


SMALL = "z2"
"""The size class of the small article of these tests: 18 KiB of other fields and a line."""


def test_response_bytes_of_an_article_without_html_are_the_other_fields_only():
    assert response_bytes({}) == OTHER_FIELDS_BYTES
    assert response_bytes({"html": ""}) == OTHER_FIELDS_BYTES


def test_the_size_class_rounds_up_to_16_kib():
    assert size_attribute({}) == f"z{-(-OTHER_FIELDS_BYTES // SIZE_CLASS_BYTES)}"
    base = response_bytes({})
    room = 2 * SIZE_CLASS_BYTES - base  # what still fits class z2
    # two copies of the html (and plaintext), each escaped: one character is two bytes more
    fits, over = article_of_html((room - 4) // 2), article_of_html(room // 2 + 1)
    assert size_attribute(fits) == "z2"
    assert size_attribute(over) == "z3"


def article_of_html(characters: int) -> dict[str, Any]:
    return {"html": "a" * characters}


def test_size_moves_of_a_new_member_and_a_leaving_one():
    assert size_moves(None, article()) == {SMALL: 1}
    assert size_moves(article(), None) == {SMALL: -1}


def test_size_moves_within_a_class_are_nothing():
    assert size_moves(article(), article(html="<p>Hello</p>")) == {}


def test_size_moves_between_classes():
    big = article(html="a" * 20_000)
    assert size_moves(article(), big) == {SMALL: -1, size_attribute(big): 1}


# -- DayCounts ----------------------------------------------------------------------------------
COUNTER = {
    "PK": "CATALOGUE", "SK": "ALL", "kind": "x",
    "d20261128": 2, "d20261129": 0, "d20261130": 3, "z1": 4, "z3": 1,
}  # fmt: skip
COUNTS = DayCounts.from_item(COUNTER)


def test_day_counts_read_day_attributes_and_leave_out_others_and_empty_days():
    assert COUNTS.days == {"2026-11-28": 2, "2026-11-30": 3}


def test_day_counts_of_no_item_are_empty():
    assert DayCounts.from_item(None).days == {}
    assert DayCounts.from_item(None).total == 0


def test_day_counts_total():
    assert COUNTS.total == 5


def test_locate_newest_first_starts_in_the_newest_day():
    assert COUNTS.locate(0) == ("2026-11-30", 0)
    assert COUNTS.locate(2) == ("2026-11-30", 2)


def test_locate_newest_first_crosses_a_day_boundary():
    assert COUNTS.locate(3) == ("2026-11-28", 0)
    assert COUNTS.locate(4) == ("2026-11-28", 1)


def test_locate_oldest_first_starts_in_the_oldest_day():
    assert COUNTS.locate(0, newest_first=False) == ("2026-11-28", 0)
    assert COUNTS.locate(1, newest_first=False) == ("2026-11-28", 1)
    assert COUNTS.locate(2, newest_first=False) == ("2026-11-30", 0)


def test_locate_past_the_end_is_none():
    assert COUNTS.locate(5) is None
    assert COUNTS.locate(5, newest_first=False) is None
    assert DayCounts.from_item(None).locate(0) is None


def test_post_sizes_count_posts_by_their_class_bytes():
    assert DayCounts.post_sizes({"z1": 2, "z3": 1, "d20261130": 3}) == {
        SIZE_CLASS_BYTES: 2,
        3 * SIZE_CLASS_BYTES: 1,
    }


def test_post_sizes_leave_out_emptied_classes_and_other_attributes():
    assert DayCounts.post_sizes({"z1": 2, "z5": 0}) == {SIZE_CLASS_BYTES: 2}
    assert DayCounts.post_sizes(None) == {}
    assert DayCounts.post_sizes({"d20261130": 1}) == {}


# -- page_limit ------------------------------------------------------------------------------------
def test_a_site_of_ordinary_posts_keeps_the_requested_limit():
    assert page_limit(100, {16_384: 10_000}, 5_500_000) == 100


def test_a_few_long_reads_lower_the_limit_only_as_far_as_they_must():
    """Five posts of 144 KiB and many of 16 KiB: a page of 100 holds at most the five long
    ones and 95 others, which fit."""
    assert page_limit(100, {147_456: 5, 16_384: 9_995}, 5_500_000) == 100
    assert (
        page_limit(100, {147_456: 5, 16_384: 9_995}, 2_000_000)
        == 5 + (2_000_000 - 5 * 147_456) // 16_384
    )


def test_many_long_reads_lower_the_limit_to_what_the_largest_fill():
    assert page_limit(100, {1_000_000: 50}, 5_500_000) == 5


def test_the_limit_never_drops_below_one_post():
    assert page_limit(15, {8_000_000: 1}, 5_500_000) == 1


def test_fewer_posts_than_the_limit_keep_the_limit():
    assert page_limit(100, {16_384: 3}, 5_500_000) == 100
    assert page_limit(100, {}, 5_500_000) == 100


def test_no_page_of_the_limit_can_pass_the_budget():
    """However the posts fall into pages: the limit's largest posts fit."""
    sizes = {600_000: 3, 250_000: 10, 40_000: 200, 16_384: 5_000}
    limit = page_limit(100, sizes, 5_500_000)
    largest = sorted((s for s, n in sizes.items() for _ in range(n)), reverse=True)
    assert sum(largest[:limit]) <= 5_500_000 < sum(largest[: limit + 1])


# -- catalogue_ops ------------------------------------------------------------------------------
def test_publishing_a_draft_counts_it_enters_it_and_writes_its_id_lookup():
    ops = ops_of(DRAFT, article())
    assert set(ops) == {
        k("Update", ALL),
        k("Put", author_entry()),
        k("Update", AUTHOR),
        k("Put", GHOST_LOOKUP),
    }
    assert ops[k("Update", ALL)].counts() == {"d20261130": 1, SMALL: 1}
    assert ops[k("Update", AUTHOR)].counts() == {"d20261130": 1}
    assert ops[k("Update", AUTHOR)].sets() == {"author": "ada", "kind": "catalogue-author"}


def test_the_id_lookup_leads_to_the_article():
    lookup = ops_of(DRAFT, article())[k("Put", GHOST_LOOKUP)].item
    assert lookup["article_id"] == ARTICLE_ID
    assert lookup["kind"] == "ghost-id"


def test_an_author_entry_is_a_slim_copy():
    entry = ops_of(DRAFT, article())[k("Put", author_entry())].item
    assert entry["kind"] == "catalogue-entry"
    assert (entry["id"], entry["slug"], entry["title"]) == (ARTICLE_ID, "hello", "Hello")
    assert (entry["author"], entry["tags"], entry["published_at"]) == ("ada", ["news"], DAY)
    assert "html" not in entry
    assert "body" not in entry


def test_unpublishing_uncounts_and_removes_the_entry():
    ops = ops_of(article(), article(status="draft"))
    assert set(ops) == {k("Update", ALL), k("Delete", author_entry()), k("Update", AUTHOR)}
    assert ops[k("Update", ALL)].counts() == {"d20261130": -1, SMALL: -1}
    assert ops[k("Update", AUTHOR)].counts() == {"d20261130": -1}


def test_deleting_a_published_post_uncounts_and_removes_the_entry():
    ops = ops_of(article(), article(status="deleted"))
    assert set(ops) == {k("Update", ALL), k("Delete", author_entry()), k("Update", AUTHOR)}
    assert ops[k("Update", ALL)].counts() == {"d20261130": -1, SMALL: -1}


def test_an_edit_on_the_same_date_rewrites_the_entry_and_leaves_counters_alone():
    ops = ops_of(article(), article(title="Hello again", updated_at="2026-12-02T10:00:00Z"))
    assert set(ops) == {k("Put", author_entry())}
    assert ops[k("Put", author_entry())].item["title"] == "Hello again"


def test_an_edit_that_changes_the_size_class_moves_only_the_size_counts():
    big = article(html="a" * 20_000)
    ops = ops_of(article(), big)
    assert set(ops) == {k("Update", ALL), k("Put", author_entry())}
    assert ops[k("Update", ALL)].counts() == {SMALL: -1, size_attribute(big): 1}


def test_a_date_move_moves_the_entry_and_the_day_counts():
    moved = "2026-12-01T08:00:00.000Z"
    ops = ops_of(article(), article(published_at=moved))
    assert set(ops) == {
        k("Update", ALL), k("Delete", author_entry()), k("Put", author_entry(moved)),
        k("Update", AUTHOR),
    }  # fmt: skip
    assert ops[k("Update", ALL)].counts() == {"d20261130": -1, "d20261201": 1}
    assert ops[k("Update", AUTHOR)].counts() == {"d20261130": -1, "d20261201": 1}


def test_publishing_a_featured_post_enters_and_counts_it_as_featured():
    ops = ops_of(DRAFT | {"featured": True}, article(featured=True))
    assert ops[k("Put", featured_entry())].item["featured"] is True
    assert ops[k("Update", FEATURED)].counts() == {"d20261130": 1}


def test_featuring_a_published_post_enters_and_counts_it():
    ops = ops_of(article(), article(featured=True))
    assert set(ops) == {k("Put", author_entry()), k("Put", featured_entry()), k("Update", FEATURED)}
    assert ops[k("Update", FEATURED)].counts() == {"d20261130": 1}


def test_unfeaturing_a_published_post_removes_and_uncounts_it():
    ops = ops_of(article(featured=True), article(featured=False))
    assert set(ops) == {
        k("Put", author_entry()), k("Delete", featured_entry()), k("Update", FEATURED),
    }  # fmt: skip
    assert ops[k("Update", FEATURED)].counts() == {"d20261130": -1}


def test_unpublishing_a_featured_post_leaves_the_featured_scope():
    ops = ops_of(article(featured=True), article(featured=True, status="draft"))
    assert k("Delete", featured_entry()) in ops
    assert ops[k("Update", FEATURED)].counts() == {"d20261130": -1}


def test_a_draft_being_featured_touches_nothing():
    assert catalogue_ops(DRAFT, DRAFT | {"featured": True}) == []


def test_a_published_page_is_never_listed_but_gets_its_id_lookup():
    ops = ops_of(article(status="draft", page=True), article(page=True, featured=True))
    assert set(ops) == {k("Put", GHOST_LOOKUP)}


def test_editing_a_published_page_writes_nothing():
    assert catalogue_ops(article(page=True), article(page=True, title="New")) == []


def test_editing_a_published_post_writes_no_id_lookup_again():
    assert k("Put", GHOST_LOOKUP) not in ops_of(article(), article(title="New"))


def test_counters_are_updated_with_add():
    ops = read_ops(catalogue_ops(DRAFT, article()))
    assert all(op.update.startswith("ADD ") for op in ops if op.kind == "Update")  # type: ignore[union-attr]


def test_an_account_deletion_moves_nothing_into_the_pseudonyms_scope_and_empties_the_old():
    """The save that unpublishes a deleted account's article also hands it to a pseudonym:
    the entry and count leave the old author's scope; the pseudonym's get nothing."""
    ops = ops_of(article(), article(status="unpublished", author="former-1a2b"))
    old_counter = keys.catalogue_author("ada")
    assert k("Delete", author_entry()) in ops
    assert ops[k("Update", old_counter)].counts() == {"d20261130": -1}
    assert not any("former-1a2b" in pk for _, pk, _ in ops)


def test_republishing_under_a_new_author_counts_it_there_only():
    ops = ops_of(article(status="unpublished", author="former-1a2b"), article(author="former-1a2b"))
    entry = keys.author_post("former-1a2b", DAY, ARTICLE_ID)
    assert k("Put", entry) in ops
    assert ops[k("Update", keys.catalogue_author("former-1a2b"))].counts() == {"d20261130": 1}
    assert k("Update", keys.catalogue_author("ada")) not in ops


def test_a_published_article_changing_author_moves_between_scopes():
    ops = ops_of(article(), article(author="bea"))
    assert k("Delete", author_entry()) in ops
    assert k("Put", keys.author_post("bea", DAY, ARTICLE_ID)) in ops
    assert ops[k("Update", keys.catalogue_author("ada"))].counts() == {"d20261130": -1}
    assert ops[k("Update", keys.catalogue_author("bea"))].counts() == {"d20261130": 1}


def test_response_bytes_bound_a_whole_post_object_of_hostile_text():
    """Every text field at its longest in emoji (12 bytes each as Lambda writes them), five
    tags, a realistic author twice: the post's object fits its bound."""
    from byline.ghost.objects import AuthorSource, PostSource, Site, post_object

    emoji = "\U0001f642"
    stored = article(
        title=emoji * 150,
        custom_excerpt=emoji * 300,
        meta_title=emoji * 300,
        meta_description=emoji * 500,
        tags=[f"tag-{i}-{'x' * 40}" for i in range(5)],
        html="<p>" + emoji * 20_000 + "</p>",
    )
    post = PostSource(
        id=ARTICLE_ID,
        slug=stored["slug"],
        title=stored["title"],
        html=stored["html"],
        author="ada",
        tags=stored["tags"],
        created_at=DAY,
        updated_at=DAY,
        published_at=DAY,
        reading_minutes=3,
        custom_excerpt=stored["custom_excerpt"],
        meta_title=stored["meta_title"],
        meta_description=stored["meta_description"],
    )
    author = AuthorSource("ada", "Ada " * 16, bio="Writes. " * 60, website="https://ada.example")
    body = post_object(
        post,
        Site("https://site.example"),
        include={"tags", "authors"},
        formats={"html", "plaintext"},
        authors={"ada": author},
    )
    assert len(json.dumps(json.dumps(body, ensure_ascii=False))) <= response_bytes(stored)
