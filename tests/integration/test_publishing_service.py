"""Scheduled publishing and domain events, through the service against moto, with an
injected clock instead of waiting. The clock is set in the past so the articles these tests
publish never become the newest of the shared test table."""

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from byline import aws
from byline.auth.principal import Principal
from byline.data import events
from byline.data.articles import Articles
from byline.data.table import table
from byline.models.articles import ArticleCreate, PublishRequest
from byline.services.articles import ArticleService

pytestmark = pytest.mark.integration

AUTHOR = Principal(username="sched_author", sub="s-1", groups=("author",))


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def service(clock, published):
    def record(detail_type, detail):
        published.append((detail_type, detail["id"]))
        return True

    return ArticleService(
        articles=Articles(table()),
        cursor_key=lambda: b"k" * 32,
        publish_event=record,
        clock=clock,
    )


def test_a_scheduled_article_is_published_when_due_exactly_once_by_overlapping_runs(
    stack_resources,
):
    start = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    clock, published = Clock(start), []
    articles = service(clock, published)
    draft = articles.create(AUTHOR, ArticleCreate(title=f"Scheduled {uuid.uuid4().hex[:6]}"))
    when = start + timedelta(hours=1)
    scheduled = articles.publish(AUTHOR, draft.id, PublishRequest(publish_at=when))
    assert scheduled.status == "scheduled"

    assert articles.publish_due() == 0  # not yet
    clock.now = when + timedelta(seconds=30)
    runs = [service(clock, published) for _ in range(4)]
    counts = []
    threads = [threading.Thread(target=lambda s=s: counts.append(s.publish_due())) for s in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 1
    assert published == [("ArticlePublished", draft.id)]
    stored = articles.read_for_edit(AUTHOR, draft.id)
    assert stored.status == "published"
    assert stored.published_at == clock.now
    assert articles.publish_due() == 0


def test_unpublishing_a_scheduled_article_cancels_it(stack_resources):
    clock, published = Clock(datetime(2024, 2, 1, tzinfo=UTC)), []
    articles = service(clock, published)
    draft = articles.create(AUTHOR, ArticleCreate(title=f"Cancelled {uuid.uuid4().hex[:6]}"))
    articles.publish(AUTHOR, draft.id, PublishRequest(publish_at=clock.now + timedelta(days=1)))
    articles.unpublish(AUTHOR, draft.id)
    clock.now += timedelta(days=2)
    assert articles.publish_due() == 0
    assert published == []


def test_authors_submit_for_review_when_the_site_requires_it(stack_resources):
    clock, published = Clock(datetime(2024, 3, 1, tzinfo=UTC)), []
    articles = service(clock, published)
    articles.authors_may_publish = False
    draft = articles.create(AUTHOR, ArticleCreate(title=f"Review {uuid.uuid4().hex[:6]}"))
    submitted = articles.publish(AUTHOR, draft.id, PublishRequest())
    assert submitted.status == "review"
    editor = Principal(username="sched_editor", sub="s-2", groups=("editor",))
    assert articles.publish(editor, draft.id, PublishRequest()).status == "published"
    assert published == [("ArticlePublished", draft.id)]


def test_published_articles_reach_the_event_bus(stack_resources):
    bus = stack_resources["EVENT_BUS_NAME"]
    queue_url = aws.sqs().create_queue(QueueName=f"listener-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = aws.sqs().get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    rule = f"listen-{uuid.uuid4().hex[:8]}"
    aws.events().put_rule(
        Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": [events.SOURCE]})
    )
    aws.events().put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    articles = ArticleService(
        articles=Articles(table()), cursor_key=lambda: b"k" * 32, publish_event=events.publish
    )
    draft = articles.create(
        AUTHOR, ArticleCreate(title=f"Evented {uuid.uuid4().hex[:6]}", tags=["aws"])
    )
    articles.publish(AUTHOR, draft.id, PublishRequest())
    messages = aws.sqs().receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    bodies = [json.loads(m["Body"]) for m in messages]
    assert any(
        b["detail-type"] == "ArticlePublished"
        and b["detail"]["id"] == draft.id
        and b["detail"]["tags"] == ["aws"]
        and b["detail"]["author"] == AUTHOR.username
        for b in bodies
    )
