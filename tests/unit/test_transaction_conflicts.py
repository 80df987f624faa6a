"""A transaction DynamoDB cancels for a conflict with another (two publications moving one
shared counter) is tried again; a refused condition or a lasting conflict is not hidden."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from byline.data import table as table_module
from byline.data.table import CONFLICT_ATTEMPTS, ConditionFailed, Table
from byline.errors import ServiceUnavailable


def canceled(*codes: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "canceled"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )


class Client:
    """Answers each TransactWriteItems with the next outcome (an error, or None: success)."""

    def __init__(self, *outcomes: ClientError | None) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[Any] = []

    def transact_write_items(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        outcome = self.outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return {}


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch):
    pauses: list[int] = []
    monkeypatch.setattr(table_module, "_pause", pauses.append)
    return pauses


OPS = [{"Put": {"Item": {"PK": {"S": "A"}, "SK": {"S": "B"}}}}]


def test_a_conflict_is_tried_again_and_the_same_transaction_succeeds(no_pauses):
    client = Client(canceled("None", "TransactionConflict"), None)
    Table("t", client).transact(OPS)  # type: ignore[arg-type]
    assert len(client.calls) == 2
    assert client.calls[0] == client.calls[1]
    assert no_pauses == [1]


def test_a_lasting_conflict_is_a_503_after_the_last_try(no_pauses):
    client = Client(*[canceled("TransactionConflict")] * CONFLICT_ATTEMPTS)
    with pytest.raises(ServiceUnavailable):
        Table("t", client).transact(OPS)  # type: ignore[arg-type]
    assert len(client.calls) == CONFLICT_ATTEMPTS
    assert no_pauses == list(range(1, CONFLICT_ATTEMPTS))


def test_a_failed_condition_is_never_tried_again(no_pauses):
    client = Client(canceled("ConditionalCheckFailed", "TransactionConflict"))
    with pytest.raises(ConditionFailed):
        Table("t", client).transact(OPS)  # type: ignore[arg-type]
    assert len(client.calls) == 1
    assert no_pauses == []


PAUSE = table_module._pause  # the real one (the fixture replaces it in the module)


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 0.025), (2, 0.05), (3, 0.1)])
def test_pauses_are_jittered_and_short(monkeypatch, attempt, ceiling):
    import time

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    for _ in range(50):
        PAUSE(attempt)
    assert all(0 <= s <= ceiling for s in slept)
    assert len(set(slept)) > 1  # jittered, so that two conflicting writers drift apart
