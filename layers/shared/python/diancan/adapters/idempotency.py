"""Powertools idempotency records in the one table (``IDEMPOTENCY#<operation>`` / ``<hash>``).

For operations a person triggers and might trigger twice (a staff refund clicked twice, a retried HTTP
call): the same request key returns the first result instead of doing it again. Operations that are
naturally idempotent through conditional writes (payments, transitions, stock) do not need it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diancan.adapters.aws import client

ONE_DAY = 24 * 3600


def idempotent(operation: str, table_name: str, region: str, *, key: str, validate: str,
               expires_after_seconds: int = ONE_DAY) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make ``fn(request: dict) -> dict`` idempotent on the JMESPath ``key`` of its request; a repeated key
    with a different ``validate`` part raises ``IdempotencyValidationError``."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    store = DynamoDBPersistenceLayer(table_name=table_name, key_attr="PK", sort_key_attr="SK",
                                     static_pk_value=f"IDEMPOTENCY#{operation}", expiry_attr="expires_at",
                                     boto3_client=client("dynamodb", region))
    config = IdempotencyConfig(event_key_jmespath=key, payload_validation_jmespath=validate,
                               raise_on_no_idempotency_key=True, expires_after_seconds=expires_after_seconds)
    return idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)
