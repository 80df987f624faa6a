"""Comments (threaded one level), moderation, and likes that are idempotent per user and
counted atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache

from byline.auth.policy import Action, authorize, can
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.content.markdown import render
from byline.data import cursors
from byline.data.articles import ArticleRecord, Articles
from byline.data.conversation import CommentRecord, Conversation
from byline.data.table import ConditionFailed
from byline.errors import BadRequest, Conflict, NotFound
from byline.ids import new_id
from byline.models.conversation import Comment, CommentCreate, CommentPage, LikeState, Thread


def to_comment(record: CommentRecord) -> Comment:
    return Comment.model_validate(
        {
            "id": record.id,
            "article_id": record.article_id,
            "parent_id": record.parent_id,
            "author": None if record.status == "deleted" else record.author,
            "status": record.status,
            "html": record.html if record.status == "visible" else "",
            "created_at": record.created_at,
        }
    )


def _require_published(article: ArticleRecord | None) -> ArticleRecord:
    if article is None or article.status != "published":
        raise NotFound("No such published article.")
    return article


@dataclass
class ConversationService:
    conversation: Conversation
    articles: Articles
    cursor_key: Callable[[], bytes]
    clock: Clock = utc_now
    site_host: str | None = None
    new_id: Callable[[datetime], str] = new_id

    def _published(self, article_id: str, *, consistent: bool = True) -> ArticleRecord:
        return _require_published(self.articles.get(article_id, consistent=consistent))

    # -- comments ----------------------------------------------------------------------------
    def comments(self, article_id: str, limit: int, cursor: str | None) -> CommentPage:
        key = self.cursor_key()
        listing = f"comments:{article_id}"
        start = cursors.decode(cursor, listing, key)
        if start is not None:
            # A later page's Query starts after the cursor, past the article item, so it cannot
            # prove the article is still published: ask the article first (one GetItem more).
            self._published(article_id, consistent=False)
        page = self.conversation.comments(article_id, limit, start)
        if start is None:
            _require_published(page.article)
        threads: list[Thread] = []
        for record in page.comments:
            comment = to_comment(record)
            if comment.parent_id and threads and threads[-1].id == comment.parent_id:
                threads[-1].replies.append(comment)
            else:
                threads.append(Thread(**comment.model_dump(), replies=[]))
        return CommentPage(items=threads, next_cursor=cursors.encode(page.last_key, listing, key))

    def add_comment(self, principal: Principal, article_id: str, request: CommentCreate) -> Comment:
        authorize(principal, Action.comment)
        now = self.clock()
        comment_id = self.new_id(now)
        created = iso(now)
        thread_sort = f"{created}#{comment_id}"
        if request.parent_id:
            parent = self.conversation.comment_by_id(request.parent_id)
            if parent is None or parent.article_id != article_id:
                raise BadRequest("parent_id names no comment of this article.")
            if parent.parent_id:
                raise BadRequest("Replies nest one level: reply to the top-level comment.")
            thread_sort = f"{parent.thread_sort}#{thread_sort}"
        comment = CommentRecord(
            id=comment_id,
            article_id=article_id,
            parent_id=request.parent_id,
            author=principal.username,
            status="visible",
            body=request.body,
            html=render(request.body, site_host=self.site_host, comment=True).html,
            created_at=created,
            thread_sort=thread_sort,
        )
        for attempt in range(2):
            article = self._published(article_id)
            try:
                self.conversation.add_comment(article, comment)
                return to_comment(comment)
            except ConditionFailed:
                if attempt:
                    raise Conflict("The article changed while commenting; retry.") from None
        raise AssertionError("unreachable")

    def _comment(self, comment_id: str) -> CommentRecord:
        comment = self.conversation.comment_by_id(comment_id)
        if comment is None:
            raise NotFound("No such comment.")
        return comment

    def delete_comment(self, principal: Principal, comment_id: str) -> None:
        comment = self._comment(comment_id)
        authorize(principal, Action.delete_comment, owner=comment.author)
        self._retire(comment, "deleted")

    def hide_comment(self, principal: Principal, comment_id: str) -> Comment:
        authorize(principal, Action.moderate_comments)
        comment = self._comment(comment_id)
        if comment.status == "visible":
            self._retire(comment, "hidden")
            comment = replace(comment, status="hidden")
        return to_comment(comment)

    def _retire(self, comment: CommentRecord, status: str) -> None:
        for attempt in range(2):
            article = self.articles.get(comment.article_id, consistent=True)
            try:
                self.conversation.retire_comment(article, comment, status)
                return
            except ConditionFailed:
                if attempt:
                    raise Conflict("The article changed meanwhile; retry.") from None

    # -- likes -------------------------------------------------------------------------------
    def set_like(self, principal: Principal, article_id: str, liked: bool) -> LikeState:
        authorize(principal, Action.like)
        for attempt in range(2):
            article = self._published(article_id)
            try:
                if liked:
                    changed = self.conversation.like(article, principal.username, iso(self.clock()))
                else:
                    changed = self.conversation.unlike(article, principal.username)
            except ConditionFailed:
                if attempt:
                    raise Conflict("The article changed meanwhile; retry.") from None
                continue
            count = article.like_count + ((1 if liked else -1) if changed else 0)
            return LikeState(liked=liked, like_count=max(count, 0))
        raise AssertionError("unreachable")

    # -- account deletion --------------------------------------------------------------------
    def forget_user(self, username: str) -> None:
        """Anonymise the user's comments and withdraw their likes (account deletion)."""
        for comment in self.conversation.comments_by(username):
            self.conversation.anonymise_comment(comment)
        for like in self.conversation.likes_by(username):
            article = self.articles.get(like.article_id, consistent=True)
            if article is not None:
                try:
                    self.conversation.unlike(article, username)
                except ConditionFailed:
                    article = self.articles.get(article.id, consistent=True)
                    if article is not None:
                        self.conversation.unlike(article, username)


def can_moderate(principal: Principal | None) -> bool:
    return can(principal, Action.moderate_comments)


@cache
def conversation_service() -> ConversationService:
    from urllib.parse import urlsplit

    from byline.data.table import table
    from byline.secrets import signing_key
    from byline.settings import get_settings

    articles = Articles(table())
    return ConversationService(
        conversation=Conversation(table(), articles),
        articles=articles,
        cursor_key=lambda: signing_key("cursor"),
        site_host=urlsplit(get_settings().site_url).hostname,
    )
