"""GET /articles/{slug} and POST /articles as a FastAPI app behind Mangum, for comparison only.

What a Byline user would otherwise write: the same routes, pydantic models with the same limits
(unknown fields refused), the same DynamoDB requests through one client created at module level,
ETag and If-None-Match on the read, Cache-Control, the author check from the stored profile,
and the same Markdown rendering (Byline's content module, imported on first use as the floor
does, so that this app's cold start is the framework's, not the content pipeline's). It has no
logging, tracing or metrics: Byline's functions have all three. Deployed nowhere; see
bench/cold_start.py and bench/warm.py.
"""

import hashlib
import os
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from fastapi import FastAPI, Header, HTTPException, Path, Request, Response
from mangum import Mangum
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

TABLE = os.environ.get("TABLE_NAME", "byline")
PUBLIC_CACHE = "public, max-age=60, s-maxage=300, stale-while-revalidate=600"
dynamodb = boto3.client("dynamodb")
_deserialize = TypeDeserializer().deserialize
_serialize = TypeSerializer().serialize

Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=30, pattern=r"^[A-Za-z0-9]+$"
    ),
]


class ArticleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
    subtitle: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    body: Annotated[str, StringConstraints(max_length=50_000)] = ""
    tags: Annotated[list[Tag], Field(max_length=5)] = []


class Article(BaseModel):
    id: str
    slug: str
    title: str
    subtitle: str
    author: str
    status: Literal["draft", "review", "scheduled", "published", "unpublished", "deleted"]
    tags: list[str]
    body: str
    html: str
    excerpt: str
    reading_minutes: int
    like_count: int = 0
    comment_count: int = 0
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None


def _etag(article: Article) -> str:
    return '"' + hashlib.sha256(article.model_dump_json().encode()).hexdigest()[:32] + '"'


app = FastAPI(title="Byline articles (FastAPI comparison)")


@app.get("/articles/{article}", response_model=Article)
def get_article(
    article: Annotated[str, Path(min_length=1, max_length=100)],
    response: Response,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Article | Response:
    found = dynamodb.query(
        TableName=TABLE,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SLUG#{article}"}},
    )["Items"]
    if not found:
        raise HTTPException(404, "No such article.")
    item = {k: _deserialize(v) for k, v in found[0].items()}
    if item.get("status") != "published":
        raise HTTPException(404, "No such article.")
    body = Article.model_validate(item)
    etag = _etag(body)
    headers = {"ETag": etag, "Cache-Control": PUBLIC_CACHE}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return body


@app.post("/articles", response_model=Article, status_code=201)
def create_article(draft: ArticleCreate, request: Request, response: Response) -> Article:
    from byline.content.markdown import excerpt, render
    from byline.content.reading_time import reading_minutes
    from byline.content.slugs import slugify

    claims = request.scope["aws.event"]["requestContext"]["authorizer"]["claims"]
    profile = dynamodb.get_item(
        TableName=TABLE,
        Key={"PK": {"S": f"USER#{claims['cognito:username']}"}, "SK": {"S": "PROFILE"}},
        ConsistentRead=True,
    ).get("Item", {})
    role = profile.get("role", {}).get("S")
    if profile.get("sub", {}).get("S") != claims["sub"] or role not in {
        "author",
        "editor",
        "admin",
    }:
        raise HTTPException(403, "Authors only.")
    now = datetime.now(UTC)
    rendered = render(draft.body)
    article = Article(
        id=uuid.uuid4().hex,
        slug=slugify(draft.title),
        title=draft.title,
        subtitle=draft.subtitle,
        author=claims["cognito:username"],
        status="draft",
        tags=draft.tags,
        body=draft.body,
        html=rendered.html,
        excerpt=excerpt(draft.subtitle or rendered.text),
        reading_minutes=reading_minutes(rendered.text, rendered.images),
        created_at=now,
        updated_at=now,
    )
    item = article.model_dump(mode="json")
    record = {"PK": f"ARTICLE#{article.id}", "SK": "ARTICLE", "GSI1PK": f"SLUG#{article.slug}"}
    claim = {"PK": f"SLUG#{article.slug}", "SK": "SLUG", "article_id": article.id}
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {k: _serialize(v) for k, v in claim.items()},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        k: _serialize(v) for k, v in {**record, **item}.items() if v is not None
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
    )
    response.headers["ETag"] = _etag(article)
    response.headers["Location"] = f"/articles/{article.slug}"
    return article


lambda_handler = Mangum(app, lifespan="off")
