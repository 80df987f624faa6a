"""Least privilege, measured: each function's IAM policy in template.yaml grants exactly the
actions its code makes, no fewer (the deployed function would fail with AccessDenied, which
moto never says) and no more (EXCEPTIONS lists the few grants no recorded call can show, each
with its reason).

What a function does is recorded, not assumed: its real handler runs in this process
(``invoke_handler``) on the requests of the authorization matrix (every route, as its owner, as
an admin and as a reader), the write cases of the fault-injection tests, the compensation paths
those tests trigger, and for the functions that are not routes, the events AWS sends them
(schedule, SQS batch, S3 notification) on data that makes them do their whole job. Every AWS
call of every botocore client is turned into the IAM actions AWS authorises it with
(tests/support/aws_calls.py): a DynamoDB transaction needs the actions of its parts, a Query on
an index needs a grant on the index ARN, SES v2 raw mail needs ses:SendRawEmail ...

Caches are emptied before each function's requests, so one function's cold start (the signing
key from Secrets Manager, say) is not hidden by another's.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws_calls import Faults, Need, recording
from tests.support.identity_helpers import User, make_user
from tests.support.queues import (
    _drain,
    _plain,
)
from tests.support.template_routes import template
from tests.support.write_cases import CASES, Request, World, _signup, proxy_event

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

_PRESIGNED = "the presigned POST it signs is authorised with its role at upload time; signing "
_IDEMPOTENCY_GET = (
    "Idempotency-Key replays: powertools reads the stored record (GetItem) when the conditional "
    "write does not return it"
)
_IDEMPOTENCY_DELETE = (
    "Idempotency-Key: powertools deletes the in-progress record (DeleteItem) when the work "
    "fails (test_faults.py drives that path)"
)
_COVER = "a request that sets a cover: the media item is checked in the same transaction"
_SHARED_WRITER = (
    "Articles.save builds the whole transaction of any article change (slug claims and aliases, "
    "tag and sitemap copies, series parts, reference checks); the transitions this route can "
    "cause were not all reached. A narrower policy per route is possible after a review"
)
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("MediaUploadFunction", "s3:PutObject"): _PRESIGNED + "makes no call",
    ("MediaUploadFunction", "s3:PutObjectTagging"): _PRESIGNED + "sets the pending status tag",
    ("MediaUploadFunction", "dynamodb:GetItem"): _IDEMPOTENCY_GET,
    ("MediaUploadFunction", "dynamodb:DeleteItem"): _IDEMPOTENCY_DELETE,
    ("ArticleCreateFunction", "dynamodb:GetItem"): _IDEMPOTENCY_GET,
    ("ArticleCreateFunction", "dynamodb:DeleteItem"): _IDEMPOTENCY_DELETE,
    ("ArticleCreateFunction", "dynamodb:ConditionCheckItem"): _COVER,
    ("ArticleUpdateFunction", "dynamodb:ConditionCheckItem"): _COVER,
    ("ArticleUpdateFunction", "dynamodb:DeleteItem"): "retitling a draft releases its old slug "
    "claim",
    ("AuthSignupFunction", "dynamodb:GetItem"): _IDEMPOTENCY_GET,
    ("AuthSignupFunction", "ses:SendRawEmail"): "a sign-up with an address that already belongs "
    "to an account mails its owner instead (test_identity_api.py drives that path)",
    ("CommentCreateFunction", "dynamodb:DeleteItem"): _IDEMPOTENCY_DELETE,
    ("MeUpdateFunction", "dynamodb:ConditionCheckItem"): "a new avatar: the media item is "
    "checked in the same transaction",
    ("MeUpdateFunction", "dynamodb:GetItem"): "a patch that changes nothing returns the profile "
    "as it is (Users.update)",
    ("DigestWorkerFunction", "dynamodb:GetItem"): "a delivery that finds another's live claim "
    "reads the record to tell 'sent' from 'in progress' (test_faults_digests.py)",
    ("DigestWorkerFunction", "dynamodb:BatchGetItem"): "a subscriber whose watermark is older "
    "than the run's snapshot gets the releases between read for them alone, with their authors' "
    "display names (test_digest_scenarios.py drives that path)",
    ("DigestPreviewFunction", "dynamodb:BatchGetItem"): "a preview that picks articles reads "
    "their authors' display names (test_request_budget.py counts it); this one picks none",
    ("DigestGetFunction", "s3:GetObject"): "the archive link it returns is presigned with its "
    "own credentials, so the reader's GET needs the grant; presigning makes no call",
    ("MediaValidatorFunction", "s3:GetObject"): "an event without a version id (a bucket whose "
    "versioning was suspended) is read, tagged and deleted without one",
    ("MediaValidatorFunction", "s3:PutObjectTagging"): "as s3:GetObject: no version id",
    ("MediaValidatorFunction", "s3:DeleteObject"): "as s3:GetObject: no version id",
    ("ArticleDeleteFunction", "dynamodb:ConditionCheckItem"): _SHARED_WRITER,
    ("ArticleDeleteFunction", "dynamodb:PutItem"): _SHARED_WRITER,
    ("ArticlePublishFunction", "dynamodb:ConditionCheckItem"): _SHARED_WRITER,
    ("ArticlePublishFunction", "dynamodb:DeleteItem"): _SHARED_WRITER,
    ("ArticleUnpublishFunction", "dynamodb:ConditionCheckItem"): _SHARED_WRITER,
    ("ArticleUnpublishFunction", "dynamodb:PutItem"): _SHARED_WRITER,
    ("ScheduledPublisherFunction", "dynamodb:ConditionCheckItem"): _SHARED_WRITER,
    ("ScheduledPublisherFunction", "dynamodb:DeleteItem"): _SHARED_WRITER,
    ("MeDeleteFunction", "dynamodb:PutItem"): _SHARED_WRITER + " (account deletion unpublishes "
    "the author's articles through it)",
}
"""(function, action) granted although no call in this process can show it, and why."""


# -- the template's grants ----------------------------------------------------------------------
def functions() -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template()["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _on_index(resource: Any) -> bool:
    return "/index/" in json.dumps(resource)


def granted(logical_id: str) -> set[Need]:
    """The template's Allow statements as Needs (``index`` for grants on the index ARNs)."""
    needs: set[Need] = set()
    for policy in functions()[logical_id]["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"{logical_id}: use inline statements, not {policy!r}"
        for statement in policy.get("Statement", []):
            assert statement["Effect"] == "Allow", statement
            actions = statement["Action"]
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action, f"{logical_id}: wildcard action {action}"
                needs.add(Need(action))
                if any(_on_index(r) for r in resources):
                    needs.add(Need(action, index=True))
    return needs


def route_of(logical_id: str) -> tuple[str, str] | None:
    for event in functions()[logical_id]["Properties"].get("Events", {}).values():
        if event["Type"] == "Api":
            return (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
    return None


# -- exercising every function ------------------------------------------------------------------
class Exercise:
    """Runs handlers in this process and keeps what each one asked of AWS."""

    def __init__(self, base: str, invoke: Callable[[str, dict[str, Any]], Any]) -> None:
        self.base = base
        self.invoke = invoke
        self.needs: dict[str, set[Need]] = defaultdict(set)
        self.calls: dict[str, int] = defaultdict(int)

    def run(self, logical_id: str, event: dict[str, Any], faults: Any = None) -> Any:
        from byline import aws
        from tests.support.layer_caches import reset_layer_caches

        reset_layer_caches()
        _clear_parameter_cache()
        with recording() as record:
            if faults is None:
                result = self.invoke(logical_id, event)
            else:
                client, inject = faults
                with Faults(getattr(aws, client)()) as injected:
                    inject(injected)
                    result = self.invoke(logical_id, event)
        self.needs[logical_id] |= record.needs
        self.calls[logical_id] += len(record.calls)
        return result


def _clear_parameter_cache() -> None:
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()


def _request_from_call(call: Any, resource: str) -> Request:
    concrete = call.path.split("?", 1)
    query = dict(p.split("=", 1) for p in concrete[1].split("&")) if len(concrete) > 1 else {}
    params = {}
    parts, template_parts = concrete[0].split("/"), resource.split("/")
    for index, template_part in enumerate(template_parts):
        if template_part.endswith("+}"):  # greedy: the rest of the path
            params[template_part[1:-2]] = "/".join(parts[index:])
            break
        if template_part.startswith("{"):
            params[template_part[1:-1]] = parts[index]
    else:
        assert len(parts) == len(template_parts), (resource, call.path)
    body = call.data.encode() if call.data is not None else call.json
    return Request(call.method.upper(), resource, params, body=body,
                   headers=dict(call.headers or {}), query=query)  # fmt: skip


@pytest.fixture(scope="module")
def exercised(local_api: str, invoke_handler: Any, local_stack: Any) -> Exercise:
    from tests.support.authorization_matrix import MATRIX

    run = Exercise(local_api, invoke_handler)
    owner, admin, reader = (make_user(local_api, r) for r in ("author", "admin", "reader"))
    routes = {route_of(f): f for f in functions() if route_of(f)}

    # every route, as its owner, as an admin and as a reader (the matrix's requests)
    for (method, resource), (case, _statuses) in sorted(MATRIX.items()):
        logical_id = routes[(method.upper(), resource)]
        for caller in (owner, admin, reader):
            if (method, resource) in {("delete", "/me"), ("post", "/auth/logout")}:
                caller = make_user(local_api, "author")  # it ends its session
            call = case(local_api, caller, owner)
            request = _request_from_call(call, resource)
            request.user = caller
            run.run(logical_id, proxy_event(request))

    # the write cases of the fault tests, and the compensation paths their faults trigger
    world = World(local_api)
    for write in CASES:
        request = write.build(world)
        run.run(routes[(request.method, request.resource)], proxy_event(request))
    for logical_id, build, faults in COMPENSATIONS:
        run.run(logical_id, proxy_event(build(world)), faults)
    for build in MORE_PATHS:
        request = build(world)
        run.run(routes[(request.method, request.resource)], proxy_event(request))

    _exercise_event_functions(run, local_api, local_stack, owner)
    return run


COMPENSATIONS = [
    # Cognito accepted the sign-up, then recording it failed: the Cognito user is removed
    (
        "AuthSignupFunction",
        _signup,
        (
            "cognito",
            lambda f: f.fail("AdminAddUserToGroup", code="InternalErrorException", status=500),
        ),
    ),
]


def _with_key(build: Callable[[World], Request]) -> Callable[[World], Request]:
    def keyed(world: World) -> Request:
        request = build(world)
        request.headers["Idempotency-Key"] = uuid.uuid4().hex
        return request

    return keyed


def _reply(world: World) -> Request:
    from tests.support.article_helpers import published_article

    author = world.user()
    top = world.comment(author, published_article(world.base, author))
    return Request("POST", "/articles/{article}/comments", {"article": top["article_id"]},
                   world.shared("reader"), {"body": "a reply", "parent_id": top["id"]})  # fmt: skip


def _a_later_page_of_comments(world: World) -> Request:
    import requests

    from tests.support.article_helpers import published_article

    author = world.user()
    article = published_article(world.base, author)
    for _ in range(2):
        world.comment(author, article)
    first = requests.get(
        f"{world.base}/articles/{article['id']}/comments", params={"limit": 1}, timeout=30
    ).json()
    return Request("GET", "/articles/{article}/comments", {"article": article["id"]},
                   query={"limit": "1", "cursor": first["next_cursor"]})  # fmt: skip


def _an_article_by_id(world: World) -> Request:
    from tests.support.article_helpers import published_article

    article = published_article(world.base, world.user())
    return Request("GET", "/articles/{article}", {"article": article["id"]})


def _demote_an_admin(world: World) -> Request:
    target = world.user("admin")
    return Request("PUT", "/users/{username}/role", {"username": target.username},
                   world.shared("admin"), {"role": "reader"})  # fmt: skip


def _author_leaves(world: World) -> Request:
    from tests.support.article_helpers import published_article

    author = world.user("author")
    published_article(world.base, author, tags=["leaving"], series=f"S {uuid.uuid4().hex[:6]}")
    return Request("DELETE", "/me", user=author)


def _an_admin_leaves(world: World) -> Request:
    """An admin with an avatar (stored directly: the upload path is the media tests' job)."""
    from byline import aws
    from byline.data import keys
    from byline.data.table import table
    from byline.settings import get_settings

    admin = world.user("admin")
    avatar = f"media/{admin.username}/{uuid.uuid4().hex}.png"
    aws.s3().put_object(Bucket=get_settings().media_bucket, Key=avatar, Body=b"\x89PNG")
    table().put({**keys.media(avatar), "kind": "media", "key": avatar, "owner": admin.username,
                 "status": "accepted"})  # fmt: skip
    table().update(keys.user_profile(admin.username), "SET avatar = :a", values={":a": avatar})
    return Request("DELETE", "/me", user=admin)


def _by_field(method: str, path: str, body: dict[str, Any]) -> Callable[[World], Request]:
    return lambda world: Request(method, path, user=world.user("author"), body=body)


def _preferences_with_a_bad_hour(world: World) -> Request:
    """The form refused: the page is shown again (its reads), nothing written."""
    from tests.support.write_cases import _preferences

    return _preferences("schedule", cadence="daily", hour="25", timezone="UTC")(world)


def _ghost_key(world: World) -> str:
    import requests

    from tests.support.content_keys import make_room

    make_room()
    created = requests.post(
        f"{world.base}/content-keys",
        json={"name": "least privilege"},
        headers=world.shared("admin").auth,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


def _ghost(path: Callable[[World], str], **query: str) -> Callable[[World], Request]:
    """A Content API request (its key is in the query, not a token)."""

    def build(world: World) -> Request:
        return Request(
            "GET",
            "/ghost/api/{path+}",
            {"path": path(world)},
            query={"key": _ghost_key(world), **query},
        )

    return build


def _a_ghost_post_path(world: World, *, by_id: bool) -> str:
    from byline.ghost.ids import content_id
    from tests.support.article_helpers import published_article

    article = published_article(world.base, world.user(), tags=["ghostly"])
    if by_id:
        return f"content/posts/{content_id('post', article['id'])}/"
    return f"content/posts/slug/{article['slug']}/"


def _a_ghost_page(world: World) -> str:
    from tests.support.article_helpers import published_article

    published_article(world.base, world.shared("editor"), type="page")
    return "content/pages/"


MORE_PATHS: list[Callable[[World], Request]] = [
    _ghost(lambda w: "content/posts/", include="tags,authors"),
    _ghost(lambda w: "content/posts/", filter="tag:ghostly+featured:false"),
    _ghost(lambda w: _a_ghost_post_path(w, by_id=False), include="authors"),
    _ghost(lambda w: _a_ghost_post_path(w, by_id=True)),
    _ghost(_a_ghost_page, include="authors"),
    _ghost(lambda w: "content/authors/", include="count.posts"),
    _ghost(lambda w: "content/tags/", include="count.posts"),
    _ghost(lambda w: "content/settings/"),
    _with_key(_signup),
    _with_key(_by_field("POST", "/media", {"content_type": "image/png", "size": 2048})),
    _with_key(_reply),
    _reply,
    _a_later_page_of_comments,
    _an_article_by_id,
    _demote_an_admin,
    _author_leaves,
    _an_admin_leaves,
    _preferences_with_a_bad_hour,
]
"""Paths the matrix does not take: Idempotency-Key replays, replies, a later page of comments
(the article is read before the page), an article read by id (the matrix reads by slug),
demoting an admin and an admin deleting their account (the last-admin check, under its lease),
an author deleting their account (their articles are unpublished), a preferences form refused
for its content (the page shown again), and the Content API's routes (a key, not a token)."""


def _exercise_event_functions(run: Exercise, base: str, local_stack: Any, author: User) -> None:
    import byline.services.digests
    from local.events import s3_event, scheduled_event, sqs_event
    from tests.support.article_helpers import published_article
    from tests.support.digests_http import follow, next_digest_slot, subscribe

    stack = local_stack.stack
    now = datetime.now(UTC)
    # a worker handler loaded by another test may hold that test's stand-in service
    worker = sys.modules.get("byline_local_fn_DigestWorkerFunction")
    if worker is not None:
        worker.digest_service = byline.services.digests.digest_service
    rule = "arn:aws:events:us-east-1:123456789012:rule/least-privilege"

    # digests: a subscriber due at the planned slot, following a tag of an article just published
    reader = make_user(base, "reader")
    other = make_user(base, "reader")  # whose send fails, below
    tag = "lp" + uuid.uuid4().hex[:8]
    for subscriber in (reader, other):  # before the article: a subscription's watermark starts
        subscribe(base, subscriber)  # at subscribing, and earlier articles are not due to it
        follow(base, subscriber, tag)
    published_article(base, author, tags=[tag])
    queue = stack.ref("DigestQueue")
    queue_arn = stack.get_att("DigestQueue", "Arn")
    sqs = _plain("sqs")
    # the welcome their subscribing queued, and one that SES refuses (its claim given back)
    welcomes = [
        m
        for m in _drain(sqs, queue)
        if json.loads(m["Body"]).get("kind") == "welcome"
        and json.loads(m["Body"])["username"] in (reader.username, other.username)
    ]
    assert len(welcomes) == 2, "subscribing queued no welcome"
    fail_ses = ("ses", lambda f: f.fail("SendEmail", code="TooManyRequestsException", status=429))
    refused = run.run("DigestWorkerFunction", sqs_event(welcomes[:1], queue_arn), fail_ses)
    assert refused["batchItemFailures"], "the refused welcome was not retried"
    result = run.run("DigestWorkerFunction", sqs_event(welcomes, queue_arn))
    assert result["batchItemFailures"] == [], result
    ahead = {"plan_ahead": True}  # tomorrow's slot, planned now
    run.run("DigestPlannerFunction", scheduled_event(rule, next_digest_slot(), detail=ahead))
    messages = _drain(sqs, queue)
    mine = [m for m in messages if json.loads(m["Body"])["username"] == reader.username]
    assert mine, "the planner queued nothing for the due subscriber"
    result = run.run("DigestWorkerFunction", sqs_event(mine[:1], queue_arn))
    assert result["batchItemFailures"] == [], result
    # and a send that fails: the claim is given back (and the message retried)
    failing = dict(
        mine[0],
        MessageId=str(uuid.uuid4()),
        Body=json.dumps({**json.loads(mine[0]["Body"]), "username": other.username}),
    )
    refused = run.run("DigestWorkerFunction", sqs_event([failing], queue_arn), fail_ses)
    assert refused["batchItemFailures"], "the refused send was not retried: no claim given back"

    # SES feedback: a permanent bounce of the digest just sent (tagged with the account), and
    # a complaint about a notice (no user tag: the account is found by its email claim)
    from local.events import ses_event_record, sns_event

    topic, configuration_set = stack.ref("SesFeedbackTopic"), stack.ref("SesConfigurationSet")
    bounce = ses_event_record("Bounce", [reader.email], tags={"byline-user": reader.username},
                              configuration_set=configuration_set)  # fmt: skip
    complaint = ses_event_record("Complaint", [other.email], configuration_set=configuration_set)
    feedback = sns_event([json.dumps(bounce), json.dumps(complaint)], topic)
    outcomes = run.run("SesFeedbackFunction", feedback)
    assert [set(o.values()) for o in outcomes.values()] == [{"suppressed"}] * 2, outcomes

    # scheduled publishing: an article whose time came, scheduled through the service by a
    # clock an hour behind
    _schedule_due_article(base, author)
    run.run("ScheduledPublisherFunction", scheduled_event(rule, now))

    # media: an accepted PNG and a text file claiming to be one (deleted with its versions)
    from tests.support.images import png
    from tests.support.media_uploads import grant, upload

    bucket = stack.ref("MediaBucket")
    s3 = _plain("s3")
    for data in (png(8, 8), b"not an image at all"):
        granted = grant(base, author, size=len(data))
        upload(granted, data)
        key = granted["media_key"]
        head = s3.head_object(Bucket=bucket, Key=key)
        event = s3_event(
            bucket=bucket, key=key, size=head["ContentLength"], etag=head["ETag"],
            version_id=head.get("VersionId"), sequencer=uuid.uuid4().hex[:18].upper(),
            event_time=now, configuration_id="least-privilege",
        )  # fmt: skip
        run.run("MediaValidatorFunction", event)


def _schedule_due_article(base: str, author: User) -> None:
    from byline.auth.principal import Principal
    from byline.data.articles import Articles
    from byline.data.table import table
    from byline.models.articles import ArticleCreate, PublishRequest
    from byline.services.articles import ArticleService

    due = datetime.now(UTC) - timedelta(minutes=1)
    behind = ArticleService(
        articles=Articles(table()),
        cursor_key=lambda: b"k" * 32,
        publish_event=lambda *_: True,
        clock=lambda: due - timedelta(hours=1),
    )
    principal = Principal(username=author.username, sub=author.username, groups=("author",))
    draft = behind.create(principal, ArticleCreate(title=f"Due {uuid.uuid4().hex[:8]}"))
    scheduled = behind.publish(principal, draft.id, PublishRequest(publish_at=due))
    assert scheduled.status == "scheduled", scheduled.status


# -- the tests ----------------------------------------------------------------------------------
def _show(needs: set[Need]) -> list[str]:
    return sorted(f"{n.action}{' (index)' if n.index else ''}" for n in needs)


@pytest.mark.parametrize("logical_id", sorted(functions()))
def test_each_function_is_granted_every_action_its_code_makes(exercised, logical_id):
    assert exercised.calls[logical_id] or logical_id in NO_AWS_CALLS, (
        f"{logical_id} was never exercised"
    )
    missing = exercised.needs[logical_id] - granted(logical_id)
    assert not missing, f"{logical_id} calls, but template.yaml does not grant: {_show(missing)}"


@pytest.mark.parametrize("logical_id", sorted(functions()))
def test_each_function_is_granted_nothing_its_code_does_not_make(exercised, logical_id):
    used = {n.action for n in exercised.needs[logical_id]}
    unused = {
        n
        for n in granted(logical_id)
        if not n.index and n.action not in used and (logical_id, n.action) not in EXCEPTIONS
    }
    assert not unused, f"{logical_id} is granted, but never calls: {_show(unused)}"


def test_every_exception_names_a_grant_that_exists():
    for logical_id, action in EXCEPTIONS:
        assert Need(action) in granted(logical_id), (logical_id, action)


NO_AWS_CALLS = {"OpenApiFunction", "SessionFunction"}
"""Functions whose code makes no AWS call at all (their policies are empty)."""


def test_the_report_of_what_each_function_calls(exercised):
    """Writes .local/reports/least-privilege.json for docs/RELIABILITY.md."""
    report = {
        name: {"granted": _show(granted(name)), "used": _show(exercised.needs[name])}
        for name in sorted(functions())
    }
    path = ROOT / ".local" / "reports" / "least-privilege.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
