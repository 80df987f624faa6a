"""``Idempotency-Key`` for routes that create things: a retried request gets the first
response and creates nothing twice (powertools idempotency, records in the single table).

The key is scoped to the route and the caller, and bound to the request body: the same key
with a different body is a 422, and while the first request is still running a retry is a 409.
Records expire after 24 hours, as Stripe's do.

The body is bound without its secret fields (marked ``SECRET`` in the model: passwords, tokens,
codes): powertools stores an unsalted hash of what it validates, and a hash of a body that holds
a password gives the password away to a dictionary attack. So a retry that changes only a secret
is taken for the same request, and replays the first response.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from byline.errors import BadRequest, Conflict, ServiceUnavailable, UnprocessableContent
from byline.models.fields import Secret
from byline.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RECORD_SECONDS = 24 * 3600


def _secret_exclusions(model: BaseModel) -> dict[str, Any]:
    """``model_dump``'s ``exclude`` for the secret fields of ``model`` and of models inside it."""
    excluded: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        if _is_secret(info):
            excluded[name] = True
            continue
        value = getattr(model, name)
        items = value if isinstance(value, list | tuple) else None
        if isinstance(value, BaseModel) and (inner := _secret_exclusions(value)):
            excluded[name] = inner
        elif items is not None:
            nested = {
                i: inner
                for i, item in enumerate(items)
                if isinstance(item, BaseModel) and (inner := _secret_exclusions(item))
            }
            if nested:
                excluded[name] = nested
    return excluded


def _is_secret(info: Any) -> bool:
    return any(isinstance(marker, Secret) for marker in info.metadata)


def without_secrets(model: BaseModel) -> dict[str, Any]:
    """The model as JSON values, its secret fields (at any depth) left out."""
    return model.model_dump(mode="json", exclude=_secret_exclusions(model))


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
    body: BaseModel,
    create: Callable[[], Model],
    model: type[Model],
    lambda_context: Any = None,
    path: Mapping[str, str] | None = None,
) -> Model:
    """Run ``create`` once per (scope, caller, key); replay its result on retries. The key is
    bound to ``body`` without its secrets and to the ``path`` parameters. With the Lambda
    context, a request that dies mid-way frees its key when the invocation's time runs out
    instead of blocking retries with 409 until the record expires."""
    if key is None:
        return create()
    if any(_is_secret(info) for info in model.model_fields.values()):
        # the record keeps the response to replay it: a response that holds a secret cannot
        raise TypeError(f"{model.__name__} holds a secret: its route cannot replay responses")
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
        bound = {**(path or {}), **without_secrets(body)}
        result: Model = once(request={"scope": scope, "caller": caller, "key": key, "body": bound})
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
