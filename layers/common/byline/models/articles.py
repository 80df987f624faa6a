"""Articles: request bodies, the public representation and listing pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from byline.models.fields import MediaKey, SingleLine, Tag

Status = Literal["draft", "review", "scheduled", "published", "unpublished", "deleted"]
ArticleType = Literal["post", "page"]
MAX_TAGS = 5


def _normalise_tags(tags: list[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        if tag not in seen:
            seen.append(tag)
    if len(seen) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    return seen


Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_normalise_tags)]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150), SingleLine
]
Subtitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), SingleLine]
Body = Annotated[str, StringConstraints(max_length=50_000)]
CustomExcerpt = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), SingleLine]
MetaTitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), SingleLine]
MetaDescription = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), SingleLine
]
SeriesName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine
]


def _https_url(url: HttpUrl) -> HttpUrl:
    if url.scheme not in {"http", "https"}:
        raise ValueError("must be an http(s) URL")
    return url


CanonicalUrl = Annotated[HttpUrl, Field(max_length=500), AfterValidator(_https_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleCreate(_Strict):
    title: Title
    subtitle: Subtitle = ""
    body: Body = ""
    tags: Tags = []
    series: SeriesName | None = None
    series_part: Annotated[int, Field(ge=1, le=999, strict=True)] | None = None
    cover: MediaKey | None = None
    canonical_url: CanonicalUrl | None = None
    type: ArticleType = Field(
        default="post",
        description="a page (about, contact: editors and admins only) is kept out of feeds, "
        "digests and listings; fixed at creation",
    )
    featured: bool = Field(default=False, description="only editors and admins may set it")
    custom_excerpt: CustomExcerpt | None = Field(
        default=None, description="shown instead of the automatic excerpt when set"
    )
    meta_title: MetaTitle | None = None
    meta_description: MetaDescription | None = None


class ArticlePatch(_Strict):
    """Fields to change; those left out stay as they are, ``null`` clears an optional one."""

    title: Title | None = None
    subtitle: Subtitle | None = None
    body: Body | None = None
    tags: Tags | None = None
    series: SeriesName | None = None
    series_part: Annotated[int, Field(ge=1, le=999, strict=True)] | None = None
    cover: MediaKey | None = None
    canonical_url: CanonicalUrl | None = None
    type: ArticleType | None = Field(
        default=None, description="fixed at creation: only the current value is accepted"
    )
    featured: bool | None = Field(default=None, description="only editors and admins may change it")
    custom_excerpt: CustomExcerpt | None = None
    meta_title: MetaTitle | None = None
    meta_description: MetaDescription | None = None


class PublishRequest(_Strict):
    publish_at: datetime | None = Field(
        default=None, description="a future time schedules the article; omitted publishes now"
    )


class SeriesRef(BaseModel):
    id: str
    title: str
    part: int


class Article(BaseModel):
    id: str
    slug: str
    title: str
    subtitle: str
    author: str
    status: Status
    type: ArticleType
    featured: bool
    tags: list[str]
    body: str = Field(description="Markdown source")
    html: str = Field(description="rendered and sanitised HTML")
    excerpt: str = Field(description="the custom excerpt when set, else the automatic one")
    custom_excerpt: str | None
    meta_title: str | None
    meta_description: str | None
    reading_minutes: int
    cover: str | None
    canonical_url: str | None
    series: SeriesRef | None
    like_count: int
    comment_count: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    publish_at: datetime | None


class ArticleSummary(BaseModel):
    id: str
    slug: str
    title: str
    subtitle: str
    author: str
    status: Status
    type: ArticleType
    featured: bool
    tags: list[str]
    excerpt: str
    reading_minutes: int
    cover: str | None
    like_count: int
    comment_count: int
    published_at: datetime | None
    updated_at: datetime


class ArticlePage(BaseModel):
    items: list[ArticleSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class TagCount(BaseModel):
    tag: str
    articles: int


class TagList(BaseModel):
    items: list[TagCount]


class SeriesView(BaseModel):
    id: str
    title: str
    author: str
    parts: list[ArticleSummary]
