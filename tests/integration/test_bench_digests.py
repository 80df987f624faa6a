"""The digest benchmark (bench/digests.py) at a tiny size, so that it cannot rot: it runs on
throwaway stacks of the session's moto and its counts match what the code predicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench import digests, report

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def measured(stack_resources):
    now = datetime.now(UTC)
    results = []
    for stage, subscribers in (("benchtiny-a", 30), ("benchtiny-b", 50)):
        with digests.throwaway_stack(stage, stack_resources.stack.endpoint) as stack:
            results.append(digests.measure(stack, subscribers, 20, now))
    return results


def test_the_planner_queues_every_due_subscriber_with_the_predicted_requests(measured):
    for result in measured:
        population = result.population
        assert result.planned == population.subscribers
        assert digests.check(result) == []
        requests = result.planner.requests
        assert requests.calls["sqs", "SendMessageBatch"] == (
            digests.sqs_batches(population.daily) + digests.sqs_batches(population.weekly)
        )
        assert requests.queries["GSI1"] == result.due_pages == 2  # one page per bucket
        assert requests.calls["s3", "PutObject"] == 1
        assert requests.of("sesv2") == 0


def test_a_worker_batch_reads_the_candidates_once_per_execution_environment(measured):
    for result in measured:
        cold, warm = result.cold_batch, result.warm_batch
        assert sum(cold.outcomes.values()) == sum(warm.outcomes.values()) == 10
        assert cold.requests.calls["s3", "GetObject"] == 1
        assert warm.requests.calls["s3", "GetObject"] == 0
        for batch in (cold, warm):
            sent = batch.outcomes["sent"]
            assert batch.requests.calls["dynamodb", "Query"] == 10  # one per subscriber
            assert batch.requests.calls["sesv2", "SendEmail"] == sent
            # the hand-over (with the account's check) and the completion
            assert batch.requests.calls["dynamodb", "TransactWriteItems"] == 2 * sent
            assert batch.requests.calls["dynamodb", "UpdateItem"] == 0
            assert batch.requests.calls["sqs", "ReceiveMessage"] == 1


def test_the_report_names_the_machine_and_projects_to_a_hundred_thousand(measured):
    section = digests.markdown(measured, report.machine(), "make bench-digests")
    assert "make bench-digests" in section
    assert "### Projection to 100,000 subscribers" in section
    assert "The measured planner requests equal these formulas" in section
    assert section.count("| planner, ") == 2
