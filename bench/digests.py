"""The digest pipeline at scale: how many AWS requests the planner and one worker batch
make, how long they take, and how both grow with the number of subscribers.

``make bench-digests`` (``.venv/bin/python -m bench.digests --write``)
starts moto in server mode, bootstraps template.yaml on it once per configuration (a throwaway
Stage each), and for each configuration:

1. writes the subscribers (profile, subscription, follows) and the published articles straight
   into the table with BatchWriteItem, in the shapes the data layer writes. The benchmark is
   about the digest pipeline, not sign-up: ten thousand Cognito sign-ups through the services
   would take most of an hour on moto and say nothing about digests;
2. runs the planner once (``DigestService.plan`` with a real ``SqsQueue`` to the stack's
   DigestQueue) for the hour's first quarter, as the schedule's event for it does;
3. runs two worker batches of ten messages, received from that queue, through
   ``DigestService.deliver_message`` with the real mailer (SES v2 on moto) and the real S3 archive:
   the first as a cold container would (it reads the run's candidates from S3), the second
   warm.

Requests are counted with a botocore ``before-call.*.*`` hook on the layer's clients
(``byline.aws``): one count per API call, by service and operation (retries of a call are not
counted again). Wall-clock times are moto's, on this machine: they show how time grows, not
what AWS takes. moto runs with ``MotoServer(scale_patches=True)``: without them a transaction
deep-copies the whole table and every message sent walks the whole queue, and a run at 10,000
subscribers would take most of an hour.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local.bootstrap import Stack, bootstrap, client
from local.moto_server import REAL_AWS_VARIABLES, MotoServer, fake_aws_environment
from local.template import Template

DEFAULT_SIZES = ((1_000, 1_000), (10_000, 1_000), (1_000, 250))
"""(subscribers, articles): two subscriber counts with the same articles show the growth with
subscribers; the third changes only the articles."""
PROJECTED_SUBSCRIBERS = 100_000
WORKER_BATCH = 10  # the DigestWorkerFunction's BatchSize
SQS_BATCH = 10  # SendMessageBatch's limit
TAGS = (
    "python", "aws", "serverless", "dynamodb", "lambda", "testing", "security", "devops",
    "typescript", "rust", "go", "databases", "career", "design", "architecture", "performance",
    "observability", "kubernetes", "frontend", "css", "accessibility", "ml", "data", "sql",
    "linux", "networking", "open-source", "writing", "productivity", "startups", "api",
    "graphql", "cloud", "terraform", "ci", "git", "mobile", "android", "ios", "web",
)  # fmt: skip
AUTHORS = tuple(f"writer{n:02d}" for n in range(50))
TAG_FOLLOWS = 3
AUTHOR_FOLLOW_SHARE = 0.1
WEEKLY_SHARE = 0.2
BODY_WORDS = 1_200
"""About a six-minute read: the article items carry body and HTML, as the real ones do; the
release index (GSI4) the planner reads projects only a candidate's fields, so its 1 MB pages
hold far more articles than the whole items would fill."""
BENCH_KEY = b"bench-unsubscribe-key"
SERVICES = {"dynamodb": "DynamoDB", "sqs": "SQS", "s3": "S3", "sesv2": "SES"}
_WORDS = (
    "lambda", "handler", "table", "query", "partition", "index", "queue", "batch", "digest",
    "reader", "author", "tag", "python", "cloud", "request", "latency", "cache", "event",
    "schedule", "worker", "message", "archive", "template", "layer",
)  # fmt: skip


# ---------------------------------------------------------------- counting requests


@dataclass
class Requests:
    """API calls by (service, operation); DynamoDB Queries also by index."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    queries: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    """Time spent in each service's calls (request to parsed response), by service."""
    _started: float = 0.0

    def __call__(self, event_name: str, params: dict[str, Any], **kwargs: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        self.calls[service, operation] += 1
        if service == "dynamodb" and operation == "Query":
            # ``params`` is the serialised request here; DynamoDB's body is JSON
            index = json.loads(params.get("body") or b"{}").get("IndexName", "table")
            self.queries[str(index)] += 1
        self._started = time.perf_counter()

    def finished(self, event_name: str, **kwargs: Any) -> None:
        self.seconds[event_name.split(".")[1]] += time.perf_counter() - self._started

    def of(self, service: str) -> int:
        return sum(n for (s, _), n in self.calls.items() if s == service)

    def operations(self) -> str:
        return ", ".join(f"{op} {n}" for (_, op), n in sorted(self.calls.items()))


def layer_clients() -> list[Any]:
    from byline import aws

    return [aws.dynamodb(), aws.sqs(), aws.s3(), aws.ses()]


@contextlib.contextmanager
def counting() -> Iterator[Requests]:
    """Count every call the layer's clients make inside the block."""
    requests = Requests()
    clients = layer_clients()
    for each in clients:
        each.meta.events.register("before-call.*.*", requests)
        each.meta.events.register("after-call.*.*", requests.finished)
    try:
        yield requests
    finally:
        for each in clients:
            each.meta.events.unregister("before-call.*.*", requests)
            each.meta.events.unregister("after-call.*.*", requests.finished)


# ---------------------------------------------------------------- the stack and its data


@contextlib.contextmanager
def throwaway_stack(stage: str, endpoint: str | None = None) -> Iterator[Stack]:
    """template.yaml's resources under ``stage`` on the moto at ``endpoint`` (a new moto when
    None, stopped afterwards)."""
    with contextlib.ExitStack() as cleanup:
        if endpoint is None:
            endpoint = cleanup.enter_context(MotoServer(0, scale_patches=True)).endpoint
        yield bootstrap(Template.load(overrides={"Stage": stage}), endpoint)


def use_stack_environment(stack: Stack) -> None:
    """Point the layer (settings, ``byline.aws`` clients) at the stack, as a function's
    environment would."""
    for name in REAL_AWS_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(fake_aws_environment(stack.endpoint, stack.region) | stack.environment())
    from byline import aws
    from byline.settings import get_settings

    get_settings.cache_clear()
    for factory in (aws.dynamodb, aws.sqs, aws.s3, aws.ses, aws.cognito, aws.events):
        factory.cache_clear()


def _batch_write(ddb: Any, table: str, items: Sequence[dict[str, Any]]) -> int:
    """Write items 25 at a time, retrying what comes back unprocessed; returns the calls."""
    from byline.data.table import serialize

    calls = 0
    for start in range(0, len(items), 25):
        pending: dict[str, Any] = {
            table: [{"PutRequest": {"Item": serialize(i)}} for i in items[start : start + 25]]
        }
        while pending:
            calls += 1
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return calls


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def article_items(count: int, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """Published articles of the last seven days, as ``Articles.create`` stores them."""
    from byline.clock import iso
    from byline.data import keys
    from byline.data.articles import index_keys
    from byline.ids import new_id

    items = []
    for n in range(count):
        published = now - timedelta(seconds=rng.randint(60, 7 * 24 * 3600))
        article_id = new_id(published)
        paragraphs = [_text(rng, 100) for _ in range(BODY_WORDS // 100)]
        article = {
            "id": article_id,
            "slug": f"article-{n}-{article_id[-6:].lower()}",
            "title": f"Article {n}: {_text(rng, 6)}",
            "subtitle": "",
            "author": rng.choice(AUTHORS),
            "status": "published",
            "tags": rng.sample(TAGS, rng.randint(2, 3)),
            "body": "\n\n".join(paragraphs),
            "html": "".join(f"<p>{p}</p>\n" for p in paragraphs),
            "excerpt": paragraphs[0][:280],
            "reading_minutes": BODY_WORDS // 200,
            "like_count": rng.randint(0, 40),
            "comment_count": rng.randint(0, 10),
            "version": 2,
            "created_at": iso(published - timedelta(hours=1)),
            "updated_at": iso(published),
            "published_at": iso(published),
        }
        record = {**keys.article(article_id), "kind": "article", **article}
        record.update({k: v for k, v in index_keys(article).items() if v is not None})
        items.append(record)
    return items


def subscriber_items(count: int, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """Confirmed subscribers, every one due in ``now``'s UTC hour (the worst hour: everyone
    picked it), a fifth of them weekly; each follows three tags, one in ten also an author."""
    from byline.clock import iso
    from byline.data import keys
    from byline.services.digest_logic import utc_bucket

    at = iso(now - timedelta(days=30))
    items: list[dict[str, Any]] = []
    for n in range(count):
        username = f"sub{n:06d}"
        weekly = rng.random() < WEEKLY_SHARE
        cadence = "weekly" if weekly else "daily"
        weekday = now.weekday() if weekly else None
        bucket = utc_bucket(cadence, weekday, now.hour, "UTC", now)
        assert bucket is not None
        items.append(
            {
                **keys.user_profile(username),
                "kind": "profile",
                "username": username,
                "email": f"{username}@example.com",
                "display_name": f"Subscriber {n}",
                "bio": "",
                "links": [],
                "role": "reader",
                "confirmed": True,
                "joined_at": at,
            }
        )
        items.append(
            {
                **keys.subscription(username),
                "kind": "subscription",
                "cadence": cadence,
                "weekday": weekday,
                "hour": now.hour,
                "timezone": "UTC",
                "updated_at": at,
                "GSI1PK": keys.digest_bucket(cadence, bucket),
                "GSI1SK": keys.user_partition(username),
            }
        )
        follows = [("tag", t) for t in rng.sample(TAGS, TAG_FOLLOWS)]
        if rng.random() < AUTHOR_FOLLOW_SHARE:
            follows.append(("author", rng.choice(AUTHORS)))
        for kind, target in follows:
            items.append(
                {
                    **keys.follow(username, kind, target),
                    "kind": "follow",
                    "kind_of": kind,
                    "target": target,
                    "muted": False,
                    "created_at": at,
                }
            )
    return items


@dataclass(frozen=True)
class Population:
    subscribers: int
    articles: int
    daily: int
    weekly: int
    items: int
    seconds: float


def populate(
    stack: Stack, subscribers: int, articles: int, now: datetime, seed: int = 7
) -> Population:
    rng = random.Random(seed)
    started = time.perf_counter()
    people = subscriber_items(subscribers, now, rng)
    stories = article_items(articles, now, rng)
    ddb = client("dynamodb", stack.endpoint, stack.region)
    table = str(stack.ref("Table"))
    _batch_write(ddb, table, people)
    _batch_write(ddb, table, stories)
    weekly = sum(1 for i in people if i.get("cadence") == "weekly")
    return Population(
        subscribers=subscribers,
        articles=articles,
        daily=subscribers - weekly,
        weekly=weekly,
        items=len(people) + len(stories),
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------- the pipeline


def digest_service(stack: Stack, now: datetime) -> Any:
    """A DigestService wired as ``digest_service()`` wires it in Lambda, on this stack, with
    the clock fixed at ``now``. A new one is a new (cold) execution environment."""
    from byline import aws
    from byline.data import mailer
    from byline.data.articles import Articles
    from byline.data.digest_archive import S3DigestStore
    from byline.data.subscriptions import Subscriptions
    from byline.data.table import Table
    from byline.data.users import Users
    from byline.services.digests import DigestService

    table = Table(str(stack.ref("Table")), aws.dynamodb())
    return DigestService(
        subscriptions=Subscriptions(table),
        articles=Articles(table),
        store=S3DigestStore(str(stack.ref("DigestBucket"))),
        send_email=mailer.send,
        # In Lambda the key comes from Secrets Manager, cached for five minutes by powertools:
        # no request per batch, so none is counted here.
        unsubscribe_key=lambda: BENCH_KEY,
        site_url="https://byline.example",
        sender=stack.environment().get("DIGEST_SENDER", "digest@byline.example"),
        users=Users(table),
        clock=lambda: now,
    )


@dataclass
class Phase:
    seconds: float
    requests: Requests
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class Measurement:
    population: Population
    planner: Phase
    planned: int
    due_pages: int
    cold_batch: Phase
    warm_batch: Phase

    @property
    def candidate_queries(self) -> int:
        return self.planner.requests.queries["GSI4"]


def run_planner(stack: Stack, now: datetime) -> tuple[Phase, int, int]:
    from byline.data.queues import SqsQueue

    service = digest_service(stack, now)
    with counting() as requests:
        started = time.perf_counter()
        slot = now.replace(minute=0, second=0, microsecond=0)  # the event's time
        outcome = service.plan(SqsQueue(str(stack.ref("DigestQueue"))), slot)
        seconds = time.perf_counter() - started
    if outcome.failed_to_queue:
        raise RuntimeError(f"{outcome.failed_to_queue} messages were not queued")
    return Phase(seconds, requests), outcome.planned, outcome.pages


def run_worker_batch(stack: Stack, service: Any) -> Phase:
    """What Lambda's event source mapping and one DigestWorkerFunction invocation do with one
    batch: receive up to ten messages, deliver each, delete the batch. The time is the
    invocation's (the deliveries); the mapping's two calls are counted, not timed."""
    from byline import aws

    queue = str(stack.ref("DigestQueue"))
    outcomes: Counter[str] = Counter()
    with counting() as requests:
        messages = aws.sqs().receive_message(QueueUrl=queue, MaxNumberOfMessages=WORKER_BATCH)
        received = messages.get("Messages", [])
        started = time.perf_counter()
        for message in received:
            body = json.loads(message["Body"])
            outcomes[service.deliver_message(body)] += 1
        seconds = time.perf_counter() - started
        if received:
            aws.sqs().delete_message_batch(
                QueueUrl=queue,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(received)
                ],
            )
    return Phase(seconds, requests, outcomes)


def measure(stack: Stack, subscribers: int, articles: int, now: datetime) -> Measurement:
    """Populate the stack, plan once, deliver two batches; the stack's layer environment must
    be in place (:func:`use_stack_environment`, or the test session's)."""
    population = populate(stack, subscribers, articles, now)
    planner, planned, pages = run_planner(stack, now)
    worker = digest_service(stack, now)
    cold = run_worker_batch(stack, worker)
    warm = run_worker_batch(stack, worker)
    return Measurement(population, planner, planned, pages, cold, warm)


# ---------------------------------------------------------------- what the code predicts


def due_queries(subscribers_in_bucket: int) -> int:
    """Pages the planner reads for one bucket. DynamoDB can add one empty page when the last
    one is exactly full (it returns a LastEvaluatedKey whenever Limit is reached); moto does
    not, so this is the count on moto and DynamoDB's is at most one more per bucket."""
    from byline.services.digests import DUE_PAGE

    return max(1, math.ceil(subscribers_in_bucket / DUE_PAGE))


def sqs_batches(subscribers_in_bucket: int) -> int:
    """SendMessageBatch calls for one bucket: each page of DUE_PAGE is sent in tens."""
    from byline.services.digests import DUE_PAGE

    full, rest = divmod(subscribers_in_bucket, DUE_PAGE)
    return full * math.ceil(DUE_PAGE / SQS_BATCH) + math.ceil(rest / SQS_BATCH)


@dataclass(frozen=True)
class Prediction:
    dynamodb: int
    sqs: int
    s3: int


def author_batches(articles: int) -> int:
    """BatchGetItems of the candidates' authors' display names: one per hundred distinct
    authors. The population's articles are by at most ``len(AUTHORS)`` (50) writers."""
    return math.ceil(min(len(AUTHORS), articles) / 100)


def predict_planner(daily: int, weekly: int, candidate_queries: int, articles: int) -> Prediction:
    """The planner's requests: the candidates' pages (articles only), their authors' names
    (one BatchGetItem per hundred authors), the due subscribers' pages (subscribers / DUE_PAGE
    per bucket), their messages in tens, one S3 snapshot."""
    return Prediction(
        dynamodb=candidate_queries
        + author_batches(articles)
        + due_queries(daily)
        + due_queries(weekly),
        sqs=sqs_batches(daily) + sqs_batches(weekly),
        s3=1,
    )


def check(measurement: Measurement) -> list[str]:
    """Where the measured planner differs from the prediction (empty: it does not)."""
    p = measurement.population
    predicted = predict_planner(p.daily, p.weekly, measurement.candidate_queries, p.articles)
    requests = measurement.planner.requests
    measured = Prediction(requests.of("dynamodb"), requests.of("sqs"), requests.of("s3"))
    problems = []
    if measured != predicted:
        problems.append(f"{p.subscribers} subscribers: measured {measured}, predicted {predicted}")
    if measurement.planned != p.subscribers:
        problems.append(f"planned {measurement.planned} of {p.subscribers} subscribers")
    return problems


# ---------------------------------------------------------------- the report


def _row(label: str, phase: Phase, extra: str = "") -> str:
    r = phase.requests
    counts = " | ".join(str(r.of(s)) for s in SERVICES)
    return f"| {label} | {counts} | {phase.seconds:.2f} s | {extra or r.operations()} |"


def markdown(results: Sequence[Measurement], info: dict[str, str], command: str) -> str:
    """The body of bench/RESULTS.md's Digests section."""
    from importlib.metadata import version

    head = "| | " + " | ".join(SERVICES.values()) + " | wall clock | calls |"
    lines = [
        f"Measured {info['date']} on {info['cores']} cores ({info['cpu']}), "
        f"{info['python']}, moto {version('moto')} in server mode on the same machine, with "
        f"`{command}` (bench/digests.py; commit {info['commit']}).",
        "",
        "Each configuration is a fresh stack from template.yaml. Subscribers (profile, "
        "subscription, follows of three tags of forty, one in ten also an author) and "
        f"articles (about {BODY_WORDS:,} words, tags from the same pool, published over the "
        "last seven days) are written straight into the table with BatchWriteItem: the "
        "benchmark measures the digest pipeline, not sign-up. Every subscriber is due in the "
        "hour the planner runs (the worst hour), a fifth of them weekly. Then the planner "
        "runs once (`DigestService.plan`, real SQS) and two worker batches of ten messages go "
        "through `DigestService.deliver` (real SES and S3): a cold one, whose new execution "
        "environment first reads the run's candidates from S3, and a warm one. Requests are "
        "counted per API call by a botocore `before-call` hook on the layer's clients; the "
        "worker batches include the event source mapping's ReceiveMessage and "
        "DeleteMessageBatch. Times are moto's on this machine: compare them with each other, "
        "not with AWS. moto runs with local/moto_server.py's scale patches, which remove two "
        "of its costs that grow with the data (a deep copy of the whole table for every "
        "operation of a transaction, a walk of the whole queue for every message sent) and "
        "change nothing the calls do.",
        "",
        head,
        "|" + "---|" * (len(SERVICES) + 3),
    ]
    for m in results:
        p = m.population
        label = f"{p.subscribers:,} subscribers, {p.articles:,} articles"
        lines.append(
            _row(
                f"planner, {label}",
                m.planner,
                f"Query {m.planner.requests.calls['dynamodb', 'Query']} "
                f"({m.candidate_queries} for the candidates, {m.due_pages} due pages), "
                f"BatchGetItem {m.planner.requests.calls['dynamodb', 'BatchGetItem']} (the "
                "authors' display names), SendMessageBatch "
                f"{m.planner.requests.of('sqs')}, PutObject {m.planner.requests.of('s3')}; "
                f"{m.planned:,} queued",
            )
        )
        outcomes = ", ".join(f"{n} {k}" for k, n in sorted(m.cold_batch.outcomes.items()))
        calls = m.cold_batch.requests.operations()
        lines.append(_row(f"cold worker batch, {label}", m.cold_batch, f"{calls}; {outcomes}"))
        lines.append(_row(f"warm worker batch, {label}", m.warm_batch))
    lines += ["", *projection(results), ""]
    return "\n".join(lines)


def planner_timeout() -> float:
    from local.template import Template

    return float(Template.load().properties("DigestPlannerFunction").get("Timeout", 3))


def projection(results: Sequence[Measurement]) -> list[str]:
    from byline.services.digests import DUE_PAGE

    by_subscribers = sorted(
        (m for m in results if m.population.articles == results[0].population.articles),
        key=lambda m: m.population.subscribers,
    )
    small, large = by_subscribers[0], by_subscribers[-1]
    n1, n2 = small.population.subscribers, large.population.subscribers
    weekly = round(PROJECTED_SUBSCRIBERS * large.population.weekly / n2)
    daily = PROJECTED_SUBSCRIBERS - weekly
    predicted = predict_planner(daily, weekly, large.candidate_queries, large.population.articles)
    round_trips = predicted.dynamodb + predicted.sqs + predicted.s3
    planner = large.planner.requests
    send_latency = planner.seconds["sqs"] / max(planner.of("sqs"), 1)
    warm = large.warm_batch.requests
    batches = math.ceil(PROJECTED_SUBSCRIBERS / WORKER_BATCH)
    problems = [p for m in results for p in check(m)]
    verdict = (
        "The measured planner requests equal these formulas at every size above."
        if not problems
        else "MISMATCH between measured and predicted: " + "; ".join(problems)
    )
    same_worker = all(m.warm_batch.requests.calls == warm.calls for m in results)
    articles_note = ", ".join(
        f"{m.candidate_queries} for {m.population.articles:,} articles"
        for m in sorted(results, key=lambda m: m.population.articles)
        if m.population.subscribers == n1
    )

    def ddb_share(phase: Phase) -> str:
        return f"{phase.requests.seconds['dynamodb'] / phase.seconds:.0%}"

    return [
        f"### Projection to {PROJECTED_SUBSCRIBERS:,} subscribers",
        "",
        "The planner's requests are a sum, never a product: "
        "`Query = candidate pages + Σ ⌈due in bucket / DUE_PAGE⌉` (DUE_PAGE = "
        f"{DUE_PAGE}; DynamoDB may add one empty page per bucket when the last is exactly "
        "full), `BatchGetItem = ⌈the candidates' distinct authors / 100⌉` (their display "
        "names), `SendMessageBatch = Σ ⌈due / 10⌉` (pages of 500 sent in tens), one S3 "
        f"PutObject for the run's candidates. {verdict} The candidate pages depend on the "
        f"articles alone ({articles_note}; the same at {n1:,} and {n2:,} subscribers). moto "
        "sizes a page by the whole item even on GSI4, whose INCLUDE projection carries only a "
        "candidate's fields, so here DynamoDB's 1 MB page limit decides; on DynamoDB the "
        "projected items are about half a kilobyte and the Limit of 200 decides: "
        "⌈articles / 200⌉ pages.",
        "",
        f"At {PROJECTED_SUBSCRIBERS:,} due subscribers ({daily:,} daily, {weekly:,} weekly) "
        f"and {large.population.articles:,} articles the planner makes "
        f"**{predicted.dynamodb:,} DynamoDB requests (Queries and one BatchGetItem), "
        f"{predicted.sqs:,} SQS SendMessageBatch "
        f"and {predicted.s3} S3 PutObject**, one after the other: {round_trips:,} round "
        f"trips. At the {send_latency * 1000:.1f} ms a SendMessageBatch took here over "
        f"loopback that is at least {round_trips * send_latency:,.0f} s of the planner's "
        f"{planner_timeout():.0f} s timeout; a million subscribers due in one hour would "
        "not fit one invocation, and the planner, not the workers, is then what to split "
        "(by bucket or by page).",
        "",
        "Times on moto overstate DynamoDB: moto answers every Query by walking every item "
        "of the table (DynamoDB reads only the page), so the more subscribers, the slower "
        f"each request. DynamoDB took {ddb_share(large.planner)} of the planner's time and "
        f"{ddb_share(large.warm_batch)} of the warm worker batch's at {n2:,} subscribers "
        f"({ddb_share(small.planner)} and {ddb_share(small.warm_batch)} at {n1:,}); the "
        "request counts, not these times, are what carries over to AWS.",
        "",
        f"A worker batch costs the same at every size "
        f"({'identical request counts at every size' if same_worker else 'see the table'}): "
        f"{warm.of('dynamodb')} DynamoDB (per subscriber one Query of their partition, one "
        "conditional PutItem to claim the period, one TransactWriteItems to record that it "
        "is being handed to SES with a check that the account is not being deleted, one "
        "TransactWriteItems to record it sent with the sent articles), "
        f"{warm.of('s3')} S3 PutObject (the archive), {warm.of('sesv2')} SES "
        f"SendEmail and {warm.of('sqs')} SQS calls by the event source mapping, plus one S3 "
        "GetObject when an execution environment is new. "
        f"{PROJECTED_SUBSCRIBERS:,} subscribers are {batches:,} such batches: more "
        "concurrent workers, the same work each. Nothing reads articles per subscriber: the "
        "planner reads them once per run and each execution environment once from S3.",
    ]


def run(
    sizes: Sequence[tuple[int, int]],
    *,
    endpoint: str | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Measurement]:
    """Measure each (subscribers, articles) on its own throwaway stack of one moto."""
    now = now or datetime.now(UTC)
    results = []
    with contextlib.ExitStack() as cleanup:
        if endpoint is None:
            endpoint = cleanup.enter_context(MotoServer(0, scale_patches=True)).endpoint
        for index, (subscribers, articles) in enumerate(sizes):
            with throwaway_stack(f"bench{index}", endpoint) as stack:
                use_stack_environment(stack)
                progress(f"{subscribers:,} subscribers, {articles:,} articles...")
                result = measure(stack, subscribers, articles, now)
                progress(
                    f"  populated in {result.population.seconds:.0f} s; planner "
                    f"{result.planner.seconds:.1f} s; worker batch "
                    f"{result.cold_batch.seconds:.2f} s"
                )
                results.append(result)
    return results


def _size(text: str) -> tuple[int, int]:
    subscribers, _, articles = text.partition("x")
    return int(subscribers), int(articles or 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.digests", description=__doc__)
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=_size,
        default=list(DEFAULT_SIZES),
        metavar="SUBSCRIBERSxARTICLES",
        help="default: 1000x1000 10000x1000 1000x250",
    )
    parser.add_argument(
        "--write", action="store_true", help="update the Digests section of bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    if len({a for _, a in args.sizes}) == len(args.sizes) or len(args.sizes) < 2:
        parser.error("give at least two sizes with the same number of articles")
    results = run(args.sizes, progress=lambda line: print(line, file=sys.stderr, flush=True))
    from bench import report

    section = markdown(results, report.machine(), "make bench-digests")
    print(section)
    if args.write:
        report.write_section("digests", "## Digests", section)
        print(f"wrote the Digests section of {report.RESULTS_DOC}", file=sys.stderr)
    problems = [p for m in results for p in check(m)]
    for problem in problems:
        print(f"MISMATCH: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
