"""Fault injection: what every write route does when DynamoDB throttles, fails or cancels a
transaction, and what the digest pipeline does when S3 or SES fail, SQS redelivers or Lambda
times out half-way through a batch. For each: what the client sees, and that nothing was lost,
doubled or half written.

Each case runs the route's real handler in this process (``invoke_handler``) with the proxy
event API Gateway would send, against moto, with failures injected into the layer's own boto3
clients at the wire (tests/support/aws_calls.py: botocore's standard retry policy runs as in
Lambda). Every key a write touches is recorded with its value before the write, and compared
after the request: a change is summarised by its key prefixes (``ARTICLE#/ARTICLE added``), so
runs on different fresh data compare.

* transient: the first two attempts of every write are throttled, the retries succeed; the
  client must get exactly the answer and the changes of a run without faults.
* sustained: every write from the k-th on fails (each k the route reaches); the client must get
  a 503 problem, and either nothing changed or, for the routes that are a sequence of
  idempotent steps rather than one transaction (``resumable``), a retry converges to the
  changes of a run without faults.
* cancelled: each transaction is cancelled once by a condition on each of its items in turn;
  the client gets a 4xx problem (409, 412, 404 ...) and nothing changes, or the route retries
  by itself and succeeds with the changes of a run without faults. Never a 500.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.aws_calls import Faults
from tests.support.write_cases import (
    CASES,
    THROTTLES,
    WRITES,
    Answer,
    World,
    WriteCase,
    answer,
    proxy_event,
    route_functions,
    tracking,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass
class Run:
    answer: Answer
    changes: Counter[str]
    writes: Counter[str]
    attempts: Counter[str]
    sleeps: list[float]


class Harness:
    def __init__(self, base: str, invoke: Callable[[str, dict[str, Any]], Any], table: str):
        self.world = World(base)
        self.invoke = invoke
        self.table = table
        self.baselines: dict[str, Run] = {}

    def run(self, case: WriteCase, inject: Callable[[Faults], None] | None = None) -> Run:
        from byline import aws
        from tests.support.layer_caches import reset_layer_caches

        request = case.build(self.world)
        function = route_functions()[(request.method, request.resource)]
        # fresh clients: botocore's retry quota (a token bucket per client) starts full, as in
        # a new execution environment, so earlier runs' failures do not switch retries off
        reset_layer_caches()
        with tracking(self.table) as changes, Faults(aws.dynamodb()) as faults:
            if inject is not None:
                inject(faults)
            raw = self.invoke(function, proxy_event(request))
        self.last_request = request
        return Run(answer(raw), changes.diff(), changes.writes, faults.attempts, faults.sleeps)

    def retry_last(self) -> Answer:
        function = route_functions()[(self.last_request.method, self.last_request.resource)]
        return answer(self.invoke(function, proxy_event(self.last_request)))

    def baseline(self, case: WriteCase) -> Run:
        if case.label not in self.baselines:
            run = self.run(case)
            assert run.answer.status == case.status, (run.answer.status, run.answer.body)
            self.baselines[case.label] = run
        return self.baselines[case.label]


@pytest.fixture(scope="module")
def harness(local_api: str, invoke_handler: Any, stack_resources: Any) -> Iterator[Harness]:
    from tests.support.layer_caches import reset_layer_caches

    reset_layer_caches()  # a client whose retry quota no other test has spent
    yield Harness(local_api, invoke_handler, stack_resources["TABLE_NAME"])
    reset_layer_caches()  # and none of ours for the tests after


LABELS = [case.label for case in CASES]
BY_LABEL = {case.label: case for case in CASES}


def test_every_write_route_of_the_template_has_a_case():
    writes = {r for r in route_functions() if r[0] in {"POST", "PUT", "PATCH", "DELETE"}}
    covered = {(label.split()[0], label.split()[1]) for label in LABELS}
    exempt = {
        ("POST", "/auth/logout"): "Cognito only (AdminUserGlobalSignOut): no table write",
        ("POST", "/auth/refresh"): "Cognito only (InitiateAuth): no table write",
    }
    assert writes - covered == set(exempt), sorted(writes - covered - set(exempt))


@pytest.mark.parametrize(
    ("label", "code"), [(label, THROTTLES[i % 2]) for i, label in enumerate(LABELS)]
)
def test_a_write_throttled_twice_succeeds_on_retry_with_the_same_changes(harness, label, code):
    case = BY_LABEL[label]
    expected = harness.baseline(case)
    run = harness.run(case, lambda f: f.fail(*WRITES, code=code, times=2))
    assert run.answer.status == case.status, run.answer.body
    assert run.changes == expected.changes, "retries lost or doubled a write"
    assert sum(run.attempts[o] for o in WRITES) == sum(expected.attempts[o] for o in WRITES) + 2
    assert len(run.sleeps) == 2
    assert all(s > 0 for s in run.sleeps), "retried without backing off"


@pytest.mark.parametrize("label", LABELS)
def test_a_write_that_keeps_failing_is_a_503_and_leaves_no_half_written_state(harness, label):
    case = BY_LABEL[label]
    expected = harness.baseline(case)
    writes = sum(expected.writes.values())
    assert writes >= 1
    for k in range(1, writes + 1):
        run = harness.run(case, lambda f, k=k: f.fail(*WRITES, skip=k - 1))
        if run.answer.status == case.status:
            # only bookkeeping after the change failed (an Idempotency-Key's record): the
            # change is made and the client told so, not invited to make it twice
            assert run.changes == expected.changes, (k, run.changes)
            continue
        assert run.answer.is_problem(503) or (case.page and run.answer.is_page(503)), (
            k,
            run.answer.status,
            run.answer.body,
        )
        assert sum(run.attempts[o] for o in WRITES) >= 4, "the failing write was not retried"
        left = Counter({shape: n for shape, n in run.changes.items() if shape not in case.residue})
        if not left:
            continue  # nothing happened (or only what RESIDUE explains): the client may retry
        assert case.resumable, f"failing from write {k} left {dict(left)}"
        retried = harness.retry_last()
        assert retried.status == case.status, (k, retried.status, retried.body)


@pytest.mark.parametrize("label", LABELS)
def test_a_transaction_cancelled_by_a_condition_is_a_4xx_never_a_500(harness, label):
    case = BY_LABEL[label]
    expected = harness.baseline(case)
    if not expected.writes["TransactWriteItems"]:
        # the route writes without a transaction: a cancellation armed for one never fires
        run = harness.run(case, _cancel_once([{"Code": "ConditionalCheckFailed"}]))
        assert run.writes["TransactWriteItems"] == 0
        assert run.answer.status == case.status, (run.answer.status, run.answer.body)
        return
    outcomes: Counter[int] = Counter()
    for position in range(_transaction_size(harness, case)):
        reasons = [{"Code": "None"}] * position + [{"Code": "ConditionalCheckFailed"}]
        run = harness.run(case, _cancel_once(reasons))
        outcomes[run.answer.status] += 1
        assert run.answer.status < 500, (position, run.answer.body)
        if run.answer.status >= 400:
            assert run.answer.is_problem(), run.answer.body
            assert not run.changes, f"a refused transaction changed {dict(run.changes)}"
        else:
            assert run.answer.status == case.status
            # "done before": that part of the change is skipped, the rest is made
            done_before = case.refusal_means_done and position == 0
            if done_before:
                assert run.changes <= expected.changes, (position, run.changes)
            else:
                assert run.changes == expected.changes, (position, run.changes)
    assert outcomes


def _transaction_size(harness: Harness, case: WriteCase) -> int:
    sizes: list[int] = []
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def spy(self: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems":
            sizes.append(len(params["TransactItems"]))
        return original(self, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", spy)
        harness.run(case)
    return max(sizes)


def _cancel_once(reasons: list[dict[str, str]]) -> Callable[[Faults], None]:
    def inject(faults: Faults) -> None:
        faults.fail(
            "TransactWriteItems",
            code="TransactionCanceledException",
            times=1,
            extra={"CancellationReasons": reasons},
        )

    return inject
