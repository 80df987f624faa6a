"""Comments and likes in the article's partition, with their counters moved in the same
transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from byline.data import keys
from byline.data.articles import ArticleRecord, Articles
from byline.data.table import ConditionFailed, Item, Table, Transaction

ANONYMOUS = "[deleted]"


@dataclass(frozen=True, slots=True)
class CommentRecord:
    """A comment in its article's partition; a reply's ``thread_sort`` starts with its
    parent's, so a thread reads in order. ``author`` is :data:`ANONYMOUS` once anonymised."""

    id: str
    article_id: str
    author: str
    status: str
    body: str
    html: str
    created_at: str
    thread_sort: str
    parent_id: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        parent = item.get("parent_id")
        return cls(
            id=str(item["id"]),
            article_id=str(item["article_id"]),
            author=str(item.get("author") or ANONYMOUS),
            status=str(item["status"]),
            body=str(item.get("body") or ""),
            html=str(item.get("html") or ""),
            created_at=str(item["created_at"]),
            thread_sort=str(item["thread_sort"]),
            parent_id=None if parent is None else str(parent),
        )

    def to_item(self) -> Item:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class LikeRecord:
    """One user's like of one article."""

    article_id: str
    username: str
    created_at: str | None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        created = item.get("created_at")
        return cls(
            article_id=keys.parse_article_partition(str(item["PK"])),
            username=str(item["username"]),
            created_at=None if created is None else str(created),
        )


@dataclass(frozen=True, slots=True)
class CommentRecords:
    """A page of an article's comments in thread order. ``article`` is the article item the
    first page starts with (None on a later page, or when there is no such article)."""

    article: ArticleRecord | None
    comments: list[CommentRecord]
    last_key: Item | None


class Conversation:
    def __init__(self, table: Table, articles: Articles) -> None:
        self._table = table
        self._articles = articles

    # -- comments ----------------------------------------------------------------------------
    def comment_by_id(self, comment_id: str) -> CommentRecord | None:
        page = self._table.query("GSI1PK", keys.comment_lookup(comment_id), index="GSI1", limit=1)
        return CommentRecord.from_item(page.items[0]) if page.items else None

    def comments(
        self, article_id: str, limit: int, start: Mapping[str, Any] | None
    ) -> CommentRecords:
        """A page of the article's comments in thread order. The first page also starts with
        the article item itself (its SK, ``ARTICLE``, sorts just before ``COMMENT#``), so one
        Query both proves the article exists and lists its comments."""
        page = self._table.query(
            "PK",
            keys.article_partition(article_id),
            sort_condition="SK BETWEEN :first AND :last",
            values={":first": "ARTICLE" if start is None else "COMMENT#", ":last": "COMMENT$"},
            limit=limit + (1 if start is None else 0),
            start_key=start,
        )
        items = page.items
        article = None
        if start is None and items:
            head, items = items[0], items[1:]
            article = ArticleRecord.from_item(head) if head.get("kind") == "article" else None
        return CommentRecords(
            article=article,
            comments=[CommentRecord.from_item(i) for i in items],
            last_key=page.last_key,
        )

    def add_comment(self, article: ArticleRecord, comment: CommentRecord) -> None:
        attributes = {k: v for k, v in comment.to_item().items() if v is not None}
        item = {
            **keys.comment(article.id, comment.thread_sort),
            "kind": "comment",
            "GSI1PK": keys.comment_lookup(comment.id),
            "GSI1SK": "COMMENT",
            "GSI2PK": keys.commenter(comment.author),
            "GSI2SK": f"{comment.created_at}#{comment.id}",
            **attributes,
        }
        tx = self._table.transaction()
        tx.put(item, "attribute_not_exists(PK)")
        self._articles.move_counter(tx, article, "comment_count", +1)
        tx.commit()

    def retire_comment(
        self, article: ArticleRecord | None, comment: CommentRecord, status: str
    ) -> bool:
        """Hide or delete a visible comment (its text is dropped); False if it was not visible."""
        tx = self._table.transaction()
        tx.update(
            keys.comment(comment.article_id, comment.thread_sort),
            "SET #s = :new, html = :empty, body = :empty",
            "#s = :visible",
            names={"#s": "status"},
            values={":new": status, ":empty": "", ":visible": "visible"},
        )
        if article is not None and article.status != "deleted":
            self._articles.move_counter(tx, article, "comment_count", -1)
        return self._commit_unless_first_refused(tx)

    @staticmethod
    def _commit_unless_first_refused(tx: Transaction) -> bool:
        """Commit; False when its first operation's condition refused it (the change was
        already made), any other refusal is raised for the caller to retry."""
        try:
            tx.commit()
        except ConditionFailed as refused:
            if 0 in refused.failed:
                return False
            raise
        return True

    def comments_by(self, username: str) -> list[CommentRecord]:
        return [CommentRecord.from_item(i) for i in self._all("GSI2PK", keys.commenter(username))]

    def anonymise_comment(self, comment: CommentRecord) -> None:
        self._table.update(
            keys.comment(comment.article_id, comment.thread_sort),
            "SET author = :anon REMOVE GSI2PK, GSI2SK",
            values={":anon": ANONYMOUS},
        )

    # -- likes -------------------------------------------------------------------------------
    def like(self, article: ArticleRecord, username: str, created_at: str) -> bool:
        """Record the like and count it, once; False when the user already liked it."""
        item = {
            **keys.like(article.id, username),
            "kind": "like",
            "username": username,
            "created_at": created_at,
            "GSI2PK": keys.liker(username),
            "GSI2SK": f"{created_at}#{article.id}",
        }
        tx = self._table.transaction()
        tx.put(item, "attribute_not_exists(PK)")
        self._articles.move_counter(tx, article, "like_count", +1)
        return self._commit_unless_first_refused(tx)

    def unlike(self, article: ArticleRecord, username: str) -> bool:
        tx = self._table.transaction()
        tx.delete(keys.like(article.id, username), "attribute_exists(PK)")
        self._articles.move_counter(tx, article, "like_count", -1)
        return self._commit_unless_first_refused(tx)

    def likes_by(self, username: str) -> list[LikeRecord]:
        return [LikeRecord.from_item(i) for i in self._all("GSI2PK", keys.liker(username))]

    def _all(self, attribute: str, value: str) -> list[Item]:
        found: list[Item] = []
        start: Mapping[str, Any] | None = None
        while True:
            page = self._table.query(attribute, value, index="GSI2", start_key=start)
            found.extend(page.items)
            if page.last_key is None:
                return found
            start = page.last_key
