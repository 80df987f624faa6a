"""A Content API request's parameters, against GHOST-CONTENT-API.md §7 (rules) and §8
(pagination meta), and the action words of §5."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from byline.ghost.errors import ValidationError
from byline.ghost.params import Query, Resource, action, pagination, read_query


def browse(resource: Resource = "posts", **parameters: str | Sequence[str]) -> Query:
    return read_query(
        resource,
        {k: [v] if isinstance(v, str) else list(v) for k, v in parameters.items()},
        browse=True,
    )


def refused(resource: Resource = "posts", **parameters: str | Sequence[str]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        browse(resource, **parameters)
    return caught.value


# -- §7.2 include -------------------------------------------------------------------------------
def test_include_keeps_the_values_the_resource_accepts():
    assert browse(include="tags,authors,tiers").include == {"tags", "authors", "tiers"}


def test_an_unknown_include_is_dropped_silently():
    assert browse(include="tags,comments,count.posts").include == {"tags"}


def test_include_is_trimmed_and_lowercased():
    assert browse(include=" Tags , AUTHORS ").include == {"tags", "authors"}


def test_count_posts_is_an_include_of_tags_and_authors_only():
    assert browse("tags", include="count.posts").include == {"count.posts"}
    assert browse("authors", include="count.posts").include == {"count.posts"}
    assert browse("posts", include="count.posts").include == frozenset()


def test_a_repeated_include_is_joined():
    assert browse(include=["tags", "authors"]).include == {"tags", "authors"}


# -- §7.3 fields ---------------------------------------------------------------------------------
def test_fields_are_split_trimmed_and_lowercased():
    assert browse(fields=" Title ,URL").fields == ("title", "url")


# -- §7.4 formats --------------------------------------------------------------------------------
def test_formats_default_to_html_only():
    # not asked for: html, which post_object sends unless fields name what to send
    assert browse().formats is None


def test_formats_plaintext_replaces_html():
    assert browse(formats="plaintext").formats == {"plaintext"}


def test_formats_html_and_plaintext_gives_both():
    assert browse(formats="html, Plaintext").formats == {"html", "plaintext"}


def test_mobiledoc_and_lexical_are_accepted_and_removed():
    assert browse(formats="mobiledoc,lexical").formats == frozenset()
    assert browse(formats="html,lexical").formats == {"html"}


def test_an_unknown_format_is_ghosts_422():
    error = refused(formats="html,foo")
    assert error.status == 422
    assert error.message == "Validation error, cannot list posts."
    assert error.context == "Validation (AllowedValues) failed for formats"


def test_an_unknown_format_on_a_read_names_the_read_action():
    with pytest.raises(ValidationError) as caught:
        read_query("pages", {"formats": ["foo"]}, browse=False)
    assert caught.value.message == "Validation error, cannot read page."


# -- §7.5 limit ----------------------------------------------------------------------------------
def test_limit_defaults_to_15():
    assert browse().limit == 15


def test_a_limit_up_to_100_is_kept():
    assert browse(limit="7").limit == 7
    assert browse(limit="100").limit == 100


def test_limit_all_is_capped_at_100():
    assert browse(limit="all").limit == 100


def test_a_limit_above_100_is_capped_at_100():
    assert browse(limit="101").limit == 100
    assert browse(limit="5000").limit == 100


def test_a_limit_that_does_not_parse_becomes_100():
    assert browse(limit="abc").limit == 100


def test_limit_zero_means_the_default_15():
    assert browse(limit="0").limit == 15


@pytest.mark.parametrize("raw", ["-1", "1.5", "10abc"])
def test_a_limit_that_parses_but_is_no_count_is_ghosts_422(raw: str):
    error = refused(limit=raw)
    assert error.status == 422
    assert error.type == "ValidationError"
    assert error.message == "Validation error, cannot list posts."
    assert error.context == "Validation (matches) failed for limit undefined.limit"


def test_a_bad_limit_names_the_resource_in_the_message():
    assert refused("tags", limit="-1").message == "Validation error, cannot list tags."


# -- §7.6 page -----------------------------------------------------------------------------------
def test_page_defaults_to_1():
    assert browse().page == 1


def test_page_is_read_as_a_number():
    assert browse(page="3").page == 3


def test_page_zero_means_1():
    assert browse(page="0").page == 1


@pytest.mark.parametrize("raw", ["-1", "1.5", "two", "2x"])
def test_a_page_that_is_not_digits_is_ghosts_422(raw: str):
    error = refused(page=raw)
    assert error.status == 422
    assert error.message == "Validation error, cannot list posts."
    assert error.context == "Validation (matches) failed for page undefined.page"


# -- §7.6 order ----------------------------------------------------------------------------------
def test_no_order_means_the_resources_default():
    assert browse().order is None


def test_order_clauses_are_read_with_their_direction():
    assert browse(order="title asc, published_at DESC").order == (
        ("title", False),
        ("published_at", True),
    )


def test_an_order_with_characters_outside_ghosts_set_is_422():
    error = refused(order="published_at:desc")
    assert error.status == 422
    assert error.message == "Validation error, cannot list posts."
    assert error.context == "Validation (matches) failed for order undefined.order"


def test_an_order_clause_without_a_direction_is_dropped():
    assert browse(order="title, slug asc").order == (("slug", False),)


def test_an_order_clause_on_an_unknown_field_is_dropped():
    assert browse(order="nothing desc,title asc").order == (("title", False),)


def test_an_order_whose_clauses_are_all_dropped_is_empty_not_the_default():
    assert browse(order="nothing desc").order == ()


def test_an_order_field_is_matched_with_its_table_prefix():
    assert browse(order="posts.title desc").order == (("title", True),)


def test_a_repeated_order_parameter_is_joined_in():
    assert browse(order=["title asc", "slug desc"]).order == (("title", False), ("slug", True))


def test_count_posts_orders_tags_only_with_its_include():
    assert browse("tags", order="count.posts desc").order == ()
    assert browse("tags", order="count.posts desc", include="count.posts").order == (
        ("count.posts", True),
    )


def test_count_posts_is_no_order_field_of_posts():
    assert browse("posts", order="count.posts desc", include="count.posts").order == ()


# -- §7.1 what else is read ----------------------------------------------------------------------
def test_empty_values_count_as_absent():
    query = browse(limit="", page="", order="", formats="", include="", filter="")
    assert (query.limit, query.page, query.order) == (15, 1, None)
    assert (query.formats, query.include, query.filter) == (None, frozenset(), None)


def test_the_filter_is_passed_on_as_given():
    assert browse(filter="tag:news+featured:true").filter == "tag:news+featured:true"


def test_unknown_parameters_are_ignored():
    assert browse(key="k", debug="true", absolute_urls="true") == browse()


def test_a_read_ignores_limit_page_and_order():
    query = read_query("posts", {"limit": ["-1"], "page": ["x"], "order": ["a:b"]}, browse=False)
    assert (query.browse, query.limit, query.page, query.order) == (False, 15, 1, None)


# -- §5 action -----------------------------------------------------------------------------------
def test_a_browse_action_is_list_and_the_plural():
    assert action("posts", browse=True) == "list posts"


def test_a_read_action_is_read_and_the_singular():
    assert action("posts", browse=False) == "read post"
    assert action("authors", browse=False) == "read author"


# -- §8 pagination -------------------------------------------------------------------------------
def test_pagination_of_the_first_of_several_pages():
    assert pagination(1, 15, 40) == {
        "page": 1, "limit": 15, "pages": 3, "total": 40, "next": 2, "prev": None,
    }  # fmt: skip


def test_pagination_of_a_middle_page():
    meta = pagination(2, 15, 40)
    assert (meta["next"], meta["prev"]) == (3, 1)


def test_pagination_of_the_last_page():
    meta = pagination(3, 15, 40)
    assert (meta["pages"], meta["next"], meta["prev"]) == (3, None, 2)


def test_pagination_of_a_page_past_the_end_points_on_both_ways():
    assert pagination(5, 15, 20) == {
        "page": 5, "limit": 15, "pages": 2, "total": 20, "next": 6, "prev": 4,
    }  # fmt: skip


def test_pagination_of_nothing_is_one_page():
    assert pagination(1, 15, 0) == {
        "page": 1, "limit": 15, "pages": 1, "total": 0, "next": None, "prev": None,
    }  # fmt: skip


def test_pagination_of_a_single_page_has_no_neighbours():
    meta = pagination(1, 15, 15)
    assert (meta["pages"], meta["next"], meta["prev"]) == (1, None, None)


def test_pagination_pages_round_up():
    assert pagination(1, 100, 101)["pages"] == 2


# -- Byline's own bounds --------------------------------------------------------------------
def test_a_limit_of_thousands_of_digits_is_the_cap_not_a_crash():
    assert browse(limit="9" * 4400).limit == 100
    assert browse(limit="0" * 4400 + "7").limit == 7


def test_a_page_of_absurd_length_is_refused_like_any_bad_page():
    assert browse(page="9" * 12).page == 999_999_999_999
    error = refused(page="9" * 4400)
    assert error.context == "Validation (matches) failed for page undefined.page"


@pytest.mark.parametrize("digits", ["\u0661\u0662", "\uff11\uff12", "\u0967"])
def test_only_ascii_digits_are_numbers(digits):
    """Python's \\d and int() take any script's digits; Ghost's checks take 0-9 only."""
    assert refused(page=digits).context == "Validation (matches) failed for page undefined.page"
    assert browse(limit=digits).limit == 100  # does not start with a number: the cap
