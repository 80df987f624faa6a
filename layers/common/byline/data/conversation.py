"""Comments and likes in the article's partition, with their counters moved in the same
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from byline.data import keys
from byline.data.articles import Articles
from byline.data.table import ConditionFailed, Item, Page, Table, delete_op, put_op, update_op

ANONYMOUS = "[deleted]"


class Conversation:
    def __init__(self, table: Table, articles: Articles) -> None:
        self._table = table
        self._articles = articles

    # -- comments ----------------------------------------------------------------------------
    def comment_by_id(self, comment_id: str) -> Item | None:
        page = self._table.query("GSI1PK", keys.comment_lookup(comment_id), index="GSI1", limit=1)
        return page.items[0] if page.items else None

    def comments(self, article_id: str, limit: int, start: Mapping[str, Any] | None) -> Page:
        """A page of the article's comments in thread order. The first page also starts with
        the article item itself (its SK, ``ARTICLE``, sorts just before ``COMMENT#``), so one
        Query both proves the article exists and lists its comments."""
        return self._table.query(
            "PK",
            keys.article_partition(article_id),
            sort_condition="SK BETWEEN :first AND :last",
            values={":first": "ARTICLE" if start is None else "COMMENT#", ":last": "COMMENT$"},
            limit=limit + (1 if start is None else 0),
            start_key=start,
        )

    def add_comment(self, article: Item, comment: Item) -> None:
        record = {
            **keys.comment(article["id"], comment["thread_sort"]),
            "kind": "comment",
            "GSI1PK": keys.comment_lookup(comment["id"]),
            "GSI1SK": "COMMENT",
            "GSI2PK": f"COMMENTER#{comment['author']}",
            "GSI2SK": f"{comment['created_at']}#{comment['id']}",
            **comment,
        }
        ops = [put_op(record, "attribute_not_exists(PK)")]
        ops += self._articles.counter_ops(article, "comment_count", +1)
        self._table.transact(ops)

    def retire_comment(self, article: Item | None, comment: Item, status: str) -> bool:
        """Hide or delete a visible comment (its text is dropped); False if it was not visible."""
        key = keys.comment(comment["article_id"], comment["thread_sort"])
        update = update_op(
            key,
            "SET #s = :new, html = :empty, body = :empty",
            "#s = :visible",
            names={"#s": "status"},
            values={":new": status, ":empty": "", ":visible": "visible"},
        )
        ops = [update]
        if article is not None and article.get("status") not in (None, "deleted"):
            ops += self._articles.counter_ops(article, "comment_count", -1)
        return self._transact_unless_first_refused(ops)

    def _transact_unless_first_refused(self, ops: list[dict[str, Any]]) -> bool:
        """Run the transaction; False when its first operation's condition refused it (the
        change was already made), any other refusal is raised for the caller to retry."""
        try:
            self._table.transact(ops)
        except ConditionFailed as refused:
            if 0 in refused.failed:
                return False
            raise
        return True

    def comments_by(self, username: str) -> list[Item]:
        return self._all("GSI2PK", f"COMMENTER#{username}")

    def anonymise_comment(self, comment: Item) -> None:
        self._table.update(
            keys.comment(comment["article_id"], comment["thread_sort"]),
            "SET author = :anon REMOVE GSI2PK, GSI2SK",
            values={":anon": ANONYMOUS},
        )

    # -- likes -------------------------------------------------------------------------------
    def like(self, article: Item, username: str, created_at: str) -> bool:
        """Record the like and count it, once; False when the user already liked it."""
        record = {
            **keys.like(article["id"], username),
            "kind": "like",
            "username": username,
            "created_at": created_at,
            "GSI2PK": f"LIKER#{username}",
            "GSI2SK": f"{created_at}#{article['id']}",
        }
        ops = [put_op(record, "attribute_not_exists(PK)")]
        ops += self._articles.counter_ops(article, "like_count", +1)
        return self._transact_unless_first_refused(ops)

    def unlike(self, article: Item, username: str) -> bool:
        ops = [delete_op(keys.like(article["id"], username), "attribute_exists(PK)")]
        ops += self._articles.counter_ops(article, "like_count", -1)
        return self._transact_unless_first_refused(ops)

    def likes_by(self, username: str) -> list[Item]:
        return self._all("GSI2PK", f"LIKER#{username}")

    def _all(self, attribute: str, value: str) -> list[Item]:
        found: list[Item] = []
        start: Mapping[str, Any] | None = None
        while True:
            page = self._table.query(attribute, value, index="GSI2", start_key=start)
            found.extend(page.items)
            if page.last_key is None:
                return found
            start = page.last_key
