"""Subscriptions, follows, and digests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from byline.models.fields import TimeZone as TimeZone

Cadence = Literal["daily", "weekly", "off"]


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cadence: Cadence
    weekday: (
        Annotated[int, Field(ge=0, le=6, strict=True, description="0 = Monday; weekly only")] | None
    ) = None
    hour: Annotated[int, Field(ge=0, le=23, strict=True, description="local delivery hour")] = 8
    timezone: TimeZone = "UTC"

    @model_validator(mode="after")
    def _weekday_for_weekly(self) -> SubscriptionUpdate:
        if self.cadence == "weekly" and self.weekday is None:
            raise ValueError("a weekly digest needs a weekday (0 = Monday)")
        if self.cadence != "weekly" and self.weekday is not None:
            raise ValueError("weekday applies to weekly digests only")
        return self


class DeliveryStop(BaseModel):
    reason: Literal["bounce", "complaint"] = Field(
        description="bounce: mail to the address was refused for good; complaint: a digest "
        "was reported as spam"
    )
    at: datetime = Field(description="when delivery was stopped")
    detail: str = Field(description="what happened and how to turn digests on again")


class Subscription(BaseModel):
    cadence: Cadence
    weekday: int | None
    hour: int
    timezone: str
    email: str | None
    email_confirmed: bool
    updated_at: datetime | None
    delivery_stopped: DeliveryStop | None = Field(
        default=None,
        description="set when digests were turned off because mail to the address bounced or "
        "was reported as spam; choosing a cadence again (PUT) turns them back on",
    )


class FollowTagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    muted: bool = Field(
        default=False, strict=True, description="true mutes the tag: its articles are excluded"
    )


class Follows(BaseModel):
    tags: list[str]
    muted_tags: list[str]
    authors: list[str]


class DigestArticle(BaseModel):
    id: str
    slug: str
    title: str
    author: str = Field(description="the author's username (a deleted account's pseudonym)")
    author_name: str = Field(
        description="how the digest names the author: their display name, else ``author``"
    )
    cover_url: str | None = Field(
        default=None, description="the cover image's public https URL, when there is one"
    )
    excerpt: str
    url: str
    published_at: datetime
    score: float
    reasons: list[str] = Field(description="why it was picked: matched tags and authors")


class DigestPreview(BaseModel):
    period: str = Field(
        description="the period the next digest is for: the current one, or the one after it "
        "when the current period's digest has gone out"
    )
    next_digest_at: datetime | None = Field(
        description="when the next digest is due (UTC); null when digests are off"
    )
    current_period: str = Field(description="the subscriber's current day or ISO week")
    current_period_sent: bool = Field(
        description="whether the current period's digest has already gone out (or been handed "
        "to the mail service): there is no second one this period"
    )
    current_sent_at: datetime | None = Field(
        description="when the current period's digest went out, if it has"
    )
    articles: list[DigestArticle] = Field(
        description="what the next digest would hold if it were due now, best first: the "
        "matches published since the last digest; later articles may still join"
    )
    would_send: bool = Field(description="false when nothing matches: no empty digests")


DigestState = Literal["sending", "handed", "sent", "unconfirmed", "failed"]
DIGEST_STATES = (
    "sending: being prepared; handed: given to the mail service; sent: the mail service accepted "
    "it; unconfirmed: a delivery stopped while handing it over, so it may or may not have gone "
    "out, and is never sent a second time; failed: its articles could not be made into an email, "
    "so nothing was sent and they stay due"
)


class DigestSummary(BaseModel):
    period: str
    state: DigestState = Field(description=DIGEST_STATES)
    sent_at: datetime | None
    articles: int


class DigestList(BaseModel):
    items: list[DigestSummary]


class DigestArchive(BaseModel):
    period: str
    state: DigestState = Field(description=DIGEST_STATES)
    sent_at: datetime | None
    article_ids: list[str]
    more_article_ids: list[str] = Field(
        default_factory=list,
        description="matches the size cap left out: the email counts them and links to the "
        "site's /digests/<period> page, which lists them from here",
    )
    html_url: str | None = Field(description="short-lived link to the archived email")
    expires_in: int


class UnsubscribePreview(BaseModel):
    username: str
    cadence: Cadence
    action: Literal["turn digests off"]
    already_off: bool
