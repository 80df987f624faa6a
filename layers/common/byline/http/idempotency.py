"""``Idempotency-Key`` for routes that create things: a retried request gets the first
response and creates nothing twice (powertools idempotency, records in the single table).

The key is scoped to the route and the caller, and bound to the request body: the same key
with a different body is a 422, and while the first request is still running a retry is a 409.
Records expire after 24 hours, as Stripe's do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from byline.errors import BadRequest, Conflict, ServiceUnavailable, UnprocessableContent
from byline.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RECORD_SECONDS = 24 * 3600


@cache
def _store(scope: str) -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from byline import aws

    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=f"IDEMPOTENCY#{scope}",
        expiry_attr="ttl",
        boto3_client=aws.dynamodb(),
    )


def run_once[Model: BaseModel](
    scope: str,
    key: str | None,
    caller: str,
    body: dict[str, Any],
    create: Callable[[], Model],
    model: type[Model],
    lambda_context: Any = None,
) -> Model:
    """Run ``create`` once per (scope, caller, key); replay its result on retries. With the
    Lambda context, a request that dies mid-way frees its key when the invocation's time runs
    out instead of blocking retries with 409 until the record expires."""
    if key is None:
        return create()
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.")

    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )
    from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
        PydanticSerializer,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[scope, caller, key]",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=RECORD_SECONDS,
        use_local_cache=False,
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)

    created: list[Model] = []

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request",
        persistence_store=_store(scope),
        config=config,
        output_serializer=PydanticSerializer(model),
    )
    def once(request: dict[str, Any]) -> Model:
        created.append(create())
        return created[0]

    try:
        result: Model = once(request={"scope": scope, "caller": caller, "key": key, "body": body})
    except IdempotencyValidationError as error:
        raise UnprocessableContent(
            f"This {KEY_HEADER} was already used with a different request."
        ) from error
    except IdempotencyAlreadyInProgressError as error:
        raise Conflict(
            f"A request with this {KEY_HEADER} is still being processed; retry shortly."
        ) from error
    except IdempotencyPersistenceLayerError as error:
        if created:
            # The thing was created; only recording the result for replays failed. Answering
            # 503 would invite the retry that creates it twice: answer what happened instead.
            from aws_lambda_powertools.metrics import MetricUnit

            from byline.observability import logger, metrics

            logger.warning("Created, but the idempotency record was not completed", exc_info=error)
            metrics.add_metric(name="IdempotencyRecordFailures", unit=MetricUnit.Count, value=1)
            return created[0]
        raise ServiceUnavailable("Could not record the idempotency key; retry.") from error
    return result
