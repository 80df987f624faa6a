"""The Ghost Content API benchmark (bench/ghost_content.py) at a small scale, so that it cannot
rot: 120 posts, 5 tags, 3 authors and 3 pages written through the data layer on a throwaway
stack of the session's moto, every case called through the real handler, the same request
counts as at 10,000 posts (they do not depend on the number of posts: that is the catalogue's
point). Counts are of the whole request: the Content API key is read inside the route's first
BatchGetItem, so a count that grows by the key's GetItem (or anything else) fails here."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from bench import ghost_content, report

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BROWSE = Counter({"BatchGetItem": 2, "Query": 1})
"""The catalogue's three: counters, settings and the key; the slim entries of the page's day;
the posts and their authors."""
SLUG = Counter({"Query": 1, "BatchGetItem": 1})
"""The slug's Query, then the authors, settings and the key."""
BY_ID = Counter({"GetItem": 2, "BatchGetItem": 1})
"""The Content API id's lookup, the article, then the authors, settings and the key."""
BROWSE_100 = Counter({"BatchGetItem": 3, "Query": 1})
"""A page of 100 posts: their 100 keys and their authors' pass BatchGetItem's 100 a request, so
the posts and authors take two."""
LISTED = Counter({"Query": 1, "BatchGetItem": 1})
"""Tags' and authors' counters (one Query), the profiles or settings and the key; pages read
whole from their index, then their authors, settings and the key."""


@pytest.fixture(scope="module")
def result(stack_resources):
    return ghost_content.run(
        ghost_content.SMALL,
        endpoint=stack_resources.stack.endpoint,
        stage="benchghost-small",
        runs=2,
    )


def by_name(result) -> dict[str, ghost_content.Measurement]:
    return {m.case.name: m for m in result.measurements}


def test_the_data_was_written_as_planned(result):
    population = result.population
    assert len(population.posts) == 120
    assert len(population.by_tag) == 5
    assert len(population.by_author) == 3
    assert sum(1 for p in population.posts if p.featured) == 12
    assert len(population.pages) == 3
    assert all(p.page and not p.tags for p in population.pages)


def test_every_posts_browse_page_costs_three_requests_in_all(result):
    browses = [m for m in result.measurements if m.case.kind == "browse"]
    assert len(browses) == 12  # 4 scopes x page 1, a middle page, the last page
    for m in browses:
        assert m.status == 200, m.case.name
        assert m.calls.dynamodb() == BROWSE, m.case.name
        assert m.calls.requests == ghost_content.BROWSE_TARGET
        assert m.scans == 0


def test_reads_settings_tags_authors_and_pages_cost_exactly(result):
    measured = by_name(result)
    expected = {
        "post by slug": SLUG,
        "page by slug": SLUG,
        "post by id": BY_ID,
        "pages": LISTED,
        "tags, include=count.posts": LISTED,
        "authors, include=count.posts": LISTED,
        "settings": Counter({"BatchGetItem": 1}),
        "posts, limit=all with html": BROWSE_100,
        "posts, limit=100 with html": BROWSE_100,
        # a filter or order the catalogue cannot page: every slim entry of the narrowest
        # scope, one Query page at this size
        "posts, order=title asc": BROWSE,
    }
    for name, counts in expected.items():
        assert measured[name].status == 200, name
        assert measured[name].calls.dynamodb() == counts, name
    compound = next(m for m in result.measurements if "(compound)" in m.case.name)
    assert compound.calls.dynamodb() == BROWSE
    assert measured["post by slug"].calls.requests == ghost_content.SLUG_TARGET
    assert measured["page by slug"].calls.requests == ghost_content.SLUG_TARGET
    assert all(m.scans == 0 for m in result.measurements)


def test_every_target_is_met(result):
    assert result.problems == []
    section = ghost_content.markdown(result, report.machine(), "make bench-ghost")
    assert "Every target is met." in section
    assert "| page by slug |" in section


def test_limit_all_with_html_fits_lambdas_response(result):
    measured = by_name(result)
    population = result.population
    for name in ("posts, limit=all with html", "posts, limit=100 with html"):
        m = measured[name]
        assert m.bytes < ghost_content.LAMBDA_RESPONSE_LIMIT
        # a page holds at most the posts whose size classes fit the budget: here all 100
        assert m.pagination is not None
        assert m.pagination["limit"] == population.expected_limit == 100
        assert m.items == m.pagination["limit"]
    assert population.requests_to_read_all == -(-120 // population.expected_limit)
    assert f"**{population.requests_to_read_all:,} requests**" in ghost_content.size_line(result)


def test_a_missed_target_is_reported(result):
    m = by_name(result)["posts, page 1"]
    four = dataclasses.replace(
        m,
        case=dataclasses.replace(m.case, expected_ids=None, total=None),
        calls=ghost_content.Calls(made=[*m.calls.made, ("dynamodb", "GetItem")]),
        pagination=None,
        problems=[],
    )
    assert ghost_content.check(four, []) == [
        "4 DynamoDB requests (BatchGetItem 2, GetItem 1, Query 1), the target is at most 3"
    ]
    four.problems = ghost_content.check(four, [])
    missed = dataclasses.replace(result, measurements=[four])
    assert "1 target(s) missed" in ghost_content.markdown(missed, report.machine(), "x")
