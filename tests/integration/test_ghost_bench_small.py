"""The Ghost Content API benchmark (bench/ghost_content.py) at a small scale, so that it cannot
rot: 120 posts, 5 tags and 3 authors written through the data layer on a throwaway stack of the
session's moto, every case called through the real handler, the same request counts as at
10,000 posts (they do not depend on the number of posts: that is the catalogue's point)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import ghost_content, report

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BROWSE = Counter({"GetItem": 1, "BatchGetItem": 2, "Query": 1})
"""The key's GetItem, then the catalogue's three: counters and settings, the slim entries,
the posts and their authors."""


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


def test_every_posts_browse_page_costs_the_key_and_three_requests(result):
    browses = [m for m in result.measurements if m.case.kind == "browse"]
    assert len(browses) == 12  # 4 scopes x page 1, a middle page, the last page
    for m in browses:
        assert m.status == 200, m.case.name
        assert m.calls.dynamodb() == BROWSE, m.case.name
        assert m.calls.key_checks == 1
        assert m.calls.service_requests == ghost_content.BROWSE_TARGET
        assert m.scans == 0


def test_reads_settings_tags_and_authors_cost_what_they_did(result):
    measured = by_name(result)
    assert measured["post by slug"].calls.dynamodb() == Counter(
        {"GetItem": 1, "Query": 1, "BatchGetItem": 1}
    )
    assert measured["post by slug"].calls.service_requests == ghost_content.SLUG_TARGET
    assert measured["post by id"].calls.dynamodb() == Counter({"GetItem": 3, "BatchGetItem": 1})
    assert measured["tags, include=count.posts"].calls.dynamodb() == Counter(
        {"GetItem": 2, "Query": 1}
    )
    assert measured["authors, include=count.posts"].calls.dynamodb() == Counter(
        {"GetItem": 1, "Query": 1, "BatchGetItem": 1}
    )
    assert measured["settings"].calls.dynamodb() == Counter({"GetItem": 2})
    assert all(m.scans == 0 for m in result.measurements)


def test_totals_pages_and_sizes_match_what_was_written(result):
    # the only misses are the request counts with the key's GetItem counted (reported)
    others = [p for p in result.problems if "DynamoDB requests" not in p]
    assert others == []
    measured = by_name(result)
    for name in ("posts, limit=all with html", "posts, limit=100 with html"):
        m = measured[name]
        assert m.bytes < ghost_content.LAMBDA_RESPONSE_LIMIT
        # the long read's size class lowers the limit below 100 for every page alike
        assert m.pagination is not None
        assert m.pagination["limit"] == result.population.expected_limit < 100
        assert m.items == m.pagination["limit"]


def test_a_missed_target_is_reported(result):
    m = by_name(result)["posts, page 1"]
    # the three, counted over the whole request: the key's GetItem makes it four
    assert m.problems == [
        "4 DynamoDB requests (BatchGetItem 2, GetItem 1, Query 1), the target is at most 3"
    ]
    section = ghost_content.markdown(result, report.machine(), "make bench-ghost")
    assert "| posts, page 1 |" in section
    assert "target(s) missed" in section
