"""A Content API browse never answers more than Lambda's response takes: a page over the budget
is built again at a lower limit (byline/services/ghost_content.py, ``_fitted``)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from byline.services.ghost_content import RESPONSE_BUDGET, _fitted, lambda_bytes


def page(limit: int, bytes_each: int) -> dict[str, Any]:
    posts = [{"html": "x" * bytes_each} for _ in range(limit)]
    return {"posts": posts, "meta": {"pagination": {"limit": limit}}}


def test_a_page_within_the_budget_is_built_once():
    caps: list[int | None] = []

    def browse(cap: int | None) -> dict[str, Any]:
        caps.append(cap)
        return page(15, 1000)

    assert _fitted(browse)["meta"]["pagination"]["limit"] == 15
    assert caps == [None]


def test_a_page_over_the_budget_is_built_again_until_it_fits():
    caps: list[int | None] = []

    def browse(cap: int | None) -> dict[str, Any]:
        caps.append(cap)
        return page(cap or 100, 200_000)  # 100 posts of 200 KB: 20 MB

    body = _fitted(browse)
    assert lambda_bytes(body) <= RESPONSE_BUDGET
    limit = body["meta"]["pagination"]["limit"]
    assert 1 <= limit < 100
    assert caps[0] is None
    assert all(later < earlier for earlier, later in pairwise(caps[1:]))


def test_a_single_post_is_sent_whatever_its_size():
    body = _fitted(lambda cap: page(1, 7_000_000))
    assert body["meta"]["pagination"]["limit"] == 1


def test_lambda_bytes_count_the_runtimes_escaping():
    assert lambda_bytes({"a": "\u00e9"}) > len('{"a":"\u00e9"}'.encode())
