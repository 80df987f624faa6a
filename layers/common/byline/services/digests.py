"""The digest pipeline: the quarter-hourly planner, the queue worker, the preview a subscriber can
ask for, and the archive of what was sent."""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from byline.auth.policy import Action, authorize
from byline.auth.principal import Principal
from byline.clock import Clock, iso, utc_now
from byline.content.rendering import render_template
from byline.data import mailer
from byline.data.articles import Articles
from byline.data.digest_archive import DigestStore, S3DigestStore
from byline.data.mailer import Email
from byline.data.queues import DigestMessage, Outbox, SqsQueue
from byline.data.subscriptions import (
    SENT_LEDGER_SECONDS,
    AccountGone,
    DigestRecord,
    Subscriber,
    SubscriptionRecord,
    Subscriptions,
)
from byline.data.table import ConditionFailed
from byline.data.users import Users
from byline.errors import NotFound
from byline.models.subscriptions import (
    DigestArchive,
    DigestArticle,
    DigestList,
    DigestPreview,
    DigestSummary,
)
from byline.observability import logger
from byline.services import unsubscribe_tokens
from byline.services.digest_logic import (
    CANDIDATE_WINDOW,
    MAX_ARTICLES,
    SETTLE,
    WINDOWS,
    Candidate,
    Pick,
    due_buckets,
    interests_from,
    is_due,
    next_due,
    period_of,
    rank,
    slot_of,
    utc_bucket,
)

LEASE_SECONDS = 300
AHEAD_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the clock a planned slot may be without ``ahead_ok`` (clock skew)."""
"""How long a claim protects a digest that is being sent; shorter than the queue's
visibility timeout, so a retry after a crash finds the lease expired and sends."""
DUE_PAGE = 500
GONE_OUT = ("handed", "sent", "unconfirmed")
"""Digest states after which a period has had its digest: no second one is sent."""
MEDIA_KEY = re.compile(r"media/[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}")
"""A cover worth showing: the shape of an uploaded media key (models.fields.MediaKey), its file
name not starting with a dot. Anything else on an article is left out of the email."""
COVER_SIZE = (536, 268)
"""The cover's box in the email: the content column (600 less twice 32 of padding), 2:1. Clients
that read CSS keep the image's own proportions (``height:auto``); Outlook uses these."""


class DigestInProgress(Exception):
    pass


class SlotAhead(ValueError):
    """A slot later than now: its digests would go out before they are due, and the period's
    own digest would then be a duplicate (EventBridge never names one; a person may)."""


@dataclass
class Outcome:
    planned: int = 0
    pages: int = 0
    failed_to_queue: int = 0


@dataclass
class DigestService:
    subscriptions: Subscriptions
    articles: Articles
    store: DigestStore
    send_email: Callable[[Email], str]
    unsubscribe_key: Callable[[], bytes]
    site_url: str
    sender: str
    users: Users
    """Where authors' display names are read: one BatchGetItem per hundred authors for a
    planner run's candidates (and a preview's picks), never per subscriber."""
    clock: Clock = utc_now
    api_url: str = ""
    """Where links to the API's own pages point (unsubscribe, the digest in a browser); the
    site's URL when empty."""
    media_url: str = ""
    """The https origin that serves media (covers); empty: no covers in emails."""
    postal_address: str = ""
    """The sender's postal address, shown in every digest's footer when set."""
    queue: Outbox | None = None
    """Where the planner queues its messages when :meth:`plan` is given no outbox."""
    _candidates: dict[str, list[Candidate]] = field(default_factory=dict)

    # -- candidates --------------------------------------------------------------------------
    def load_candidates(self, now: datetime, *, named: bool = True) -> list[Candidate]:
        """Articles (re)published in the last eight days, newest release first (paged Queries of
        the release index, GSI4), with their authors' display names unless ``named`` is False
        (one BatchGetItem per hundred distinct authors)."""
        since = iso(now - CANDIDATE_WINDOW)
        found: list[Candidate] = []
        start: dict[str, Any] | None = None
        while True:
            page = self.articles.released_since(since, CANDIDATE_PAGE, start)
            found.extend(_candidate(item) for item in page.items)
            if page.last_key is None:
                return self._named(found) if named else found
            start = page.last_key

    def _named(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates with their authors' display names as the profiles hold them now. A
        deleted author's articles carry a pseudonym, which has no profile: it stays the name."""
        if not candidates:
            return candidates
        names = self.users.display_names([c.author for c in candidates])
        return [replace(c, author_name=names.get(c.author.lower(), "")) for c in candidates]

    def _run_candidates(self, run: str) -> list[Candidate]:
        if run not in self._candidates:
            raw = self.store.candidates(run)
            self._candidates = {run: [_candidate_from_json(c) for c in raw]}
        return self._candidates[run]

    # -- planner -----------------------------------------------------------------------------
    def plan(
        self, outbox: Outbox | None = None, at: datetime | None = None, *, ahead_ok: bool = False
    ) -> Outcome:
        """Queue one message for each subscriber due in the quarter-hour ``at`` names (the
        scheduled event's time; the clock only when none is given), in batches of ten. The
        candidate articles are read once, when the first subscriber is found, and stored for
        the workers; their bound (``upto``) is the watermark those digests move to. Planning a
        past quarter-hour again (a missed or failed run) sends what that slot owed, once. A
        slot ahead of the clock is :class:`SlotAhead` unless ``ahead_ok`` (a demo's choice).
        Messages go to ``outbox``, else to the service's own queue."""
        outbox = outbox if outbox is not None else self.queue
        if outbox is None:
            raise ValueError("no queue to plan into")
        started = self.clock()
        slot = slot_of(at or started)
        if slot > started + AHEAD_TOLERANCE and not ahead_ok:
            raise SlotAhead(f"slot {iso(slot)} is ahead of the clock ({iso(started)})")
        upto = iso(min(slot, started))
        run = f"{slot.strftime('%Y-%m-%dT%H%M')}-{secrets.token_hex(4)}"
        outcome = Outcome()
        stored = False
        for cadence, bucket in due_buckets(slot):
            start: Mapping[str, Any] | None = None
            while True:
                page = self.subscriptions.due(cadence, bucket, DUE_PAGE, start)
                outcome.pages += 1
                if page.usernames and not stored:
                    self._store_candidates(run, min(slot, started))
                    stored = True
                bodies = [
                    DigestMessage(name, run, iso(slot), upto).to_body() for name in page.usernames
                ]
                for offset in range(0, len(bodies), 10):
                    batch = bodies[offset : offset + 10]
                    outcome.failed_to_queue += len(outbox.send_batch(batch))
                    outcome.planned += len(batch)
                if page.last_key is None:
                    break
                start = page.last_key
        return outcome

    def _store_candidates(self, run: str, now: datetime) -> None:
        candidates = self.load_candidates(now)
        self.store.save_candidates(run, [_candidate_to_json(c) for c in candidates])

    # -- worker ------------------------------------------------------------------------------
    def deliver_message(self, body: Mapping[str, Any]) -> str:
        """:meth:`deliver` for a queue message as the planner wrote it (older messages, without
        a slot, are for the moment they are read)."""
        message = DigestMessage.from_body(body)
        return self.deliver(
            message.username, message.run, slot=_moment(message.slot), upto=_moment(message.upto)
        )

    def deliver(
        self,
        username: str,
        run: str,
        *,
        slot: datetime | None = None,
        upto: datetime | None = None,
    ) -> str:
        """Send this subscriber's digest for the period of ``slot`` (the quarter-hour it was
        planned for, however late the message is read), at most once, with what was published
        after their watermark and up to ``upto`` (the planner's snapshot bound). Returns what
        happened: sent, empty, duplicate, off, not_due (the schedule changed since planning),
        unconfirmed (a delivery that stopped while handing this digest to SES, recovered
        without sending it again), failed (it cannot be built), or gone (the account is being
        deleted). Raises when sending failed (the queue retries)."""
        now = self.clock()
        timed = slot is not None
        slot = slot or now
        upto = upto or slot
        subscriber = self.subscriptions.subscriber(username)
        subscription, profile = subscriber.subscription, subscriber.profile
        if (
            subscription is None
            or subscription.cadence == "off"
            or profile is None
            or not profile.confirmed
            or not profile.email
        ):
            return "off"
        cadence, zone = subscription.cadence, subscription.timezone
        # never file the subscriber under a moment before now: a redelivered old message
        # (a dead-letter redrive) must not move them back to a bucket already past
        self._keep_bucket_current(username, subscription, max(slot, now))
        if timed and not _due(subscription, slot):
            return "not_due"
        period = period_of(cadence, zone, slot)
        stamp = int(now.timestamp())
        if period in subscriber.digests:
            settled = self._settled(username, period, subscriber.digests[period], stamp)
            if settled:
                return settled
        if self._settle_other_periods(username, period, subscriber, stamp):
            subscriber = self.subscriptions.subscriber(username)  # their ledger grew
        candidates = self._candidates_for(subscriber, run, upto)
        ranked = self._ranked(subscriber, candidates, cadence, upto)
        picks, more = ranked[:MAX_ARTICLES], [p.article.id for p in ranked[MAX_ARTICLES:]]
        if not picks:
            return "empty"
        # the signed links need the key from Secrets Manager: read before anything is claimed,
        # so an outage there is retried by the queue and never taken for bad content
        links = self.links(username, period)
        token = secrets.token_hex(8)
        if not self.subscriptions.claim(username, period, token, stamp, stamp + LEASE_SECONDS):
            record = self.subscriptions.digest(username, period)
            settled = self._settled(username, period, record, stamp) if record else None
            if settled:
                return settled
            # another delivery holds a live claim: it is sending now, or it crashed and its
            # lease will run out before the queue shows us this message again
            raise DigestInProgress(f"{username}/{period} is being sent by another delivery")
        built = self._build(subscriber, cadence, period, picks, ranked[MAX_ARTICLES:], links)
        if built is None:
            self.subscriptions.fail(username, period, token, iso(self.clock()))
            logger.error(
                "Digest cannot be built from its articles; recorded failed, nothing marked sent",
                extra={"username": username, "period": period, "articles": len(picks)},
            )
            return "failed"
        email, html, kept = built
        article_ids = [p.article.id for p in kept]
        ledger = [p.article.sent_token() for p in kept] + [
            p.article.sent_token()
            for p in ranked[MAX_ARTICLES:]
            if p.article.release > upto - SETTLE
        ]  # left out ones the next digest's overlap would see again: accounted for here
        try:
            archive_key = self.store.save_digest(subscriber.username, period, html)
            self.subscriptions.hand_over(
                username,
                period,
                token,
                article_ids,
                archive_key,
                more=more,
                upto=iso(upto),
                ledger=ledger,
            )
        except AccountGone:
            # deletion began after this digest was claimed: its cleanup may already have run,
            # so the archive written above is removed here (if it began after the hand-over
            # check instead, its cleanup finds the archive and removes it)
            self.store.forget_digest(subscriber.username, period)
            self.subscriptions.release(username, period, token)
            logger.info("Digest not sent: the account is being deleted", extra={"period": period})
            return "gone"
        except Exception:
            self.subscriptions.release(username, period, token)
            raise
        try:
            message_id = self.send_email(email)
        except Exception as error:
            if mailer.refused(error):  # SES answered no: nothing went out, the retry may send
                self.subscriptions.release(username, period, token)
            raise  # otherwise it may have gone out: the record stays handed, never resent
        self.subscriptions.complete(
            username,
            period,
            token,
            message_id,
            ledger,
            iso(self.clock()),
            stamp + SENT_LEDGER_SECONDS,
            watermark=iso(upto),
        )
        return "sent"

    def _settled(self, username: str, period: str, record: DigestRecord, stamp: int) -> str | None:
        """What an existing record of this period decides: ``duplicate`` when it was sent (or
        recovered), ``unconfirmed`` when a delivery stopped while handing it to SES and its
        lease ran out (recorded now, without sending again), None when it is for the caller to
        claim or to wait for."""
        state = record.state
        if state in ("sent", "unconfirmed"):
            return "duplicate"
        if state == "failed":
            return "failed"
        if state != "handed" or record.lease_until >= stamp:
            return None
        logger.warning(
            "Digest handed to SES by a delivery that stopped; recorded without a second send",
            extra={"username": username, "period": period},
        )
        with contextlib.suppress(ConditionFailed):  # recovered by another delivery meanwhile
            self.subscriptions.complete(
                username,
                period,
                record.claim,
                None,
                list(record.ledger or record.articles),
                iso(self.clock()),
                stamp + SENT_LEDGER_SECONDS,
                state="unconfirmed",
                watermark=record.upto,
            )
        return "unconfirmed"

    def _settle_other_periods(
        self, username: str, period: str, subscriber: Subscriber, stamp: int
    ) -> bool:
        """Record as unconfirmed any other period a stopped delivery left handed over to SES
        (its message may have gone to the dead-letter queue), so its articles, which may well
        have arrived, are not sent again by this one. True when the ledger changed."""
        changed = False
        for other, record in subscriber.digests.items():
            if other != period and record.state == "handed":
                changed |= self._settled(username, other, record, stamp) == "unconfirmed"
        return changed

    def _keep_bucket_current(
        self, username: str, subscription: SubscriptionRecord, now: datetime
    ) -> None:
        """File the subscriber under the bucket of their next due moment after ``now`` (the slot
        being delivered), so a daylight-saving switch before then is already accounted for."""
        s = subscription
        bucket = utc_bucket(s.cadence, s.weekday, s.hour, s.timezone, now)
        if bucket and subscription.bucket != bucket:
            self.subscriptions.move_bucket(username, subscription.cadence, bucket)

    def _candidates_for(self, subscriber: Subscriber, run: str, upto: datetime) -> list[Candidate]:
        """The run's snapshot (the last eight days before ``upto``), and, for a subscriber whose
        watermark is older (digests skipped by a schedule change, a dead-lettered message, days
        of SES refusals), the releases between the two, read for them alone: paged Queries of
        the release index, at most as far back as the sent ledger remembers."""
        snapshot = self._run_candidates(run)
        floor = upto - CANDIDATE_WINDOW
        since = self._since(subscriber, upto)
        if since >= floor:
            return snapshot
        since = max(since, upto - timedelta(seconds=SENT_LEDGER_SECONDS))
        older: list[Candidate] = []
        start: dict[str, Any] | None = None
        while True:
            page = self.articles.released_between(iso(since), iso(floor), CANDIDATE_PAGE, start)
            older.extend(_candidate(item) for item in page.items)
            if page.last_key is None:
                return snapshot + self._named(older)
            start = page.last_key

    def _since(self, subscriber: Subscriber, upto: datetime) -> datetime:
        """Where the subscriber's next digest starts: their watermark, the bound of the snapshot
        their last digest covered (set when they subscribed; a digest older than the watermark
        left its send time instead), less the index's settling time; one period back for a
        subscription older than both."""
        subscription = subscriber.subscription
        mark = subscription and (subscription.watermark or subscription.last_digest_at)
        if mark:
            return datetime.fromisoformat(mark) - SETTLE
        cadence = subscription.cadence if subscription else "daily"
        return upto - WINDOWS[cadence]

    def _ranked(
        self, subscriber: Subscriber, candidates: Iterable[Candidate], cadence: str, upto: datetime
    ) -> list[Pick]:
        """What the subscriber is owed up to ``upto``: everything (re)published since
        :meth:`_since` that matches what they follow."""
        interests = interests_from(subscriber.username, subscriber.follows, subscriber.sent)
        return rank(candidates, interests, self._since(subscriber, upto), upto)

    def _build(
        self,
        subscriber: Subscriber,
        cadence: str,
        period: str,
        picks: list[Pick],
        more: list[Pick],
        links: Mapping[str, str],
    ) -> tuple[Email, str, list[Pick]] | None:
        """The email, its HTML and the picks it holds; without the articles that cannot be
        rendered or put into a MIME message when the whole cannot be built, None when even
        that fails. Content is data: a failure here is the same on every retry."""
        try:
            return (*self._render(subscriber, cadence, period, links, picks, more), picks)
        except Exception:
            logger.exception(
                "Digest cannot be built; retrying without the articles that break it",
                extra={"username": subscriber.username, "period": period},
            )
        kept = [p for p in picks if self._renders(subscriber, cadence, period, links, p)]
        listed = [p for p in more if self._renders(subscriber, cadence, period, links, p)]
        if not kept or (len(kept) == len(picks) and len(listed) == len(more)):
            return None
        logger.warning(
            "Digest built without articles that cannot be rendered",
            extra={"dropped": [p.article.id for p in [*picks, *more] if p not in kept + listed]},
        )
        try:
            return (*self._render(subscriber, cadence, period, links, kept, listed), kept)
        except Exception:
            logger.exception("Digest cannot be built even without them")
            return None

    def _renders(
        self,
        subscriber: Subscriber,
        cadence: str,
        period: str,
        links: Mapping[str, str],
        pick: Pick,
    ) -> bool:
        try:
            self._render(subscriber, cadence, period, links, [pick])
        except Exception:
            return False
        return True

    def links(self, username: str, period: str) -> dict[str, str]:
        """The links a digest carries to the API's own pages, each signed with a token of the
        subscriber for its own purpose: ``unsubscribe``, ``view`` (the digest in a browser, with
        every match the size cap left out) and ``preferences`` (cadence, hour and follows)."""
        key = self.unsubscribe_key()
        view = unsubscribe_tokens.issue(key, username, unsubscribe_tokens.VIEW)
        preferences = unsubscribe_tokens.issue(key, username, unsubscribe_tokens.PREFERENCES)
        base = self.api_url or self.site_url
        return {
            "unsubscribe": unsubscribe_tokens.link(key, base, username),
            "view": f"{base}/digests/{period}?{unsubscribe_tokens.query(view)}",
            "preferences": f"{base}/preferences?{unsubscribe_tokens.query(preferences)}",
        }

    def _render(
        self,
        subscriber: Subscriber,
        cadence: str,
        period: str,
        links: Mapping[str, str],
        picks: list[Pick],
        more: Sequence[Pick] = (),
    ) -> tuple[Email, str]:
        """The email and the HTML archived for the browser (the email's, with the matches the
        size cap left out listed at ``#more``), the email checked to make a MIME message; no
        I/O."""
        profile = subscriber.profile
        zone = _zone(subscriber.subscription.timezone if subscriber.subscription else "UTC")
        unsubscribe_url = links["unsubscribe"]
        articles = [self._article(p) for p in picks]
        count = len(articles)
        subject = (
            f"{count} new {'article' if count == 1 else 'articles'} on Byline: {articles[0].title}"
        )
        context = {
            "subject": subject,
            "site_name": "Byline",
            "display_name": (profile and profile.display_name) or subscriber.username,
            "cadence": cadence,
            "articles": articles,
            "unsubscribe_url": unsubscribe_url,
            "view_url": links["view"],
            "preferences_url": links["preferences"],
            "more": len(more),
            "more_url": f"{links['view']}#more",
            "more_articles": [],
            "local_date": lambda moment: moment.astimezone(zone).strftime("%d %b %Y"),
            "cover_size": COVER_SIZE,
            "postal_lines": postal_lines(self.postal_address),
        }
        html = render_template("digest.html.j2", **context)
        text = render_template("digest.txt.j2", **context)
        archive = render_template(
            "digest.html.j2",
            **context | {"more_url": "#more", "more_articles": [self._article(p) for p in more]},
        )
        email = Email(
            sender=self.sender,
            recipient=str(profile and profile.email),
            subject=subject,
            text=text,
            html=html,
            unsubscribe_url=unsubscribe_url,
            reference=f"{subscriber.username}.{period}",
            tags={mailer.USER_TAG: subscriber.username, mailer.KIND_TAG: "digest"},
        )
        mailer.compose(email)
        return email, archive

    def _article(self, pick: Pick) -> DigestArticle:
        article = pick.article
        return DigestArticle(
            id=article.id,
            slug=article.slug,
            title=article.title,
            author=article.author,
            author_name=article.byline,
            cover_url=self.cover_url(article.cover),
            excerpt=article.excerpt,
            url=f"{self.site_url}/articles/{article.slug}",
            published_at=article.published_at,
            score=pick.score,
            reasons=list(pick.reasons),
        )

    def cover_url(self, cover: str | None) -> str | None:
        """The public https URL of a cover on our media origin; None when there is no cover, no
        media origin, or the stored value is not a media key."""
        if not cover or not self.media_url or not MEDIA_KEY.fullmatch(cover):
            return None
        return f"{self.media_url}/{quote(cover)}"

    # -- subscriber's views ------------------------------------------------------------------
    def preview(self, principal: Principal) -> DigestPreview:
        """What the next digest would hold now, and when it is due: the current period's when
        that has not gone out yet, the next period's when it has (one Query of the subscriber
        and the candidate pages)."""
        authorize(principal, Action.manage_subscription)
        now = self.clock()
        subscriber = self.subscriptions.subscriber(principal.username)
        subscription = subscriber.subscription or SubscriptionRecord(principal.username)
        cadence = subscription.cadence
        effective = cadence if cadence != "off" else "daily"
        zone = subscription.timezone
        current = period_of(effective, zone, now)
        # a failed period is final too: the worker sends nothing more for it
        done = {p for p, r in subscriber.digests.items() if r.state in (*GONE_OUT, "failed")}
        record = subscriber.digests.get(current)
        record = record if record and record.state in GONE_OUT else None
        due = self._next_digest(subscription, now, done) if cadence != "off" else None
        candidates = self.load_candidates(now, named=False)
        picks = self._ranked(subscriber, candidates, effective, now)[:MAX_ARTICLES]
        named = self._named([p.article for p in picks])  # the picks' authors only
        picks = [replace(p, article=a) for p, a in zip(picks, named, strict=True)]
        return DigestPreview(
            period=period_of(effective, zone, due) if due else current,
            next_digest_at=due,
            current_period=current,
            current_period_sent=record is not None,
            current_sent_at=_moment(record.sent_at) if record else None,
            articles=[self._article(p) for p in picks],
            would_send=bool(picks) and cadence != "off",
        )

    @staticmethod
    def _next_digest(
        subscription: SubscriptionRecord, now: datetime, done: set[str]
    ) -> datetime | None:
        """The next due moment whose period has no digest yet (a schedule moved later in a
        period that has had its digest is not due again until the next one)."""
        cadence, zone = subscription.cadence, subscription.timezone
        schedule = (subscription.weekday, subscription.hour)
        found = next_due(cadence, *schedule, zone, now)
        while found is not None and period_of(cadence, zone, found) in done:
            found = next_due(cadence, *schedule, zone, found)  # done periods are finitely many
        return found

    def history(self, principal: Principal) -> DigestList:
        authorize(principal, Action.manage_subscription)
        return DigestList(
            items=[
                DigestSummary(
                    period=record.period,
                    state=record.state,
                    sent_at=_moment(record.sent_at),
                    articles=len(record.articles),
                )
                for record in self.subscriptions.digests(principal.username)
            ]
        )

    def view(self, token: str | None, period: str) -> tuple[str, str]:
        """The archived HTML of the token's subscriber's digest for ``period`` (the email's
        "view in browser" and "N more" links), and the username."""
        username = unsubscribe_tokens.verify(self.unsubscribe_key(), token, unsubscribe_tokens.VIEW)
        body = self.store.digest(username, period)
        if body is None:
            raise NotFound("There is no digest for that period, or it is no longer kept.")
        return body, username

    def archived(self, principal: Principal, period: str) -> DigestArchive:
        authorize(principal, Action.manage_subscription)
        record = self.subscriptions.digest(principal.username, period)
        if record is None:
            raise NotFound("No digest for that period.")
        seconds = 300
        archive = record.archive
        return DigestArchive(
            period=period,
            state=record.state,
            sent_at=_moment(record.sent_at),
            article_ids=list(record.articles),
            more_article_ids=list(record.more),
            html_url=self.store.link(str(archive), seconds) if archive else None,
            expires_in=seconds,
        )


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _due(subscription: SubscriptionRecord, slot: datetime) -> bool:
    s = subscription
    return is_due(s.cadence, s.weekday, s.hour, s.timezone, slot)


def _candidate(item: dict[str, Any]) -> Candidate:
    return Candidate(
        id=str(item["id"]),
        slug=str(item["slug"]),
        title=str(item["title"]),
        author=str(item["author"]),
        tags=tuple(item.get("tags") or ()),
        excerpt=str(item.get("excerpt") or ""),
        published_at=datetime.fromisoformat(str(item["published_at"])),
        like_count=int(item.get("like_count") or 0),
        comment_count=int(item.get("comment_count") or 0),
        released_at=datetime.fromisoformat(str(item["released_at"]))
        if item.get("released_at")
        else None,
        author_name=str(item.get("author_name") or ""),
        cover=str(item["cover"]) if item.get("cover") else None,
    )


def _zone(name: str) -> ZoneInfo:
    """The subscriber's zone; UTC for a name this runtime does not know (never a failed
    digest for it: subscriptions validate the zone when saved)."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def postal_lines(address: str) -> list[str]:
    """The postal address as lines: split at newlines, or at a literal ``\\n`` (what a
    CloudFormation parameter given on a command line can carry); blank lines dropped."""
    lines = address.replace("\\n", "\n").splitlines()
    return [line.strip() for line in lines if line.strip()]


def _candidate_to_json(candidate: Candidate) -> dict[str, Any]:
    return {
        **candidate.__dict__,
        "tags": list(candidate.tags),
        "published_at": iso(candidate.published_at),
        "released_at": iso(candidate.released_at) if candidate.released_at else None,
    }


def _candidate_from_json(raw: dict[str, Any]) -> Candidate:
    return _candidate(raw)


CANDIDATE_PAGE = 200
"""Articles per Query when loading candidates: a week of up to 200 articles is one request."""


def forget_archive(username: str) -> int:
    """Delete every archived digest of ``username`` for good (account deletion)."""
    from byline.settings import get_settings

    return S3DigestStore(get_settings().digest_bucket).forget_digests(username)


@cache
def digest_service() -> DigestService:
    from byline.data import mailer
    from byline.data.table import table
    from byline.secrets import signing_key
    from byline.settings import get_settings

    settings = get_settings()
    return DigestService(
        subscriptions=Subscriptions(table()),
        articles=Articles(table()),
        store=S3DigestStore(settings.digest_bucket),
        send_email=mailer.send,
        unsubscribe_key=lambda: signing_key("unsubscribe"),
        site_url=settings.site_url.rstrip("/"),
        sender=settings.digest_sender,
        users=Users(table()),
        api_url=settings.public_api_url,
        media_url=settings.media_url,
        postal_address=settings.postal_address,
        queue=SqsQueue(settings.digest_queue_url),
    )
