"""Every key of the single table, built in one place.

The table has a primary key (PK, SK) and three overloaded global secondary indexes
(GSI1PK/GSI1SK, GSI2PK/GSI2SK, GSI3PK/GSI3SK), and a sparse fourth (GSI4PK/GSI4SK) of
published articles by release time. docs/ARCHITECTURE.md lists each access
pattern with the key condition and index that serve it; this module is its executable half.
Identifiers embedded in keys are lower-cased where the product treats them case-insensitively
(usernames, emails, tags) so that uniqueness holds regardless of case.
"""

from __future__ import annotations

from typing import TypedDict


class Key(TypedDict):
    PK: str
    SK: str


def _key(pk: str, sk: str) -> Key:
    return {"PK": pk, "SK": sk}


def health() -> Key:
    return _key("HEALTH", "HEALTH")


# Users and identity
def user_profile(username: str) -> Key:
    return _key(f"USER#{username.lower()}", "PROFILE")


def user_partition(username: str) -> str:
    return f"USER#{username.lower()}"


def username_of(partition: str) -> str:
    """The (lower-cased) username of a user partition key, ``USER#<username>``."""
    if not partition.startswith("USER#"):
        raise ValueError(f"not a user partition: {partition!r}")
    return partition.removeprefix("USER#")


def email_claim(email: str) -> Key:
    return _key(f"EMAIL#{email.lower()}", "EMAIL")


def login_failures(scope: str, value: str) -> Key:
    return _key(f"LOGINFAIL#{scope}#{value.lower()}", "LOGINFAIL")


def login_failures_partition(username: str) -> str:
    """Every failed-login record of one account (the account's, and one per source)."""
    return f"LOGINFAIL#USER#{username.lower()}"


def login_failures_from(username: str, source: str) -> Key:
    """Failed logins to one account from one source (in the account's LOGINFAIL partition)."""
    return _key(login_failures_partition(username), f"SOURCE#{source.lower()}")


def source_failures(source: str, window_start: int) -> Key:
    """Failed logins from one source, to any account, in the window starting at that second."""
    return _key(f"LOGINFAIL#SOURCE#{source.lower()}", f"WINDOW#{window_start}")


def notice(kind: str, address: str) -> Key:
    """The last account notice of a kind sent to an address (TTL)."""
    return _key(f"NOTICE#{kind}#{address.lower()}", "NOTICE")


# Articles
def article(article_id: str) -> Key:
    return _key(f"ARTICLE#{article_id}", "ARTICLE")


def article_partition(article_id: str) -> str:
    return f"ARTICLE#{article_id}"


def parse_article_partition(partition: str) -> str:
    """The article id of an ``ARTICLE#<id>`` partition key (a comment's or a like's PK)."""
    return partition.removeprefix("ARTICLE#")


def slug_claim(slug: str) -> Key:
    return _key(f"SLUG#{slug}", "SLUG")


def parse_slug_claim(partition: str) -> str:
    """The slug of a ``SLUG#<slug>`` claim's (or alias's) partition key."""
    return partition.removeprefix("SLUG#")


def slug_lookup(slug: str) -> str:
    """GSI1PK under which the article (or an alias to it) is found by slug."""
    return f"SLUG#{slug}"


def published_feed() -> str:
    """GSI2PK of the site-wide newest-first listing of published articles."""
    return "FEED#PUBLISHED"


def released_feed() -> str:
    """GSI4PK of published articles by their last publication (a republished article moves to
    its republication time); the digest planner's candidates."""
    return "FEED#RELEASED"


def published_pages() -> str:
    """GSI2PK of published pages (``GSI2SK`` ``<published_at>#<id>``): pages are kept out of
    :func:`published_feed`, :func:`released_feed`, the tag partitions and counters and
    :func:`sitemap_partition`, and listed here instead."""
    return "PAGES#PUBLISHED"


def scheduled_queue() -> str:
    """GSI2PK of articles waiting for their publish time."""
    return "FEED#SCHEDULED"


def author_articles(username: str) -> str:
    """GSI3PK of an author's articles; GSI3SK is ``<status>#<timestamp>#<id>``."""
    return f"AUTHOR#{username.lower()}"


def author_article_sort(status: str, timestamp: str, article_id: str, *, page: bool = False) -> str:
    """GSI3SK of an article: its status, then the time it is listed by, then its id. A page's
    starts with ``PAGE#`` (``PAGE#PUBLISHED#...``), so a listing of one status
    (:func:`author_status_prefix`, an author's public listing) never holds pages, and the
    whole partition (the author's own listing without a status) does."""
    prefix = PAGE_SORT_PREFIX if page else ""
    return f"{prefix}{author_status_prefix(status)}{timestamp}#{article_id}"


PAGE_SORT_PREFIX = "PAGE#"


def author_status_prefix(status: str) -> str:
    """The GSI3SK prefix of an author's articles in one status."""
    return f"{status.upper()}#"


def timeline_sort(timestamp: str, article_id: str) -> str:
    return f"{timestamp}#{article_id}"


def parse_timeline_sort(sort_key: str) -> tuple[str, str]:
    """``(timestamp, article id)`` of a :func:`timeline_sort` value (a tag entry's or a
    sitemap entry's SK)."""
    timestamp, _, article_id = sort_key.rpartition("#")
    return timestamp, article_id


def tag_article(tag: str, published_at: str, article_id: str) -> Key:
    return _key(f"TAG#{tag.lower()}", f"{published_at}#{article_id}")


def tag_partition(tag: str) -> str:
    return f"TAG#{tag.lower()}"


def tag_counter(tag: str) -> Key:
    return _key("TAGS", f"TAG#{tag.lower()}")


def sitemap_partition() -> str:
    """PK of the slim copies (slug, dates) of published articles that /sitemap.xml lists."""
    return "SITEMAP"


def sitemap_entry(published_at: str, article_id: str) -> Key:
    return _key(sitemap_partition(), f"{published_at}#{article_id}")


def page_sitemap_partition() -> str:
    """PK of the slim copies (slug, dates) of published pages, apart from the articles'."""
    return "SITEMAP#PAGES"


def page_sitemap_entry(published_at: str, article_id: str) -> Key:
    return _key(page_sitemap_partition(), f"{published_at}#{article_id}")


def series(series_id: str) -> Key:
    return _key(f"SERIES#{series_id}", "SERIES")


def series_part(series_id: str, part: int, article_id: str) -> Key:
    return _key(f"SERIES#{series_id}", f"PART#{part:04d}#{article_id}")


# Conversation
def comment(article_id: str, thread_sort: str) -> Key:
    """Comments live in the article's partition; replies sort right after their parent."""
    return _key(article_partition(article_id), f"COMMENT#{thread_sort}")


def comment_lookup(comment_id: str) -> str:
    """GSI1PK to find a comment by its id alone."""
    return f"COMMENT#{comment_id}"


def commenter(username: str) -> str:
    """GSI2PK of a user's comments (account deletion anonymises them)."""
    return f"COMMENTER#{username}"


def liker(username: str) -> str:
    """GSI2PK of a user's likes (account deletion withdraws them)."""
    return f"LIKER#{username}"


def like(article_id: str, username: str) -> Key:
    return _key(article_partition(article_id), f"LIKE#{username.lower()}")


# Media
def media(media_key: str) -> Key:
    return _key(f"MEDIA#{media_key}", "MEDIA")


# Subscriptions and digests
def subscription(username: str) -> Key:
    return _key(user_partition(username), "SUBSCRIPTION")


def follow(username: str, kind: str, target: str) -> Key:
    return _key(user_partition(username), f"FOLLOW#{kind.upper()}#{target.lower()}")


def digest_bucket(cadence: str, bucket: str) -> str:
    """GSI1PK of the subscribers due in one UTC quarter-hour bucket (``daily#H07``,
    ``weekly#D2H07``, ``daily#H07M30``)."""
    return f"DUE#{cadence}#{bucket}"


def bucket_of(due_partition: str) -> str | None:
    """The bucket label (``H07``, ``D2H07M30``) of a subscription's GSI1PK, ``DUE#<cadence>#
    <bucket>``; None when it is not one."""
    parts = due_partition.split("#")
    return parts[2] if len(parts) == 3 and parts[0] == "DUE" else None


def digest(username: str, period: str) -> Key:
    return _key(user_partition(username), f"DIGEST#{period}")


def welcome(username: str) -> Key:
    """The claim of the subscriber's latest welcome email: which subscription it greeted and
    when (one welcome per subscription, at most one a day)."""
    return _key(user_partition(username), "WELCOME")


def sent_article(username: str, article_id: str) -> Key:
    return _key(user_partition(username), f"SENT#{article_id}")


# What a sort key of a user partition names (None: another kind of item)
PROFILE_SORT = "PROFILE"
SUBSCRIPTION_SORT = "SUBSCRIPTION"


def digest_period(sort_key: str) -> str | None:
    """The period of a digest record's sort key, ``DIGEST#<period>``."""
    return sort_key.removeprefix("DIGEST#") if sort_key.startswith("DIGEST#") else None


def sent_article_id(sort_key: str) -> str | None:
    """The article id of a sent-ledger entry's sort key, ``SENT#<article id>``."""
    return sort_key.removeprefix("SENT#") if sort_key.startswith("SENT#") else None


def follow_of(sort_key: str) -> tuple[str, str] | None:
    """The kind (``tag`` or ``author``, lower case) and target of a follow's sort key,
    ``FOLLOW#<KIND>#<target>``."""
    if not sort_key.startswith("FOLLOW#"):
        return None
    kind, _, target = sort_key.removeprefix("FOLLOW#").partition("#")
    return kind.lower(), target


def follows_prefix() -> str:
    """The sort-key prefix of a user's follows (and mutes)."""
    return "FOLLOW#"


def digests_prefix() -> str:
    """The sort-key prefix of a user's digest records."""
    return "DIGEST#"


# Site
def lease(name: str) -> Key:
    return _key(f"LEASE#{name}", "LEASE")


def site_settings() -> Key:
    return _key("SITE", "SETTINGS")


def idempotency_partition() -> str:
    return "IDEMPOTENCY"


# Content API keys (Ghost's custom integrations)
def content_key(key: str) -> Key:
    """The key item, addressed by the key itself: the Content API's one GetItem per request."""
    return _key(f"CONTENTKEY#{key}", "CONTENTKEY")


def content_keys_partition() -> str:
    """The site's partition listing its keys (a site has few; one Query lists them all)."""
    return "CONTENTKEYS"


def content_key_entry_prefix() -> str:
    return "KEY#"


def content_key_entry(key_id: str) -> Key:
    """A key's listing entry, addressed by its id (what revoke is given)."""
    return _key(content_keys_partition(), f"{content_key_entry_prefix()}{key_id}")


def content_key_counter() -> Key:
    """How many keys the site has, so the limit holds in the create transaction."""
    return _key(content_keys_partition(), "COUNT")


# The Content API's catalogue (docs/decisions/0018-ghost-content-api.md)
def catalogue_partition() -> str:
    """PK of the catalogue's counters: how many listed posts each scope holds, per day."""
    return "CATALOGUE"


def catalogue_all() -> Key:
    return _key(catalogue_partition(), "ALL")


def catalogue_author(username: str) -> Key:
    return _key(catalogue_partition(), f"AUTHOR#{username.lower()}")


def catalogue_featured() -> Key:
    return _key(catalogue_partition(), "FEATURED")


def author_posts_partition(username: str) -> str:
    """PK of the slim copies of an author's listed posts, newest last by SK."""
    return f"AUTHORPOSTS#{username.lower()}"


def author_post(username: str, published_at: str, article_id: str) -> Key:
    return _key(author_posts_partition(username), f"{published_at}#{article_id}")


def featured_partition() -> str:
    """PK of the slim copies of the featured listed posts."""
    return "FEATURED"


def featured_post(published_at: str, article_id: str) -> Key:
    return _key(featured_partition(), f"{published_at}#{article_id}")


def ghost_id(hex_id: str) -> Key:
    """An article's Content API id (24 hex characters) leading to the article's own id."""
    return _key(f"GHOSTID#{hex_id}", "GHOSTID")


def day_attribute(timestamp: str) -> str:
    """The counter attribute of a timestamp's UTC day: ``d20261130``."""
    return "d" + timestamp[:10].replace("-", "")


def day_of_attribute(name: str) -> str | None:
    """``2026-11-30`` for ``d20261130``; None for an attribute that is no day counter."""
    digits = name[1:]
    if not name.startswith("d") or len(digits) != 8 or not digits.isdigit():
        return None
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
